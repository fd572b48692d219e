import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deleteKeys, redisUrl } from '@redis-ipc/testing';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownSnippets, type Snippet } from '../src/markdown-snippets.js';
import { packAll, strictProject, type Tarballs } from '../src/packed.js';
import { publishedPackages, repoRoot } from '../src/paths.js';

const run = promisify(execFile);

// Each README quick start paired with the install line shown just above it.
interface QuickStart {
  readonly title: string;
  readonly packages: string[];
  readonly code: string;
}

async function quickStarts(): Promise<QuickStart[]> {
  const readme = join(repoRoot, 'README.md');
  const text = await readFile(readme, 'utf8');
  const section = text.indexOf('## Quick start');
  const end = text.indexOf('\n## ', section + 1);
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const [from, to] = [lineOf(section), lineOf(end)];
  const blocks = (await markdownSnippets(readme, ['ts', 'sh'])).filter((b) => b.line > from && b.line < to);
  const starts: QuickStart[] = [];
  let install: Snippet | undefined;
  for (const block of blocks) {
    if (block.lang === 'sh') install = block;
    else if (install) {
      const packages = install.code
        .replace(/^npm install /, '')
        .trim()
        .split(/\s+/);
      starts.push({ title: `README.md:${block.line}`, packages, code: block.code });
      install = undefined;
    }
  }
  return starts;
}

describe('published packages', () => {
  let work: string;
  let tarballs: Tarballs;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'redis-ipc-release-'));
    tarballs = await packAll(work);
  }, 120_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('every tarball carries its README, LICENSE and complete metadata', async () => {
    expect(Object.keys(tarballs).sort()).toEqual(
      publishedPackages.map((name) => `@redis-ipc/${name}`).sort(),
    );
    for (const [name, file] of Object.entries(tarballs)) {
      const { stdout } = await run('tar', ['-tzf', file]);
      expect(stdout, name).toMatch(/^package\/LICENSE$/m);
      expect(stdout, name).toMatch(/^package\/README\.md$/m);
      const { stdout: manifest } = await run('tar', ['-xzOf', file, 'package/package.json']);
      const pkg = JSON.parse(manifest) as Record<string, unknown>;
      for (const field of ['repository', 'homepage', 'bugs', 'license', 'keywords', 'engines', 'exports']) {
        expect(pkg[field], `${name} ${field}`).toBeDefined();
      }
      expect(JSON.stringify(pkg), `${name} has no workspace: ranges left`).not.toMatch(/workspace:/);
    }
  });

  it('the README quick starts run as written after a strict pnpm install of what each one says', async () => {
    const starts = await quickStarts();
    expect(starts.map((start) => start.packages.join(' '))).toEqual([
      '@redis-ipc/core @redis-ipc/queue redis',
      '@redis-ipc/core @redis-ipc/cache redis',
      '@redis-ipc/core @redis-ipc/stream redis',
      '@redis-ipc/ipc redis',
    ]);
    for (const [index, start] of starts.entries()) {
      const dir = await strictProject(join(work, `quick-start-${index}`), tarballs, start.packages, 'module');
      const { outputText } = ts.transpileModule(start.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      await writeFile(join(dir, 'main.mjs'), outputText);
      const result = await run(process.execPath, ['main.mjs'], {
        cwd: dir,
        env: { ...process.env, REDIS_URL: redisUrl() },
        timeout: 30_000,
      }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(
          `${start.title} failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`,
        );
      });
      expect(result.stderr, start.title).toBe('');
    }
    // The quick starts use the default prefix; leave the shared server as it was.
    await deleteKeys(redisUrl(), 'ipc:');
  });

  it('CommonJS code can require() every package (Node.js ≥ 20.19)', async () => {
    const names = Object.keys(tarballs);
    const dir = await strictProject(join(work, 'commonjs'), tarballs, [...names, 'redis'], 'commonjs');
    const script = [
      `const names = ${JSON.stringify(names)};`,
      "const kinds = names.map((name) => Object.values(require(name)).some((value) => typeof value === 'function'));",
      "console.log(kinds.every(Boolean) ? 'required' : 'empty');",
      "console.log(typeof require('@redis-ipc/ipc').createIpc);",
    ].join('\n');
    await writeFile(join(dir, 'check.cjs'), script);
    const { stdout } = await run(process.execPath, ['check.cjs'], { cwd: dir });
    expect(stdout.trim().split('\n')).toEqual(['required', 'function']);
  });
});
