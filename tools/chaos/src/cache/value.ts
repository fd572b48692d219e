import { type Cache, createCache } from '@redis-ipc/cache';
import { bufferCodec, createClient, type IpcClient } from '@redis-ipc/core';

/** The value of every write: which write it was. */
export interface CacheValue {
  readonly n: number;
}

/**
 * A cache of {@link CacheValue} through the run's codec: JSON, or bytes (`bufferCodec`), where a woken
 * waiter must read the key itself.
 */
export interface ChaosCache {
  readonly ipc: IpcClient;
  readonly cache: Cache<CacheValue> | Cache<Buffer>;
  set(key: string, n: number, ttlMs: number): Promise<void>;
  waitFor(key: string, timeoutMs: number): Promise<number>;
  getOrSet(key: string, load: () => Promise<number>, lockMs: number, ttlMs: number): Promise<number>;
  /** The payload another program would write for `n` (a bare payload, no header). */
  foreignPayload(n: number): string;
  /** The Redis key of cache key `key`. */
  redisKey(key: string): string;
}

/** Opens the run's cache on a new client. */
export async function openCache(
  url: string,
  name: string,
  codec: 'json' | 'buffer',
  lockMs: number,
): Promise<ChaosCache> {
  const ipc = createClient(url);
  ipc.on('error', () => {});
  await ipc.connect();
  const keys = ipc.keys.structure('c', name);
  const redisKey = (key: string) => keys.sub(`k:${key}`);
  if (codec === 'buffer') {
    const cache = createCache<Buffer>(ipc, name, { codec: bufferCodec, lockMs });
    const encode = (n: number) => Buffer.from(JSON.stringify({ n }));
    const decode = (value: Buffer) => (JSON.parse(value.toString()) as CacheValue).n;
    return {
      ipc,
      cache,
      set: (key, n, ttlMs) => cache.set(key, encode(n), { ttlMs }),
      waitFor: async (key, timeoutMs) => decode(await cache.waitFor(key, { timeoutMs })),
      getOrSet: async (key, load, lock, ttlMs) =>
        decode(await cache.getOrSet(key, async () => encode(await load()), { lockMs: lock, ttlMs })),
      foreignPayload: (n) => JSON.stringify({ n }),
      redisKey,
    };
  }
  const cache = createCache<CacheValue>(ipc, name, { lockMs });
  return {
    ipc,
    cache,
    set: (key, n, ttlMs) => cache.set(key, { n }, { ttlMs }),
    waitFor: async (key, timeoutMs) => (await cache.waitFor(key, { timeoutMs })).n,
    getOrSet: async (key, load, lock, ttlMs) =>
      (await cache.getOrSet(key, async () => ({ n: await load() }), { lockMs: lock, ttlMs })).n,
    foreignPayload: (n) => JSON.stringify({ n }),
    redisKey,
  };
}
