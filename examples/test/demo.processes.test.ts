import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deleteKeys, redisUrl, spawnNode, until } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { DEMO_LIMIT_MS } from '../demo/protocol.js';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// The demo bounds itself (DEMO_LIMIT_MS) and reports why it failed; the test waits longer than that,
// so that a slow run ends with the demo's own message rather than a kill from outside.
describe('the demo', () => {
  it('runs every task despite a killed worker, and exits 0', {
    timeout: DEMO_LIMIT_MS + 20_000,
  }, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', resolve(root, 'demo/main.ts')], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl() },
      timeout: DEMO_LIMIT_MS + 10_000,
    });
    expect(stdout).toMatch(/killed worker w2 with SIGKILL/);
    expect(stdout).toMatch(/tasks done {8}2000 of 2000 \(none lost\)/);
    expect(stdout).toMatch(/dead letters {6}0/);
    expect(stdout).toMatch(
      /^recovery {10}the \d+ tasks w2 was running when it died ran again \d+\.\d s after the kill/m,
    );
    expect(stdout).toMatch(/^work rate {9}\d+ tasks\/s/m);
    expect(stdout).toMatch(/^demo OK$/m);
  });

  it('leaves no process behind when it is killed itself', async () => {
    const demo = spawnNode(resolve(root, 'demo/main.ts'), { cwd: root, env: { REDIS_URL: redisUrl() } });
    const prefix = /keys under (\S+):$/.exec(await demo.waitForLine(/^redis-ipc demo:/))?.[1];
    const children = () => {
      try {
        return execFileSync('pgrep', ['-P', String(demo.process.pid)], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
          .map(Number);
      } catch {
        return []; // pgrep exits 1 when there are none
      }
    };
    let started: number[] = [];
    try {
      // Killed while its children start: each must notice, once loaded, that it has nobody to work for.
      await until(() => children().length >= 4, 10_000, 'the monitor and three workers');
      started = children();
      demo.process.kill('SIGKILL');
      await demo.exited;
      // Generous: on a busy machine, loading a child through tsx alone takes seconds.
      await until(() => started.every((pid) => !isAlive(pid)), 15_000, "the demo's processes gone");
    } finally {
      for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      if (prefix) await deleteKeys(redisUrl(), `${prefix}:`);
    }
  });
});

// A child of a killed process may stay a zombie where nothing reaps orphans: that counts as gone.
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
