import { isIpcError } from '@redis-ipc/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { eventually, pause, rejection, type TestContext, testContext } from './helpers.js';

let t: TestContext;
beforeEach(() => {
  t = testContext();
});
afterEach(async () => {
  await t.cleanUp();
});

describe('getOrSet', () => {
  it('returns a present value without calling the loader', async () => {
    const cache = createCache<number>(await t.client(), 'hit');
    await cache.set('k', 1);
    let calls = 0;
    expect(await cache.getOrSet('k', () => ++calls)).toBe(1);
    expect(calls).toBe(0);
  });

  it('loads, stores with the TTL, and returns a missing value', async () => {
    const ipc = await t.client();
    const cache = createCache<{ v: string }>(ipc, 'miss');
    expect(await cache.getOrSet('k', async (key) => ({ v: key }), { ttlMs: 5000 })).toEqual({ v: 'k' });
    const entry = await cache.getEntry('k');
    expect(entry?.value).toEqual({ v: 'k' });
    expect(entry!.expiresAt! - entry!.setAt!).toBe(5000);
    // The lock is gone once the value is in.
    expect(await ipc.redis.exists(`${t.prefix}:{miss}:c:l:k`)).toBe(0);
  });

  it('runs the loader once for many concurrent callers on several clients', async () => {
    const caches = await Promise.all(
      [1, 2, 3].map(async () => createCache<number>(await t.client(), 'flight', { lockMs: 2000 })),
    );
    let calls = 0;
    const loader = async () => {
      calls++;
      await pause(200);
      return 42;
    };
    const results = await Promise.all(
      caches.flatMap((cache) => [1, 2, 3, 4, 5].map(() => cache.getOrSet('k', loader))),
    );
    expect(results).toEqual(Array(15).fill(42));
    expect(calls).toBe(1);
  });

  it("passes a loader's error to its caller, releases the lock, and lets a waiter take over at once", async () => {
    const ipc = await t.client();
    const failing = createCache<number>(ipc, 'throws', { lockMs: 10_000 });
    const waiting = createCache<number>(await t.client(), 'throws', { lockMs: 10_000 });
    const boom = new Error('boom');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = failing.getOrSet('k', async () => {
      await gate;
      throw boom;
    });
    await eventually(async () => (await ipc.redis.exists(`${t.prefix}:{throws}:c:l:k`)) === 1);
    let secondCalls = 0;
    const second = waiting.getOrSet('k', () => {
      secondCalls++;
      return 7;
    });
    await eventually(() => waiting.waiting === 1);
    const released = performance.now();
    release();
    expect(await rejection(first)).toBe(boom);
    expect(await second).toBe(7);
    // Well before the 10 s lock would have expired.
    expect(performance.now() - released).toBeLessThan(2000);
    expect(secondCalls).toBe(1);
  });

  it('releases the lock when the loaded value cannot be encoded', async () => {
    const ipc = await t.client();
    const cache = createCache<unknown>(ipc, 'unencodable');
    const error = await rejection(cache.getOrSet('k', () => undefined));
    expect(isIpcError(error, 'IPC_INVALID_ARGUMENT')).toBe(true);
    expect(await ipc.redis.exists(`${t.prefix}:{unencodable}:c:l:k`)).toBe(0);
  });

  it('renews the lock while a slow loader runs, so nobody else loads', async () => {
    // Renewed every lockMs / 3: the lock survives a stall of up to 400 ms on a busy machine.
    const loading = createCache<string>(await t.client(), 'slow', { lockMs: 600 });
    const waiting = createCache<string>(await t.client(), 'slow', { lockMs: 600 });
    let started!: () => void;
    const hasStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const first = loading.getOrSet('k', async () => {
      started();
      await pause(1800);
      return 'slow';
    });
    await hasStarted;
    let otherCalls = 0;
    const second = waiting.getOrSet('k', () => {
      otherCalls++;
      return 'other';
    });
    expect(await first).toBe('slow');
    expect(await second).toBe('slow');
    expect(otherCalls).toBe(0);
  });

  it('times out, or aborts, while another holder keeps the lock', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'held');
    await ipc.redis.set(`${t.prefix}:{held}:c:l:k`, 'someone-else', {
      expiration: { type: 'PX', value: 30_000 },
    });
    const started = performance.now();
    const timedOut = await rejection(cache.getOrSet('k', () => 1, { timeoutMs: 300 }));
    expect(isIpcError(timedOut, 'IPC_TIMEOUT')).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
    const controller = new AbortController();
    const pending = cache.getOrSet('k', () => 1, { signal: controller.signal });
    await eventually(() => cache.waiting === 1);
    controller.abort();
    expect(isIpcError(await rejection(pending), 'IPC_ABORTED')).toBe(true);
  });

  it('loads, rather than time out, when its deadline passes while it looks (nobody else loads)', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'short', { lockMs: 10_000 });
    for (let i = 0; i < 5; i++) {
      expect(await cache.getOrSet(`k${i}`, () => i, { timeoutMs: 0 })).toBe(i);
      expect(await ipc.redis.exists(`${t.prefix}:{short}:c:l:k${i}`)).toBe(0);
    }
  });

  it('leaves no lock behind when it is aborted at any moment of its look', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'aborted', { lockMs: 10_000 });
    for (let i = 0; i < 20; i++) {
      const controller = new AbortController();
      const pending = cache.getOrSet(`k${i}`, () => i, { signal: controller.signal }).catch(() => undefined);
      // Aborts after 0 to 19 turns of the event loop: before, during and after the look.
      for (let turn = 0; turn < i; turn++) await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      await pending;
      // Taken and not loaded, the lock would stay for lockMs (10 s); given back, it is gone at once.
      await eventually(async () => (await ipc.redis.exists(`${t.prefix}:{aborted}:c:l:k${i}`)) === 0, 2000);
    }
  });

  it('takes over a lock whose holder vanished, once it expires', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'orphan');
    await ipc.redis.set(`${t.prefix}:{orphan}:c:l:k`, 'dead-process', {
      expiration: { type: 'PX', value: 400 },
    });
    const started = performance.now();
    expect(await cache.getOrSet('k', () => 9)).toBe(9);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(2500);
  });
});
