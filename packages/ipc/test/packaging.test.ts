import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const redisDir = resolve(packagesDir, 'core/node_modules/redis');

// Installs the packed tarballs (what npm would publish) into scratch projects, the way a user would:
// the meta-package brings everything, a single structure brings only itself and core.
describe('published packages', () => {
  let work: string;
  const tarballs: Record<string, string> = {};

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'redis-ipc-pack-'));
    for (const name of ['core', 'queue', 'cache', 'stream', 'ipc']) {
      await run('pnpm', ['pack', '--pack-destination', work], { cwd: join(packagesDir, name) });
    }
    for (const file of await readdir(work)) {
      const match = /^redis-ipc-(\w+)-[\d.]+\.tgz$/.exec(file);
      if (match?.[1]) tarballs[match[1]] = join(work, file);
    }
  }, 120_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function scratchProject(name: string, packages: string[]): Promise<string> {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
    await run(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--legacy-peer-deps',
        ...packages.map((p) => tarballs[p]!),
      ],
      { cwd: dir },
    );
    // The peer dependency comes from this repository's install, so no network is needed.
    await symlink(redisDir, join(dir, 'node_modules/redis'), 'dir');
    return dir;
  }

  async function resolves(dir: string, specifier: string): Promise<boolean> {
    const script = `import(${JSON.stringify(specifier)}).then(() => console.log('yes'), () => console.log('no'))`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    return stdout.trim() === 'yes';
  }

  it('packs every package', () => {
    expect(Object.keys(tarballs).sort()).toEqual(['cache', 'core', 'ipc', 'queue', 'stream']);
  });

  it('npm i @redis-ipc/ipc redis gives every structure and createIpc', { timeout: 120_000 }, async () => {
    const dir = await scratchProject('all', ['core', 'queue', 'cache', 'stream', 'ipc']);
    const script = [
      "const ipc = await import('@redis-ipc/ipc');",
      "const names = ['createIpc', 'createClient', 'createWriteQueue', 'createReadQueue', 'createCache', 'createWriteStream', 'createReadStream'];",
      "console.log(names.every((name) => typeof ipc[name] === 'function') ? 'all-exports' : 'missing');",
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    expect(stdout.trim()).toBe('all-exports');
  });

  it('npm i @redis-ipc/queue redis gives the queue and core only', { timeout: 120_000 }, async () => {
    const dir = await scratchProject('queue-only', ['core', 'queue']);
    expect(await resolves(dir, '@redis-ipc/queue')).toBe(true);
    expect(await resolves(dir, '@redis-ipc/core')).toBe(true);
    expect(await resolves(dir, '@redis-ipc/cache')).toBe(false);
    expect(await resolves(dir, '@redis-ipc/stream')).toBe(false);
    expect(await resolves(dir, '@redis-ipc/ipc')).toBe(false);
  });
});
