import { getEventListeners } from 'node:events';
import { isIpcError } from '@redis-ipc/core';
import { rejection } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { createCache } from '../../src/index.js';
import type { CacheTestContext } from '../connect.js';
import type { StoreMode } from './mode.js';

/** waitFor: woken by writes from other clients, timeouts, aborts, closing. */
export function waitingForKeys(t: CacheTestContext, mode: StoreMode): void {
  describe('waitFor', () => {
    it('resolves at once when the key already has a value', async () => {
      const cache = createCache<number>(t.ipc, mode.name('present'));
      await cache.set('k', 7);
      expect(await cache.waitFor('k', { timeoutMs: 1000 })).toBe(7);
      expect(cache.waiting).toBe(0);
    });

    it('is woken by a write from another client', async () => {
      const name = mode.name('wake');
      // With the foreign-write re-check off, only the writer's announcement can wake the reader.
      const reader = createCache<{ n: number }>(t.ipc, name, {
        foreignWritePollMs: Number.POSITIVE_INFINITY,
      });
      const writer = createCache<{ n: number }>(await t.client({ raw: mode.raw }), name);
      const waiting = reader.waitFor('k', { timeoutMs: 10_000 });
      await t.until(() => reader.waiting === 1);
      await t.pause(50);
      await writer.set('k', { n: 1 });
      expect(await waiting).toEqual({ n: 1 });
    });

    it('resolves waiters that start before, during and after the write', async () => {
      const name = mode.name('race');
      const reader = createCache<number>(t.ipc, name);
      const writer = createCache<number>(await t.client({ raw: mode.raw }), name);
      for (let round = 0; round < 30; round++) {
        const key = `k${round}`;
        const before = reader.waitFor(key, { timeoutMs: 10_000 });
        await t.pause(1);
        // The write and a new wait race each other; a third wait starts once the write is done.
        const [during] = await Promise.all([
          reader.waitFor(key, { timeoutMs: 10_000 }),
          t.pause(round % 3).then(() => writer.set(key, round)),
        ]);
        const after = await reader.waitFor(key, { timeoutMs: 10_000 });
        expect([await before, during, after]).toEqual([round, round, round]);
      }
    });

    it('is woken by mset and by getOrSet', async () => {
      const name = mode.name('other-writes');
      const reader = createCache<number>(t.ipc, name);
      const writer = createCache<number>(await t.client({ raw: mode.raw }), name);
      const a = reader.waitFor('a', { timeoutMs: 10_000 });
      const b = reader.waitFor('b', { timeoutMs: 10_000 });
      await t.until(() => reader.waiting === 2);
      await t.pause(50);
      await writer.mset([
        ['a', 1],
        ['n', 3],
      ]);
      await writer.getOrSet('b', () => 2);
      expect([await a, await b]).toEqual([1, 2]);
    });

    it('rejects with TimeoutError when the time passes', async () => {
      const cache = createCache<number>(t.ipc, mode.name('timeout'));
      const started = performance.now();
      const error = await rejection(cache.waitFor('none', { timeoutMs: 200 }));
      const elapsed = performance.now() - started;
      expect(isIpcError(error, 'IPC_TIMEOUT')).toBe(true);
      expect((error as unknown as { timeoutMs: number }).timeoutMs).toBe(200);
      expect(elapsed).toBeGreaterThanOrEqual(195);
      expect(elapsed).toBeLessThan(2000);
      expect(isIpcError(await rejection(cache.waitFor('none', { timeoutMs: 0 })), 'IPC_TIMEOUT')).toBe(true);
    });

    it('uses the cache default timeout', async () => {
      const cache = createCache<number>(t.ipc, mode.name('timeout-default'), { waitTimeoutMs: 100 });
      expect(isIpcError(await rejection(cache.waitFor('none')), 'IPC_TIMEOUT')).toBe(true);
    });

    it('rejects promptly on abort, and at once for an aborted signal', async () => {
      const cache = createCache<number>(t.ipc, mode.name('abort'));
      const controller = new AbortController();
      const waiting = cache.waitFor('none', { signal: controller.signal });
      await t.until(() => cache.waiting === 1);
      const aborted = performance.now();
      controller.abort(new Error('stop'));
      const error = await rejection(waiting);
      expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
      expect((error as Error).cause).toEqual(new Error('stop'));
      expect(performance.now() - aborted).toBeLessThan(1000);
      expect(
        isIpcError(await rejection(cache.waitFor('none', { signal: controller.signal })), 'IPC_ABORTED'),
      ).toBe(true);
      await t.until(() => cache.waiting === 0);
    });

    it('leaves no listener on a long-lived signal once its waits and loads settle', async () => {
      const name = mode.name('listeners');
      const cache = createCache<number>(t.ipc, name);
      const writer = createCache<number>(await t.client({ raw: mode.raw }), name);
      const shutdown = new AbortController();
      const { signal } = shutdown;
      await cache.set('present', 1);
      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < 100; i++) {
        calls.push(cache.waitFor('present', { signal }));
        calls.push(cache.waitFor(`later${i}`, { signal, timeoutMs: 10_000 }));
        calls.push(cache.waitFor(`never${i}`, { signal, timeoutMs: 50 }).catch(() => undefined));
        calls.push(cache.getOrSet(`load${i}`, () => i, { signal }));
      }
      await t.until(() => cache.waiting >= 100);
      await writer.mset(Array.from({ length: 100 }, (_, i): [string, number] => [`later${i}`, i]));
      await Promise.all(calls);
      // Tidying up after a resolved wait runs a turn later (off the path between write and waiter).
      await new Promise((resolve) => setImmediate(resolve));
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      expect(cache.waiting).toBe(0);
    });

    it("holds one listener on its client's close signal, however many caches wait", async () => {
      const ipc = await t.client({ raw: mode.raw });
      const before = getEventListeners(ipc.closeSignal, 'abort').length;
      const caches = Array.from({ length: 20 }, (_, i) => createCache<number>(ipc, mode.name(`many${i}`)));
      const waits = caches.map((cache) => rejection(cache.waitFor('k')));
      await t.until(() => caches.every((cache) => cache.waiting === 1));
      // Eleven listeners on one signal would already print MaxListenersExceededWarning.
      expect(getEventListeners(ipc.closeSignal, 'abort').length - before).toBeLessThanOrEqual(1);
      await ipc.close();
      for (const wait of waits) expect(isIpcError(await wait, 'IPC_CLOSED')).toBe(true);
    });

    it('rejects waiters with ClosedError when the cache or its client closes', async () => {
      const ipc = await t.client({ raw: mode.raw });
      const name = mode.name('close');
      const one = createCache<number>(ipc, name);
      const two = createCache<number>(ipc, name);
      // Settled while close() runs: caught at once, not after close() has resolved.
      const first = rejection(one.waitFor('k'));
      const second = rejection(two.waitFor('k'));
      await t.until(() => one.waiting === 1 && two.waiting === 1);
      one.close();
      expect(isIpcError(await first, 'IPC_CLOSED')).toBe(true);
      await ipc.close();
      expect(isIpcError(await second, 'IPC_CLOSED')).toBe(true);
    });

    it('keeps waiting through delete and clear, and is woken by the next write', async () => {
      const name = mode.name('kept');
      const cache = createCache<number>(t.ipc, name, { foreignWritePollMs: Number.POSITIVE_INFINITY });
      const waiting = cache.waitFor('k', { timeoutMs: 10_000 });
      await t.until(() => cache.waiting === 1);
      await t.pause(50);
      expect(await cache.delete('k')).toBe(false);
      expect(await cache.clear()).toBe(0);
      const writer = createCache<number>(await t.client({ raw: mode.raw }), name);
      await writer.set('k', 5);
      expect(await waiting).toBe(5);
    });
  });
}
