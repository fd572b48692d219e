import { bufferCodec, isIpcError, stringCodec } from '@redis-ipc/core';
import { rejection } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCache, MAX_KEY_BYTES } from '../src/index.js';
import { cacheContext } from './connect.js';

// What only prefixed mode (one string key per entry) does; what every store does is in suite/.
const t = cacheContext();

describe('reads and writes', () => {
  it('refuses a key holding another type with a CommandError, and leaves mset atomic', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'wrongtype');
    await ipc.redis.hSet(`${t.prefix}:{wrongtype}:c:k:h`, 'f', 'v');
    expect(isIpcError(await rejection(cache.get('h')), 'IPC_COMMAND')).toBe(true);
    const error = await rejection(
      cache.mset([
        ['ok', 1],
        ['h', 2],
      ]),
    );
    expect(isIpcError(error, 'IPC_COMMAND')).toBe(true);
    expect(await cache.get('ok')).toBeUndefined();
  });
});

describe('expiry', () => {
  it('stores the expiry in Redis itself, at millisecond precision', async () => {
    const ipc = await t.client();
    const cache = createCache<string>(ipc, 'ttl', { ttlMs: 60_000 });
    await cache.set('short', 'v', { ttlMs: 2500 });
    await cache.set('default', 'v');
    await cache.set('none', 'v', { ttlMs: Number.POSITIVE_INFINITY });
    const pttl = await ipc.redis.pTTL(`${t.prefix}:{ttl}:c:k:short`);
    // Whole seconds would give 3000 or 2000: a millisecond TTL shows up as such.
    expect(pttl).toBeGreaterThan(2000);
    expect(pttl).toBeLessThanOrEqual(2500);
    expect(await ipc.redis.pTTL(`${t.prefix}:{ttl}:c:k:default`)).toBeGreaterThan(50_000);
    expect(await ipc.redis.pTTL(`${t.prefix}:{ttl}:c:k:none`)).toBe(-1);
  });
});

