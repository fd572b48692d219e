import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { markdownSnippets, type Snippet } from '../src/markdown-snippets.js';
import { readmes, repoRoot } from '../src/paths.js';

const run = promisify(execFile);
const here = resolve(repoRoot, 'tools/release-check');

// Every TypeScript block of every README compiles against the built packages, as its own module
// (names the reader supplies, such as `sendMail`, are declared in src/snippet-context.d.ts).
describe('README snippets', () => {
  it('type-check against the packages', async () => {
    const snippets: Snippet[] = [];
    for (const readme of readmes) snippets.push(...(await markdownSnippets(join(repoRoot, readme), ['ts'])));
    expect(snippets.length).toBeGreaterThan(5);

    const dir = join(here, '.snippets');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const origins = new Map<string, Snippet>();
    for (const [index, snippet] of snippets.entries()) {
      const name = `snippet-${index}.ts`;
      origins.set(name, snippet);
      await writeFile(join(dir, name), `${snippet.code}\nexport {};\n`);
    }
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, noUnusedLocals: false },
        include: ['*.ts', '../src/snippet-context.d.ts'],
      }),
    );
    const tsc = join(here, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '--noEmit', '-p', dir], { cwd: dir }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    // Point each error at the README line it comes from.
    const errors = result
      .split('\n')
      .filter((line) => line.includes('error TS'))
      .map((line) => {
        const match = /^(snippet-\d+\.ts)\((\d+),\d+\): (.*)$/.exec(line);
        const origin = match && origins.get(match[1] as string);
        if (!match || !origin) return line;
        const file = origin.file.slice(repoRoot.length + 1);
        return `${file}:${origin.line + Number(match[2]) - 1}: ${match[3]}`;
      });
    expect(errors).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });
});
