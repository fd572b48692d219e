import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../src/assertions.js';
import { spawnNode } from '../src/child-process.js';
import { EXIT_LIFETIME_EXCEEDED } from '../src/fixture.js';
import { sweepStaleServerFolders } from '../src/server-folders.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface Started {
  ownerPid?: number;
  serverPid: number;
  port: number;
  folder: string;
  fixturePid: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The owners' server folders go to a folder of this file's own, which no other run's sweep looks at.
let ownFolders = '';
beforeAll(async () => {
  ownFolders = await mkdtemp(join(tmpdir(), 'redis-ipc-lifetimes-'));
});
afterAll(async () => {
  await rm(ownFolders, { recursive: true, force: true });
});

// Whatever a failed run leaves behind is ended here, so that a failure does not leak processes.
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

async function startOwner(): Promise<{ owner: ReturnType<typeof spawnNode>; what: Started }> {
  const owner = spawnNode(fixture('owner.ts'), {
    env: { HARNESS_SRC: process.env.HARNESS_SRC ?? '', TMPDIR: ownFolders },
  });
  started.push(owner.process.pid ?? 0);
  const what = JSON.parse(await owner.waitForLine(/^\{/, 15_000)) as Started;
  started.push(what.serverPid, what.fixturePid);
  expect(isAlive(what.serverPid) && isAlive(what.fixturePid)).toBe(true);
  return { owner, what };
}

describe('what a test process starts does not outlive it', () => {
  it('on SIGTERM (as vitest stops a worker), its redis-servers and fixtures are killed and their folders removed', async () => {
    const { owner, what } = await startOwner();
    owner.process.kill('SIGTERM');
    expect((await owner.exited).signal).toBe('SIGTERM');
    await until(() => !isAlive(what.serverPid) && !isAlive(what.fixturePid), 3000, 'children gone');
    expect(existsSync(what.folder)).toBe(false);
  });

  it('on SIGKILL, its fixtures exit by themselves, and the next sweep ends its redis-server and folder', async () => {
    const { owner, what } = await startOwner();
    owner.process.kill('SIGKILL');
    await owner.exited;
    // The fixture notices its IPC channel closing.
    await until(() => !isAlive(what.fixturePid), 3000, 'fixture gone');
    // Nothing can run in a process killed with SIGKILL: its server is still there until a sweep.
    expect(isAlive(what.serverPid)).toBe(true);
    const removed = await sweepStaleServerFolders(ownFolders);
    expect(removed).toContain(what.folder);
    await until(() => !isAlive(what.serverPid), 3000, 'orphaned redis-server gone');
    expect(existsSync(what.folder)).toBe(false);
  });

  it('when the parent of a forked worker dies, the worker ends its redis-servers and fixtures, and exits', async () => {
    const parent = spawnNode(fixture('parent.ts'), { env: { TMPDIR: ownFolders } });
    started.push(parent.process.pid ?? 0);
    const what = JSON.parse(await parent.waitForLine(/^\{/, 15_000)) as Required<Started>;
    started.push(what.ownerPid, what.serverPid, what.fixturePid);
    parent.process.kill('SIGKILL');
    await parent.exited;
    const pids = [what.ownerPid, what.serverPid, what.fixturePid];
    await until(() => pids.every((pid) => !isAlive(pid)), 5000, 'worker and its children gone');
    expect(existsSync(what.folder)).toBe(false);
  });

  it('a fixture exits with code 124 once its lifetime bound has passed', async () => {
    const sleeper = spawnNode(fixture('sleeper.ts'), { lifetimeMs: 1000 });
    started.push(sleeper.process.pid ?? 0);
    await sleeper.waitForLine(/^ready/);
    const started_ = performance.now();
    const { code } = await sleeper.exited;
    expect(code).toBe(EXIT_LIFETIME_EXCEEDED);
    expect(performance.now() - started_).toBeLessThan(5000);
    expect(sleeper.stderr()).toMatch(/still running after 1000 ms/);
  });
});
