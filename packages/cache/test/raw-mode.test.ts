import { isIpcError, safeJsonParse } from '@redis-ipc/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCache } from '../src/index.js';
import { eventually, pause, rejection, type TestContext, testContext } from './helpers.js';

// Raw mode talks to the Rust crate `redis_ipc`: one hash named exactly like the cache, the cache key
// as the field, `{"timestamp":<unix ms>,"content":<json>}` as the value.
let t: TestContext;
let name: string;
beforeEach(() => {
  t = testContext(undefined, 'raw');
  name = `${t.prefix}-cache`;
});
afterEach(async () => {
  await t.cleanUp([name]);
});

describe('raw mode', () => {
  it('reads entries exactly as the crate writes them', async () => {
    const plain = await t.plain();
    await plain.hSet(name, 'item', '{"timestamp":1714000000000,"content":{"id":7}}');
    await plain.hSet(name, 'spaced', '{ "content" : [1, 2], "timestamp" : 1714000000001 }');
    await plain.hSet(name, 'text', '{"timestamp":1714000000002,"content":"a \\"quoted\\" }"}');
    const cache = createCache<unknown>(await t.client({ raw: true }), name);
    expect(await cache.getEntry('item')).toEqual({
      value: { id: 7 },
      setAt: 1714000000000,
      expiresAt: undefined,
    });
    expect(await cache.get('spaced')).toEqual([1, 2]);
    expect(await cache.get('text')).toBe('a "quoted" }');
    expect(await cache.has('item')).toBe(true);
    expect(await cache.mget(['item', 'none'])).toEqual([{ id: 7 }, undefined]);
    const typed = createCache(await t.client({ raw: true }), name, { schema: z.object({ id: z.number() }) });
    expect(await typed.get('item')).toEqual({ id: 7 });
  });

  it('writes entries the crate can read', async () => {
    const plain = await t.plain();
    const cache = createCache<{ id: number }>(await t.client({ raw: true }), name);
    const before = Date.now();
    await cache.set('item', { id: 8 });
    const stored = await plain.hGet(name, 'item');
    expect(stored).toMatch(/^\{"timestamp":\d{13},"content":\{"id":8\}\}$/);
    const parsed = safeJsonParse(stored!) as { timestamp: number; content: unknown };
    expect(parsed.content).toEqual({ id: 8 });
    expect(parsed.timestamp).toBeGreaterThanOrEqual(before);
    // With a TTL the entry carries "expiresAt" as well; serde skips fields it does not know.
    await cache.set('brief', { id: 9 }, { ttlMs: 5000 });
    const brief = safeJsonParse((await plain.hGet(name, 'brief'))!) as Record<string, unknown>;
    expect(brief).toEqual({
      timestamp: expect.any(Number),
      expiresAt: (brief.timestamp as number) + 5000,
      content: { id: 9 },
    });
  });

  it('reports an entry that is not the envelope as DecodeError', async () => {
    const plain = await t.plain();
    await plain.hSet(name, 'junk', '{"content":1}');
    await plain.hSet(name, 'text', 'not json');
    const cache = createCache<unknown>(await t.client({ raw: true }), name);
    expect(isIpcError(await rejection(cache.get('junk')), 'IPC_DECODE')).toBe(true);
    expect(isIpcError(await rejection(cache.get('text')), 'IPC_DECODE')).toBe(true);
  });

  it('expires entries at millisecond precision on a server without per-field TTL', async () => {
    const cache = createCache<number>(await t.client({ raw: true }), name, { ttlMs: 400 });
    await cache.set('k', 1);
    await cache.set('kept', 2, { ttlMs: Number.POSITIVE_INFINITY });
    expect(await cache.get('k')).toBe(1);
    await pause(450);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    expect(await cache.getEntry('k')).toBeUndefined();
    expect(await cache.mget(['k', 'kept'])).toEqual([undefined, 2]);
  });

  it('wakes waiters, deletes, clears, and runs getOrSet', async () => {
    const plain = await t.plain();
    const reader = createCache<number>(await t.client({ raw: true }), name);
    const writer = createCache<number>(await t.client({ raw: true }), name);
    const waiting = reader.waitFor('k', { timeoutMs: 10_000 });
    await eventually(() => reader.waiting === 1);
    await pause(50);
    await writer.set('k', 1);
    expect(await waiting).toBe(1);
    const many = reader.waitFor('m', { timeoutMs: 10_000 });
    await eventually(() => reader.waiting === 1);
    await pause(50);
    await writer.mset([
      ['m', 2],
      ['n', 3],
    ]);
    expect(await many).toBe(2);
    expect(await writer.getOrSet('lazy', () => 4)).toBe(4);
    expect(await reader.get('lazy')).toBe(4);
    expect(await writer.delete('n')).toBe(true);
    expect(await writer.delete('n')).toBe(false);
    await plain.set(`${name}x`, 'not ours');
    expect(await writer.clear()).toBe(3);
    expect(await plain.exists(name)).toBe(0);
    expect(await plain.get(`${name}x`)).toBe('not ours');
    await plain.del(`${name}x`);
  });
});
