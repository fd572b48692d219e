import { type IpcClient, type RedisClient, toIpcError } from '@redis-ipc/core';
import { RESP_TYPES } from 'redis';
import { Announcer } from './announcer.js';
import type { CacheKeys } from './cache-keys.js';
import type { ArmOptions, EntryStore, KeyspaceWatch, PayloadEntry, RawEntry } from './entry-store.js';
import { entryHeader, openEntry, payloadOf, type StoredEntry, wrapEntry } from './envelope.js';
import { HeaderCache } from './header-cache.js';
import { armScript } from './scripts/arm.js';
import { getOrLockScript } from './scripts/get-or-lock.js';
import { hasScript } from './scripts/has.js';
import type { LockStep } from './scripts/lock-step.js';
import { removeScript } from './scripts/remove.js';
import { setManyScript } from './scripts/set-many.js';
import { isMarker, WAITING_MARKER } from './waiting-marker.js';
import { messageHead } from './wake-message.js';

// Keys per script call or MGET, so one call never holds the server for long.
const BATCH = 500;

/**
 * Prefixed mode: one string key per entry (`ipc:{name}:c:k:<key>`), holding
 * `<setAt>:<expiresAt>:<payload>`, written with `SET ... PX` so value and expiry are set together at
 * millisecond precision. An awaited key without a value holds the waiting marker.
 */
export class StringStore implements EntryStore {
  readonly binary: boolean;
  readonly marksWaits = true;
  readonly announcesRemovals = true;
  readonly keyspace: KeyspaceWatch;
  readonly #redis: RedisClient;
  readonly #reader: RedisClient;
  readonly #keys: CacheKeys;
  readonly #header = new HeaderCache();
  readonly #announcer: Announcer;