describe('keys', () => {
  const awkward = [
    '',
    ':',
    '}{',
    '{other}',
    '*?[a]\\',
    'line\nbreak\r\0nul',
    'ünïcödé ✓ 🎉',
    '../../etc',
    'ipc:{victim}:c:k:x',
    ' ',
  ];

  it('accepts any well-formed string, each stored inside the cache key space', async () => {
    const ipc = await t.client();
    const cache = createCache<string>(ipc, 'keys');
    const other = createCache<string>(ipc, 'victim');
    for (const [i, key] of awkward.entries()) await cache.set(key, `value ${i}`);
    for (const [i, key] of awkward.entries()) expect(await cache.get(key)).toBe(`value ${i}`);
    expect(await cache.mget(awkward)).toEqual(awkward.map((_, i) => `value ${i}`));
    expect(await other.get('x')).toBeUndefined();
    const stored: string[] = [];
    for await (const batch of ipc.redis.scanIterator({ MATCH: `${t.prefix}*`, COUNT: 100 }))
      stored.push(...batch);
    expect(stored).toHaveLength(awkward.length);
    for (const key of stored) expect(key.startsWith(`${t.prefix}:{keys}:c:k:`)).toBe(true);
  });

  it('accepts keys up to MAX_KEY_BYTES and refuses longer or ill-formed ones', async () => {
    const cache = createCache<string>(await t.client(), 'long');
    const longest = 'é'.repeat(MAX_KEY_BYTES / 2);
    await cache.set(longest, 'v');
    expect(await cache.get(longest)).toBe('v');
    const tooLong = `${longest}x`;
    for (const bad of [tooLong, 'lone \ud800 surrogate', 42 as unknown as string]) {
      expect(isIpcError(await rejection(cache.set(bad, 'v')), 'IPC_INVALID_ARGUMENT')).toBe(true);
      expect(isIpcError(await rejection(cache.get(bad)), 'IPC_INVALID_ARGUMENT')).toBe(true);
      expect(isIpcError(await rejection(cache.waitFor(bad)), 'IPC_INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('refuses cache names that could escape the naming scheme', async () => {
    const ipc = await t.client();
    for (const name of ['', 'a}b', 'a*', 'x y']) {
      expect(() => createCache(ipc, name)).toThrowError(
        expect.objectContaining({ code: 'IPC_INVALID_NAME' }),
      );
    }
  });
});

describe('clear', () => {
  it('leaves other structures of the same name alone', async () => {
    const ipc = await t.client();
    const a = createCache<number>(ipc, 'a');
    await a.mset([['k', 1]]);
    // Another structure sharing the name, and a key that merely looks like the cache's.
    await ipc.redis.set(`${t.prefix}:{a}:q`, 'queue');
    await ipc.redis.set(`${t.prefix}:{a}:cx`, 'other');
    expect(await a.clear()).toBe(1);
    expect(await ipc.redis.get(`${t.prefix}:{a}:q`)).toBe('queue');
    expect(await ipc.redis.get(`${t.prefix}:{a}:cx`)).toBe('other');
  });
});

describe('payloads', () => {
  it('uses the string codec', async () => {
    const ipc = await t.client();
    const cache = createCache<string>(ipc, 'strings', { codec: stringCodec });
    await cache.set('k', 'plain text: 1:2:3');
    expect(await cache.get('k')).toBe('plain text: 1:2:3');
  });

  it('stores arbitrary bytes with the buffer codec, waiters included', async () => {
    const ipc = await t.client();
    const cache = createCache<Buffer>(ipc, 'bytes', { codec: bufferCodec });
    const bytes = Buffer.from([0, 255, 58, 10, 0x80, 0xc3, 0x28]);
    await cache.set('k', bytes);
    expect(await cache.get('k')).toEqual(bytes);
    expect(await cache.mget(['k', 'none'])).toEqual([bytes, undefined]);
    expect((await cache.getEntry('k'))?.value).toEqual(bytes);
    const waiting = cache.waitFor('later', { timeoutMs: 10_000 });
    await t.until(() => cache.waiting === 1);
    await t.pause(50);
    const writer = createCache<Buffer>(await t.client(), 'bytes', { codec: bufferCodec });
    await writer.set('later', bytes);
    expect(await waiting).toEqual(bytes);
  });

  it('validates with a schema and reports a bad entry as DecodeError with the raw payload', async () => {
    const ipc = await t.client();
    const loose = createCache<unknown>(ipc, 'schema');
    const strict = createCache(ipc, 'schema', { schema: z.object({ id: z.number() }) });
    await loose.set('good', { id: 1 });
    await loose.set('bad', { id: 'x' });
    expect(await strict.get('good')).toEqual({ id: 1 });
    const error = await rejection(strict.get('bad'));
    expect(isIpcError(error, 'IPC_DECODE')).toBe(true);
    expect((error as { id?: string }).id).toBe('bad');
    expect(String((error as { raw?: unknown }).raw)).toBe('{"id":"x"}');
    // Kept, not dropped.
    expect(await loose.get('bad')).toEqual({ id: 'x' });
  });

  it('reads a bare value another program wrote, and reports one it cannot decode', async () => {
    const ipc = await t.client();
    const cache = createCache<unknown>(ipc, 'foreign');
    await ipc.redis.set(`${t.prefix}:{foreign}:c:k:bare`, '{"from":"redis-cli"}');
    await ipc.redis.set(`${t.prefix}:{foreign}:c:k:junk`, '{not json');
    expect(await cache.getEntry('bare')).toEqual({
      value: { from: 'redis-cli' },
      setAt: undefined,
      expiresAt: undefined,
    });
    expect(isIpcError(await rejection(cache.get('junk')), 'IPC_DECODE')).toBe(true);
  });

  it('refuses oversized payloads before sending anything', async () => {
    const cache = createCache<string>(await t.client(), 'big', { maxPayloadBytes: 10 });
    const error = await rejection(cache.set('k', 'x'.repeat(20)));
    expect(isIpcError(error, 'IPC_PAYLOAD_TOO_LARGE')).toBe(true);
    expect(await cache.has('k')).toBe(false);
  });
});

describe('lifecycle', () => {
  it('rejects every call after close, and closes with its client', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'closing');
    cache.close();
    cache.close();
    for (const call of [
      cache.get('k'),
      cache.set('k', 1),
      cache.has('k'),
      cache.waitFor('k'),
      cache.clear(),
    ]) {
      expect(isIpcError(await rejection(call), 'IPC_CLOSED')).toBe(true);
    }
    const other = createCache<number>(ipc, 'closing');
    await ipc.close();
    expect(isIpcError(await rejection(other.get('k')), 'IPC_CLOSED')).toBe(true);
  });

  it('refuses binary codecs in raw mode and bad options', async () => {
    const ipc = await t.client();
    const raw = await t.client({ raw: true });
    expect(() => createCache(raw, 'x', { codec: bufferCodec })).toThrowError(
      expect.objectContaining({ code: 'IPC_INVALID_ARGUMENT' }),
    );
    expect(() => createCache(ipc, 'x', { lockMs: 0 })).toThrow();
    expect(() => createCache(ipc, 'x', { foreignWritePollMs: -5 })).toThrow();
    expect(() => createCache(ipc, 'x', { waitTimeoutMs: -1 })).toThrow();
    // A misspelt option is refused rather than ignored.
    expect(() => createCache(ipc, 'x', { ttl: 5 } as never)).toThrowError(
      expect.objectContaining({ code: 'IPC_INVALID_ARGUMENT', message: expect.stringContaining("'ttl'") }),
    );
  });
});
