import { isIpcError, safeJsonParse } from '@redis-ipc/core';
import { rejection } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCache } from '../../src/index.js';
import type { CacheTestContext } from '../connect.js';
import type { StoreMode } from './mode.js';

const RAW_ONLY = 'the Rust crate reads and writes raw mode only (one hash per cache)';

/**
 * The Rust crate `redis_ipc`'s format: one hash named exactly like the cache, the cache key as the
 * field, `{"timestamp":<unix ms>,"content":<json>}` as the value.
 */
export function crateFormat(t: CacheTestContext, mode: StoreMode): void {
  describe('the Rust crate format', () => {
    it.skipIf(!mode.raw)(`reads entries exactly as the crate writes them (${RAW_ONLY})`, async () => {
      const name = mode.name('crate');
      await t.plain.hSet(name, 'item', '{"timestamp":1714000000000,"content":{"id":7}}');
      await t.plain.hSet(name, 'spaced', '{ "content" : [1, 2], "timestamp" : 1714000000001 }');
      await t.plain.hSet(name, 'text', '{"timestamp":1714000000002,"content":"a \\"quoted\\" }"}');
      const cache = createCache<unknown>(t.ipc, name);
      expect(await cache.getEntry('item')).toEqual({
        value: { id: 7 },
        setAt: 1714000000000,
        expiresAt: undefined,
      });
      expect(await cache.get('spaced')).toEqual([1, 2]);
      expect(await cache.get('text')).toBe('a "quoted" }');
      expect(await cache.has('item')).toBe(true);
      expect(await cache.mget(['item', 'none'])).toEqual([{ id: 7 }, undefined]);
      const typed = createCache(t.ipc, name, { schema: z.object({ id: z.number() }) });
      expect(await typed.get('item')).toEqual({ id: 7 });
    });

    it.skipIf(!mode.raw)(`writes entries the crate can read (${RAW_ONLY})`, async () => {
      const name = mode.name('crate');
      const cache = createCache<{ id: number }>(t.ipc, name);
      const before = Date.now();
      await cache.set('item', { id: 8 });
      const stored = await t.plain.hGet(name, 'item');
      expect(stored).toMatch(/^\{"timestamp":\d{13},"content":\{"id":8\}\}$/);
      const parsed = safeJsonParse(stored!) as { timestamp: number; content: unknown };
      expect(parsed.content).toEqual({ id: 8 });
      expect(parsed.timestamp).toBeGreaterThanOrEqual(before);
      // With a TTL the entry carries "expiresAt" as well; serde skips fields it does not know.
      await cache.set('brief', { id: 9 }, { ttlMs: 5000 });
      const brief = safeJsonParse((await t.plain.hGet(name, 'brief'))!) as Record<string, unknown>;
      expect(brief).toEqual({
        timestamp: expect.any(Number),
        expiresAt: (brief.timestamp as number) + 5000,
        content: { id: 9 },
      });
    });

    it.skipIf(!mode.raw)(
      `reports an entry that is not the envelope as DecodeError (${RAW_ONLY})`,
      async () => {
        const name = mode.name('crate');
        await t.plain.hSet(name, 'junk', '{"content":1}');
        await t.plain.hSet(name, 'text', 'not json');
        const cache = createCache<unknown>(t.ipc, name);
        expect(isIpcError(await rejection(cache.get('junk')), 'IPC_DECODE')).toBe(true);
        expect(isIpcError(await rejection(cache.get('text')), 'IPC_DECODE')).toBe(true);
      },
    );

    it.skipIf(!mode.raw)(`clear removes the cache's hash and nothing else (${RAW_ONLY})`, async () => {
      const name = mode.name('crate');
      const cache = createCache<number>(t.ipc, name);
      await cache.mset([
        ['a', 1],
        ['b', 2],
      ]);
      await t.plain.set(`${name}x`, 'not ours');
      t.deleteAfter(`${name}x`);
      expect(await cache.clear()).toBe(2);
      expect(await t.plain.exists(name)).toBe(0);
      expect(await t.plain.get(`${name}x`)).toBe('not ours');
    });
  });
}
