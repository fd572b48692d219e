import { isIpcError } from '@redis-ipc/core';
import { rejection } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { createCache } from '../../src/index.js';
import type { CacheTestContext } from '../connect.js';
import type { StoreMode } from './mode.js';

// Locks of 10 s unless the lock's lifetime is what a test is about: a busy machine never lets one
// lapse by accident.
const LOCK_MS = 10_000;

/** getOrSet: single flight across clients, loader failures, waiting limits, dead holders. */
export function singleFlight(t: CacheTestContext, mode: StoreMode): void {
  describe('getOrSet', () => {
    it('returns a present value without calling the loader', async () => {
      const cache = createCache<number>(t.ipc, mode.name('hit'));
      await cache.set('k', 1);
      let calls = 0;
      expect(await cache.getOrSet('k', () => ++calls)).toBe(1);
      expect(calls).toBe(0);
    });

    it('loads, stores with the TTL, and returns a missing value', async () => {
      const name = mode.name('miss');
      const cache = createCache<{ v: string }>(t.ipc, name);
      expect(await cache.getOrSet('k', async (key) => ({ v: key }), { ttlMs: 5000 })).toEqual({ v: 'k' });
      const entry = await cache.getEntry('k');
      expect(entry?.value).toEqual({ v: 'k' });
      expect(entry!.expiresAt! - entry!.setAt!).toBe(5000);
      // The lock is gone once the value is in.
      expect(await t.plain.exists(mode.lockKey(name, 'k'))).toBe(0);
    });

    it('runs the loader once for many concurrent callers on several clients', async () => {
      const name = mode.name('flight');
      const caches = await Promise.all(
        [1, 2, 3].map(async () =>
          createCache<number>(await t.client({ raw: mode.raw }), name, { lockMs: LOCK_MS }),
        ),
      );
      let calls = 0;
      const loader = async () => {
        calls++;
        await t.pause(200);
        return 42;
      };
      const results = await Promise.all(
        caches.flatMap((cache) => [1, 2, 3, 4, 5].map(() => cache.getOrSet('k', loader))),
      );
      expect(results).toEqual(Array(15).fill(42));
      expect(calls).toBe(1);
    });

    it("passes a loader's error to its caller, releases the lock, and lets a waiter take over at once", async () => {
      const name = mode.name('throws');
      const failing = createCache<number>(t.ipc, name, { lockMs: LOCK_MS });
      const waiting = createCache<number>(await t.client({ raw: mode.raw }), name, { lockMs: LOCK_MS });
      const boom = new Error('boom');
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = failing.getOrSet('k', async () => {
        await gate;
        throw boom;
      });
      const lock = mode.lockKey(name, 'k');
      await t.until(async () => (await t.plain.exists(lock)) === 1);
      let secondCalls = 0;
      const second = waiting.getOrSet('k', () => {
        secondCalls++;
        return 7;
      });
      await t.until(() => waiting.waiting === 1);
      const released = performance.now();
      release();
      expect(await rejection(first)).toBe(boom);
      expect(await second).toBe(7);
      // Well before the lock would have expired.
      expect(performance.now() - released).toBeLessThan(LOCK_MS / 2);
      expect(secondCalls).toBe(1);
    });

    it('releases the lock when the loaded value cannot be encoded', async () => {
      const name = mode.name('unencodable');
      const cache = createCache<unknown>(t.ipc, name);
      const error = await rejection(cache.getOrSet('k', () => undefined));
      expect(isIpcError(error, 'IPC_INVALID_ARGUMENT')).toBe(true);
      expect(await t.plain.exists(mode.lockKey(name, 'k'))).toBe(0);
    });

    it('renews the lock while a slow loader runs, so nobody else loads', async () => {
      // The loader outlasts its 2 s lock; renewed every lockMs / 3, the lock survives a stall of
      // over a second on a busy machine.
      const name = mode.name('slow');
      const loading = createCache<string>(t.ipc, name, { lockMs: 2000 });
      const waiting = createCache<string>(await t.client({ raw: mode.raw }), name, { lockMs: 2000 });
      let started!: () => void;
      const hasStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      const first = loading.getOrSet('k', async () => {
        started();
        await t.pause(3000);
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
      const name = mode.name('held');
      const cache = createCache<number>(t.ipc, name);
      await t.plain.set(mode.lockKey(name, 'k'), 'someone-else', {
        expiration: { type: 'PX', value: 30_000 },
      });
      const started = performance.now();
      const timedOut = await rejection(cache.getOrSet('k', () => 1, { timeoutMs: 300 }));
      expect(isIpcError(timedOut, 'IPC_TIMEOUT')).toBe(true);
      expect(performance.now() - started).toBeLessThan(2000);
      const controller = new AbortController();
      const pending = cache.getOrSet('k', () => 1, { signal: controller.signal });
      await t.until(() => cache.waiting === 1);
      controller.abort();
      expect(isIpcError(await rejection(pending), 'IPC_ABORTED')).toBe(true);
    });

    it('loads, rather than time out, when its deadline passes while it looks (nobody else loads)', async () => {
      const name = mode.name('short');
      const cache = createCache<number>(t.ipc, name, { lockMs: LOCK_MS });
      for (let i = 0; i < 5; i++) {
        expect(await cache.getOrSet(`k${i}`, () => i, { timeoutMs: 0 })).toBe(i);
        expect(await t.plain.exists(mode.lockKey(name, `k${i}`))).toBe(0);
      }
    });

    it('leaves no lock behind when it is aborted at any moment of its look', async () => {
      const name = mode.name('aborted');
      const cache = createCache<number>(t.ipc, name, { lockMs: LOCK_MS });
      for (let i = 0; i < 20; i++) {
        const controller = new AbortController();
        const pending = cache
          .getOrSet(`k${i}`, () => i, { signal: controller.signal })
          .catch(() => undefined);
        // Aborts after 0 to 19 turns of the event loop: before, during and after the look.
        for (let turn = 0; turn < i; turn++) await new Promise((resolve) => setImmediate(resolve));
        controller.abort();
        await pending;
        // Taken and not loaded, the lock would stay for lockMs; given back, it is gone at once.
        const lock = mode.lockKey(name, `k${i}`);
        await t.until(async () => (await t.plain.exists(lock)) === 0, 2000);
      }
    });

    it('takes over a lock whose holder vanished, once it expires', async () => {
      // The lock's expiry is the subject here.
      const name = mode.name('orphan');
      const cache = createCache<number>(t.ipc, name);
      await t.plain.set(mode.lockKey(name, 'k'), 'dead-process', { expiration: { type: 'PX', value: 400 } });
      const started = performance.now();
      expect(await cache.getOrSet('k', () => 9)).toBe(9);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(300);
      expect(elapsed).toBeLessThan(2500);
    });
  });
}
