import { type IpcClient, LuaScript, type RedisClient, type StructureKeys, toIpcError } from '@redis-ipc/core';
import { openCrateEntry, wrapCrateEntry } from './crate-envelope.js';
import type { EntryStore, KeyspaceWatch, LockStep, PayloadEntry, RawEntry } from './entry-store.js';
import type { StoredEntry } from './envelope.js';
import getOrLockSource from './lua/hash-get-or-lock-2.lua?raw';
import setSource from './lua/hash-set-1.lua?raw';
import { messageHead } from './wake-message.js';

const set = new LuaScript(setSource, 1);
const getOrLock = new LuaScript(getOrLockSource, 2);

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
  readonly #channel: string;

  constructor(ipc: IpcClient, keys: StructureKeys, channel: string) {
    this.#redis = ipc.redis;
    this.#hash = keys.main;
    this.#channel = channel;
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
    const args = [this.#channel, ttlMs === undefined ? '' : String(ttlMs)];
    for (const [key, payload] of entries) {
      args.push(key, wrapCrateEntry(text(payload), now, expiresAt), messageHead('v', key));
    }
    await set.run(this.#redis, [this.#hash], args);
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

  async getOrLock(key: string, lockKey: string, token: string, lockMs: number): Promise<LockStep> {
    const reply = (await getOrLock.run(
      this.#redis,
      [this.#hash, lockKey],
      [key, token, String(lockMs), String(Date.now())],
    )) as [number, string?];
    if (reply[0] === 1) return { kind: 'value', raw: reply[1]! };
    if (reply[0] === 2) return { kind: 'locked' };
    return { kind: 'busy', lockMsLeft: Number(reply[1]) };
  }
}