  constructor(ipc: IpcClient, keys: CacheKeys, binary: boolean) {
    this.binary = binary;
    this.#redis = ipc.redis;
    const bytes = ipc.redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }) as unknown as RedisClient;
    this.#reader = binary ? bytes : this.#redis;
    this.#keys = keys;
    this.#announcer = new Announcer(this.#redis, bytes, keys, binary);
    this.keyspace = {
      eventClass: '$',
      pattern: true,
      channel: (db) => `__keyspace@${db}__:${keys.valuePattern}`,
      keyOf(channel, db) {
        const head = `__keyspace@${db}__:`;
        return channel.startsWith(head) ? keys.keyOfValue(channel.slice(head.length)) : undefined;
      },
    };
  }

  fetch(key: string): Promise<RawEntry | null> {
    return this.#reader.sendCommand<RawEntry | null>(['GET', this.#keys.value(key)]);
  }

  async readMany(keys: readonly string[]): Promise<Array<RawEntry | null>> {
    return (await this.#held(keys)).map(withoutMarker);
  }

  // What the keys hold, waiting markers included.
  async #held(keys: readonly string[]): Promise<Array<RawEntry | null>> {
    const out: Array<RawEntry | null> = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const args = ['MGET'];
      for (const key of keys.slice(i, i + BATCH)) args.push(this.#keys.value(key));
      try {
        out.push(...(await this.#reader.sendCommand<Array<RawEntry | null>>(args)));
      } catch (error) {
        throw toIpcError(error);
      }
    }
    return out;
  }

  open(raw: RawEntry): StoredEntry | undefined {
    return isMarker(raw) ? undefined : openEntry(raw);
  }

  payload(raw: RawEntry): string | Buffer | undefined {
    return isMarker(raw) ? undefined : payloadOf(raw);
  }

  write(key: string, payload: string | Buffer, ttlMs: number | undefined): Promise<void> {
    const entry = this.#header.wrap(payload, ttlMs);
    return this.#announcer.write(key, entry, this.#header.ttlText, this.#header.now);
  }

  async writeMany(entries: readonly PayloadEntry[], ttlMs: number | undefined): Promise<void> {
    const now = Date.now();
    const header = entryHeader(now, ttlMs === undefined ? undefined : now + ttlMs);
    const kind = this.binary ? 'k' : 'v';
    await setManyScript.run(this.#redis, {
      entries: entries.map(([key, payload]) => ({
        key: this.#keys.value(key),
        entry: wrapEntry(header, payload),
        head: messageHead(kind, key),
      })),
      channel: this.#keys.channel,
      ttlMs,
      withEntry: !this.binary,
    });
  }

  has(key: string): Promise<boolean> {
    return hasScript.run(this.#redis, { key: this.#keys.value(key) });
  }

  async remove(key: string): Promise<boolean> {
    const removed = await removeScript.run(this.#redis, {
      keys: [this.#keys.value(key)],
      channel: this.#keys.channel,
    });
    return removed === 1;
  }

  async clear(): Promise<number> {
    let removed = 0;
    try {
      for await (const batch of this.#redis.scanIterator({ MATCH: this.#keys.valuePattern, COUNT: BATCH })) {
        if (batch.length > 0) {
          removed += await removeScript.run(this.#redis, { keys: batch, channel: this.#keys.channel });
        }
      }
    } catch (error) {
      throw toIpcError(error);
    }
    return removed;
  }

  async arm(
    keys: readonly string[],
    ttlsMs: readonly number[],
    options: ArmOptions = {},
  ): Promise<Array<RawEntry | null>> {
    const keepAlive = options.keepAlive ?? true;
    if (keys.length === 1) return [await this.#armOne(keys[0]!, ttlsMs[0]!, keepAlive)];
    if (!keepAlive) return this.#markEmpty(keys, ttlsMs);
    const out: Array<RawEntry | null> = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const replies = await armScript.run(this.#reader, {
        keys: keys.slice(i, i + BATCH).map((key) => this.#keys.value(key)),
        ttlsMs: ttlsMs.slice(i, i + BATCH),
      });
      out.push(...replies);
    }
    return out;
  }

  // A re-check of many keys: one MGET, and markers only where a key turned out empty. In the steady
  // state every awaited key holds its marker, and the check is that one MGET.
  async #markEmpty(keys: readonly string[], ttlsMs: readonly number[]): Promise<Array<RawEntry | null>> {
    const held = await this.#held(keys);
    const empty: number[] = [];
    held.forEach((raw, i) => {
      if (raw === null) empty.push(i);
    });
    const out = held.map(withoutMarker);
    if (empty.length > 0) {
      const armed = await this.arm(
        empty.map((i) => keys[i]!),
        empty.map((i) => ttlsMs[i]!),
      );
      empty.forEach((i, j) => {
        out[i] = armed[j] ?? null;
      });
    }
    return out;
  }

  // One command in the common case, a key with nothing in it (a wait that starts before its write):
  // SET NX GET puts the marker and says what was there. Only a marker already in place (a second
  // wait for the key, a renewal) takes the script, which keeps it alive long enough; a re-check
  // (keepAlive false) is content with the marker it finds.
  async #armOne(key: string, ttlMs: number, keepAlive: boolean): Promise<RawEntry | null> {
    const redisKey = this.#keys.value(key);
    const previous = await this.#reader.sendCommand<RawEntry | null>([
      'SET',
      redisKey,
      WAITING_MARKER,
      'NX',
      'PX',
      String(Math.ceil(ttlMs)),
      'GET',
    ]);
    if (previous === null || !isMarker(previous)) return previous;
    if (!keepAlive) return null;
    const [raw] = await armScript.run(this.#reader, { keys: [redisKey], ttlsMs: [ttlMs] });
    return raw ?? null;
  }

  getOrLock(key: string, token: string, lockMs: number, waitMs: number): Promise<LockStep> {
    return getOrLockScript.run(this.#reader, {
      key: this.#keys.value(key),
      lockKey: this.#keys.lock(key),
      token,
      lockMs,
      waitMs,
    });
  }
}

function withoutMarker(raw: RawEntry | null): RawEntry | null {
  return raw === null || isMarker(raw) ? null : raw;
}
