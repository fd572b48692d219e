import { isIpcError } from '@redis-ipc/core';
import { rejection } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { createCache } from '../../src/index.js';
import type { CacheTestContext } from '../connect.js';
import type { StoreMode } from './mode.js';

/** get, set, delete, has, getEntry, mget, mset, expiry and clear. */
export function readsAndWrites(t: CacheTestContext, mode: StoreMode): void {
  describe('reads and writes', () => {
    it('stores, reads, checks and deletes values', async () => {
      const cache = createCache<{ id: number }>(t.ipc, mode.name('basic'));
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.has('a')).toBe(false);
      await cache.set('a', { id: 1 });
      expect(await cache.get('a')).toEqual({ id: 1 });
      expect(await cache.has('a')).toBe(true);
      await cache.set('a', { id: 2 });
      expect(await cache.get('a')).toEqual({ id: 2 });
      expect(await cache.delete('a')).toBe(true);
      expect(await cache.delete('a')).toBe(false);
      expect(await cache.get('a')).toBeUndefined();
    });

    it('keeps a timestamp with each entry', async () => {
      const cache = createCache<string>(t.ipc, mode.name('entry'));
      const before = Date.now();
      await cache.set('k', 'v', { ttlMs: 5000 });
      const entry = await cache.getEntry('k');
      expect(entry?.value).toBe('v');
      expect(entry!.setAt).toBeGreaterThanOrEqual(before);
      expect(entry!.setAt).toBeLessThanOrEqual(Date.now());
      expect(entry!.expiresAt).toBe(entry!.setAt! + 5000);
      await cache.set('forever', 'v');
      expect((await cache.getEntry('forever'))?.expiresAt).toBeUndefined();
      expect(await cache.getEntry('missing')).toBeUndefined();
    });

    it('reads and writes several keys at once', async () => {
      const cache = createCache<number>(t.ipc, mode.name('many'));
      expect(await cache.mget([])).toEqual([]);
      await cache.mset([
        ['a', 1],
        ['b', 2],
      ]);
      await cache.mset(new Map([['c', 3]]), { ttlMs: 5000 });
      expect(await cache.mget(['a', 'x', 'b', 'c'])).toEqual([1, undefined, 2, 3]);
      expect((await cache.getEntry('c'))?.expiresAt).toBeDefined();
      await cache.mset([]);
    });

    it('writes nothing from mset when one value cannot be encoded', async () => {
      const cache = createCache<unknown>(t.ipc, mode.name('mset-bad'));
      const error = await rejection(
        cache.mset([
          ['a', 1],
          ['b', undefined],
        ]),
      );
      expect(isIpcError(error, 'IPC_INVALID_ARGUMENT')).toBe(true);
      expect(await cache.get('a')).toBeUndefined();
    });

    it('refuses keys that are too long or ill-formed', async () => {
      const cache = createCache<string>(t.ipc, mode.name('bad-keys'));
      for (const bad of ['é'.repeat(4097), 'lone \ud800 surrogate', 42 as unknown as string]) {
        expect(isIpcError(await rejection(cache.set(bad, 'v')), 'IPC_INVALID_ARGUMENT')).toBe(true);
        expect(isIpcError(await rejection(cache.get(bad)), 'IPC_INVALID_ARGUMENT')).toBe(true);
        expect(isIpcError(await rejection(cache.waitFor(bad)), 'IPC_INVALID_ARGUMENT')).toBe(true);
      }
    });
  });

  describe('expiry', () => {
    it('expires entries at millisecond precision', async () => {
      const cache = createCache<number>(t.ipc, mode.name('ttl'), { ttlMs: 400 });
      await cache.set('k', 1);
      await cache.set('kept', 2, { ttlMs: Number.POSITIVE_INFINITY });
      const entry = await cache.getEntry('k');
      expect(entry!.expiresAt! - entry!.setAt!).toBe(400);
      // Expiry is the subject here: the entry is gone soon after its 400 ms, not a whole second later.
      const started = performance.now();
      await t.until(async () => (await cache.get('k')) === undefined, 5000, 'expiry', 10);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(await cache.has('k')).toBe(false);
      expect(await cache.getEntry('k')).toBeUndefined();
      expect(await cache.mget(['k', 'kept'])).toEqual([undefined, 2]);
    });

    it('rounds a fractional TTL up to the next millisecond', async () => {
      const cache = createCache<string>(t.ipc, mode.name('ttl-frac'));
      await cache.set('k', 'v', { ttlMs: 2500.2 });
      const entry = await cache.getEntry('k');
      expect(entry!.expiresAt! - entry!.setAt!).toBe(2501);
    });

    it('applies the cache default, which a call may override or turn off', async () => {
      const cache = createCache<string>(t.ipc, mode.name('ttl-default'), { ttlMs: 60_000 });
      await cache.set('default', 'v');
      await cache.set('short', 'v', { ttlMs: 2000 });
      await cache.set('none', 'v', { ttlMs: Number.POSITIVE_INFINITY });
      await cache.mset([['many', 'v']]);
      const lifetime = async (key: string) => {
        const entry = await cache.getEntry(key);
        return entry?.expiresAt === undefined ? undefined : entry.expiresAt - entry.setAt!;
      };
      expect(await lifetime('default')).toBe(60_000);
      expect(await lifetime('many')).toBe(60_000);
      expect(await lifetime('short')).toBe(2000);
      expect(await lifetime('none')).toBeUndefined();
    });

    it('refuses TTLs that are not positive', async () => {
      const cache = createCache<string>(t.ipc, mode.name('ttl-bad'));
      for (const ttlMs of [0, -1, Number.NaN]) {
        expect(isIpcError(await rejection(cache.set('k', 'v', { ttlMs })), 'IPC_INVALID_ARGUMENT')).toBe(
          true,
        );
      }
    });
  });

  describe('clear', () => {
    it('removes every entry of the cache and nothing else, even of a cache whose name it prefixes', async () => {
      const aName = mode.name('a');
      const a = createCache<number>(t.ipc, aName);
      const ab = createCache<number>(t.ipc, mode.name('ab'));
      const values = Array.from({ length: 1200 }, (_, i): [string, number] => [`k${i}`, i]);
      await a.mset(values);
      await ab.mset(values.slice(0, 10));
      expect(await a.clear()).toBe(1200);
      expect(await a.get('k1')).toBeUndefined();
      expect(await ab.mget(['k0', 'k9'])).toEqual([0, 9]);
      expect(await a.clear()).toBe(0);
    });
  });
}
