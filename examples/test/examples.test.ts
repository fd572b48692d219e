import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deleteKeys, redisUrl, uniquePrefix } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Each example ends in a second or two; the bound only keeps a hung one from holding the run.
async function runExample(file: string, env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', resolve(root, file)], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 20_000,
  });
}

// The examples the README points to run here, so they cannot rot.
describe('examples', () => {
  it.each([
    ['quick-start/queue.ts', /^sent ada@example.com, alan@example.com$/m],
    [
      'quick-start/cache.ts',
      /^waited for \{"month":"2026-11","total":42\}\ngetOrSet ran its loader 1 time\(s\): 1 1$/m,
    ],
    ['quick-start/stream.ts', /^read orders 1, 2; resume from cursor$/m],
    ['quick-start/ipc.ts', /^took \{"n":1\}, cached Ada, published an event$/m],
  ])('%s runs and prints what it should', async (file, expected) => {
    const prefix = uniquePrefix('example');
    try {
      const { stdout } = await runExample(file, { REDIS_URL: redisUrl(), IPC_PREFIX: prefix });
      expect(stdout).toMatch(expected);
    } finally {
      await deleteKeys(redisUrl(), `${prefix}:`);
    }
  });
});
