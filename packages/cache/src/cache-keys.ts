import type { IpcClient } from '@redis-ipc/core';

/**
 * Every key of one cache, built in one place. In prefixed mode all share the cache name's hash tag,
 * so they live in one cluster slot and the scripts may touch them together.
 *
 * - `main`: raw mode's hash (named exactly like the cache, the Rust crate's layout); unused otherwise.
 * - `channel`: the pub/sub channel writes are announced on.
 * - `value(key)`: prefixed mode's string key holding one entry (or a waiting marker).
 * - `lock(key)`: getOrSet's single-flight lock for one key.
 */
export class CacheKeys {
  readonly main: string;
  readonly channel: string;
  /** The SCAN pattern matching every value key of this cache (and no other cache's). */
  readonly valuePattern: string;
  readonly #valuePrefix: string;
  readonly #lockPrefix: string;

  constructor(ipc: IpcClient, name: string) {
    const keys = ipc.keys.structure('c', name);
    this.main = keys.main;
    this.channel = keys.sub('e');
    this.#valuePrefix = keys.sub('k:');
    this.valuePattern = keys.subPattern('k:');
    this.#lockPrefix = keys.sub('l:');
  }

  /** The string key holding `key`'s entry (prefixed mode). */
  value(key: string): string {
    return this.#valuePrefix + key;
  }

  /** The cache key a value key belongs to, or `undefined` when it is not one of this cache's. */
  keyOfValue(redisKey: string): string | undefined {
    return redisKey.startsWith(this.#valuePrefix) ? redisKey.slice(this.#valuePrefix.length) : undefined;
  }

  /** getOrSet's lock for `key`. */
  lock(key: string): string {
    return this.#lockPrefix + key;
  }
}
