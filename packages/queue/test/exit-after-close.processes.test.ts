import { fileURLToPath } from 'node:url';
import type { IpcClient } from '@redis-ipc/core';
import { deleteKeys, type NodeChild, redisUrl, spawnNode, uniquePrefix } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue } from '../src/index.js';
import { open } from './support/connect.js';

// Child processes import the package by name (its build): run `pnpm tsup` first.
const fixture = fileURLToPath(new URL('./fixtures/drain-and-exit.ts', import.meta.url));
const TASKS = 10_000;

// The lean half of the soak (`tools/bench/src/memory/soak.ts` runs a million tasks and reads memory):
// a consumer process that has closed its reader and client must leave nothing on the event loop.
describe('a consumer process after close()', () => {
  let prefix: string;
  let ipc: IpcClient;
  let child: NodeChild | undefined;

  beforeEach(async () => {
    prefix = uniquePrefix('exit');
    ipc = await open(redisUrl(), { prefix });
  });

  afterEach(async () => {
    await child?.kill('SIGKILL');
    child = undefined;
    await ipc.close();
    await deleteKeys(redisUrl(), prefix);
  });

  it(`exits by itself after handling ${TASKS} tasks: no timer, socket or listener left`, {
    timeout: 60_000,
  }, async () => {
    child = spawnNode(fixture, {
      args: [redisUrl(), prefix, 'jobs', String(TASKS), '64'],
      lifetimeMs: 50_000,
    });
    await child.waitForLine(/^ready$/, 20_000);
    const queue = createWriteQueue<{ n: number }>(ipc, 'jobs');
    for (let start = 0; start < TASKS; start += 1000) {
      await queue.pushMany(Array.from({ length: 1000 }, (_, i) => ({ n: start + i })));
    }
    const closed = await child.waitForLine(/^closed /, 40_000);
    expect(JSON.parse(closed.slice('closed '.length))).toEqual({ handled: TASKS, left: [] });
    // Nothing keeps it alive, so it ends on its own, well before its lifetime bound (exit code 124).
    const exit = await Promise.race([
      child.exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 5000).unref()),
    ]);
    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });
    expect(await createReadQueue(ipc, 'jobs').counts()).toEqual({
      waiting: 0,
      delayed: 0,
      inFlight: 0,
      dead: 0,
    });
  });
});
