import { fileURLToPath } from 'node:url';
import { type NodeChild, spawnNode } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { cacheContext } from './connect.js';

// Children import @redis-ipc/cache by name, i.e. the built dist/: run `pnpm tsup` first.
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));

const t = cacheContext({ label: 'proc' });
let children: NodeChild[];
beforeEach(() => {
  children = [];
});
afterEach(async () => {
  await Promise.all(children.map((child) => child.kill('SIGKILL')));
});

function spawn(name: string, args: Array<string | number>): NodeChild {
  const child = spawnNode(fixture(name), { args: args.map(String) });
  children.push(child);
  return child;
}

describe('across processes', () => {
  it('wakes a waiter here with a write from another process', async () => {
    // The re-check for foreign writes is off: only the child's announcement can wake this waiter.
    const cache = createCache<{ from: string }>(await t.client(), 'xproc', {
      foreignWritePollMs: Number.POSITIVE_INFINITY,
    });
    const waiting = cache.waitFor('k', { timeoutMs: 20_000 });
    const writer = spawn('writer', [t.url, t.prefix, 'xproc', 'k', '{"from":"child"}', 300]);
    await writer.waitForLine(/^written$/, 20_000);
    const written = performance.now();
    expect(await waiting).toEqual({ from: 'child' });
    expect(performance.now() - written).toBeLessThan(2000);
    expect((await writer.exited).code).toBe(0);
  });

  it('wakes a waiter in another process with a write from here', async () => {
    const cache = createCache<number[]>(await t.client(), 'xproc2');
    const waiter = spawn('waiter', [t.url, t.prefix, 'xproc2', 'k', 20_000]);
    await waiter.waitForLine(/^waiting$/, 20_000);
    await cache.set('k', [1, 2, 3]);
    expect(await waiter.waitForLine(/^(value|error) /, 10_000)).toBe('value [1,2,3]');
  });

  it('runs the loader once when ten processes race on one key', async () => {
    const ipc = await t.client();
    const counter = `${t.prefix}:loads`;
    const racers = Array.from({ length: 10 }, () =>
      spawn('racer', [t.url, t.prefix, 'race', 'k', counter, 300, 2000]),
    );
    await Promise.all(racers.map((racer) => racer.waitForLine(/^ready$/, 30_000)));
    await createCache<boolean>(ipc, 'race-gate').set('go', true);
    const lines = await Promise.all(racers.map((racer) => racer.waitForLine(/^value /, 30_000)));
    expect(Number(await ipc.redis.get(counter))).toBe(1);
    expect(new Set(lines).size).toBe(1);
    const loadedBy = (JSON.parse(lines[0]!.slice('value '.length)) as { loadedBy: number }).loadedBy;
    expect(racers.map((racer) => racer.process.pid)).toContain(loadedBy);
    expect(await createCache<{ loadedBy: number }>(ipc, 'race').get('k')).toEqual({ loadedBy });
  }, 60_000);

  it('takes over from a loader whose process was killed, once its lock expires', async () => {
    // The lock's lifetime is the subject here; 2 s leaves a busy machine room for the renewals.
    const lockMs = 2000;
    const ipc = await t.client();
    const cache = createCache<string>(ipc, 'crash', { lockMs });
    const stuck = spawn('stuck-loader', [t.url, t.prefix, 'crash', 'k', lockMs]);
    await stuck.waitForLine(/^loading$/, 20_000);
    let calls = 0;
    const waiting = cache.getOrSet('k', () => {
      calls++;
      return 'recovered';
    });
    await t.until(() => cache.waiting === 1);
    // The live loader keeps renewing its lock: nothing happens while it runs.
    await t.pause(lockMs * 1.5);
    expect(calls).toBe(0);
    await stuck.kill('SIGKILL');
    const killed = performance.now();
    const lockLeft = await ipc.redis.pTTL(`${t.prefix}:{crash}:c:l:k`);
    expect(await waiting).toBe('recovered');
    const tookOver = performance.now() - killed;
    expect(calls).toBe(1);
    // Taken over once the dead loader's lock lapsed, not before, and without delay after it.
    expect(lockLeft).toBeGreaterThan(0);
    expect(tookOver).toBeGreaterThanOrEqual(lockLeft - 5); // 5 ms: Redis counts in whole milliseconds
    expect(tookOver).toBeLessThan(lockMs + 2000);
    expect(await cache.get('k')).toBe('recovered');
  }, 30_000);
});
