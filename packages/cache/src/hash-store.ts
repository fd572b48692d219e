import { type IpcClient, type RedisClient, toIpcError } from '@redis-ipc/core';
import type { CacheKeys } from './cache-keys.js';
import { openCrateEntry, wrapCrateEntry } from './crate-envelope.js';
import type { EntryStore, KeyspaceWatch, PayloadEntry, RawEntry } from './entry-store.js';
import type { StoredEntry } from './envelope.js';
import { hashGetOrLockScript } from './scripts/hash-get-or-lock.js';
import { hashSetScript } from './scripts/hash-set.js';
import type { LockStep } from './scripts/lock-step.js';
import { messageHead } from './wake-message.js';

function text(payload: string | Buffer): string {
  return typeof payload === 'string' ? payload : payload.toString('utf8');
}

/**
 * Raw mode: the Rust crate's layout. One hash named exactly like the cache, the cache key as field,
 * `{"timestamp":<ms>,"content":<json>}` as value. Redis 7.0 has no per-field expiry, so an entry
 * with a TTL also carries `"expiresAt"` and is treated as absent once that time has passed (and
 * HPEXPIRE removes it on servers that have it).
 */
export class HashStore implements EntryStore {
  readonly binary = false;
  readonly marksWaits = false;
  // HDEL and UNLINK publish nothing here: waits never answer from announcements in raw mode.
  readonly announcesRemovals = false;
  readonly keyspace: KeyspaceWatch;
  readonly #redis: RedisClient;
  readonly #hash: string;
  readonly #keys: CacheKeys;

  constructor(ipc: IpcClient, keys: CacheKeys) {
    this.#redis = ipc.redis;
    this.#hash = keys.main;
    this.#keys = keys;
    const hash = this.#hash;
    this.keyspace = {
      eventClass: 'h',
      pattern: false,
      channel: (db) => `__keyspace@${db}__:${hash}`,
      keyOf: () => undefined,
    };
  }

  fetch(key: string): Promise<RawEntry | null> {
    return this.#redis.sendCommand<string | null>(['HGET', this.#hash, key]);
  }

  async readMany(keys: readonly string[]): Promise<Array<RawEntry | null>> {
    if (keys.length === 0) return [];
    try {
      return await this.#redis.sendCommand<Array<string | null>>(['HMGET', this.#hash, ...keys]);
    } catch (error) {
      throw toIpcError(error);
    }
  }

  open(raw: RawEntry, key: string): StoredEntry | undefined {
    const entry = openCrateEntry(text(raw), key);
    return entry.expiresAt !== undefined && entry.expiresAt <= Date.now() ? undefined : entry;
  }

  payload(raw: RawEntry, key: string): string | undefined {
    return this.open(raw, key)?.payload as string | undefined;
  }

  write(key: string, payload: string | Buffer, ttlMs: number | undefined): Promise<void> {
    return this.writeMany([[key, payload]], ttlMs);
  }

  async writeMany(entries: readonly PayloadEntry[], ttlMs: number | undefined): Promise<void> {
    const now = Date.now();
    const expiresAt = ttlMs === undefined ? undefined : now + ttlMs;
    await hashSetScript.run(this.#redis, {
      hash: this.#hash,
      channel: this.#keys.channel,
      ttlMs,
      entries: entries.map(([field, payload]) => ({
        field,
        entry: wrapCrateEntry(text(payload), now, expiresAt),
        head: messageHead('v', field),
      })),
    });
  }

  async has(key: string): Promise<boolean> {
    let raw: RawEntry | null;
    try {
      raw = await this.fetch(key);
    } catch (error) {
      throw toIpcError(error);
    }
    return raw !== null && this.open(raw, key) !== undefined;
  }

  async remove(key: string): Promise<boolean> {
    try {
      return Number(await this.#redis.sendCommand(['HDEL', this.#hash, key])) === 1;
    } catch (error) {
      throw toIpcError(error);
    }
  }

  async clear(): Promise<number> {
    try {
      const [count] = (await this.#redis.multi().hLen(this.#hash).unlink(this.#hash).exec()) as unknown as [
        number,
        number,
      ];
      return Number(count);
    } catch (error) {
      throw toIpcError(error);
    }
  }

  arm(keys: readonly string[]): Promise<Array<RawEntry | null>> {
    // Nothing to arrange: raw-mode writers always publish while anyone listens.
    return this.readMany(keys);
  }

  getOrLock(key: string, token: string, lockMs: number): Promise<LockStep> {
    return hashGetOrLockScript.run(this.#redis, {
      hash: this.#hash,
      lockKey: this.#keys.lock(key),
      field: key,
      token,
      lockMs,
      now: Date.now(),
    });
  }
}
