import { type IpcClient, LuaScript, type RedisClient, type StructureKeys, toIpcError } from '@redis-ipc/core';
import { RESP_TYPES } from 'redis';
import type { EntryStore, KeyspaceWatch, LockStep, PayloadEntry, RawEntry } from './entry-store.js';
import { entryHeader, openEntry, payloadOf, type StoredEntry, wrapEntry } from './envelope.js';
import { HeaderCache } from './header-cache.js';
import announceSource from './lua/announce-1.lua?raw';
import armSource from './lua/arm-n.lua?raw';
import getOrLockSource from './lua/get-or-lock-2.lua?raw';
import hasSource from './lua/has-1.lua?raw';
import removeSource from './lua/remove-n.lua?raw';
import setAnnounceSource from './lua/set-announce-1.lua?raw';
import setManySource from './lua/set-many-n.lua?raw';
import { VariadicScript } from './variadic-script.js';
import { messageHead } from './wake-message.js';

/**
 * What an awaited key holds while it has no value. A writer's `SET ... GET` returns the previous
 * content, so seeing this tells it, in the same round trip, that someone waits and the write must be
 * published. It can never be mistaken for an entry, which always starts with a digit or is a foreign
 * bare value.
 */
export const WAITING_MARKER = '\u0000wait';
const MARKER_BYTES = Buffer.from(WAITING_MARKER);

const arm = new VariadicScript(armSource);
const remove = new VariadicScript(removeSource);
const setMany = new VariadicScript(setManySource);
const has = new LuaScript(hasSource, 1);
const setAnnounce = new LuaScript(setAnnounceSource, 1);
const announce = new LuaScript(announceSource, 1);
const getOrLock = new LuaScript(getOrLockSource, 2);

// Keys per script call or MGET, so one call never holds the server for long.
const BATCH = 500;
// After a write met a waiting marker, this writer announces within the write itself (one script,
// one round trip) for this long, every write while anyone listens, so that a reader a little behind
// the writer finds the value among what it was told. Otherwise writes are a plain SET ... GET,
// several times cheaper for the server than a script, and only a write that meets a marker pays a
// second round trip.
const ANNOUNCE_WINDOW_MS = 250;

function isMarker(raw: RawEntry): boolean {
  return typeof raw === 'string'
    ? raw === WAITING_MARKER
    : raw.length === MARKER_BYTES.length && raw.equals(MARKER_BYTES);
}

/**
 * Prefixed mode: one string key per entry (`ipc:{name}:c:k:<key>`), holding
 * `<setAt>:<expiresAt>:<payload>`, written with `SET ... PX` so value and expiry are set together at
 * millisecond precision.
 */
export class StringStore implements EntryStore {
  readonly binary: boolean;
  readonly marksWaits = true;
  readonly announcesRemovals = true;
  readonly keyspace: KeyspaceWatch;
  readonly #redis: RedisClient;
  // Replies as Buffers: previous values returned by SET ... GET are never decoded as text.
  readonly #bytes: RedisClient;
  readonly #reader: RedisClient;
  readonly #prefix: string;
  readonly #pattern: string;
  readonly #channel: string;
  readonly #removeArgs: readonly string[];
  readonly #header = new HeaderCache();
  // Until when (unix ms) writes publish in the same script as they write; see write().
  #announceUntil = 0;

  constructor(ipc: IpcClient, keys: StructureKeys, channel: string, binary: boolean) {
    this.binary = binary;
    this.#redis = ipc.redis;
    this.#bytes = ipc.redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }) as unknown as RedisClient;
    this.#reader = binary ? this.#bytes : this.#redis;
    this.#prefix = keys.sub('k:');
    this.#pattern = keys.subPattern('k:');
    this.#channel = channel;
    this.#removeArgs = [WAITING_MARKER, channel, messageHead('x', '')];
    const prefix = this.#prefix;
    const pattern = this.#pattern;
    this.keyspace = {
      eventClass: '$',
      pattern: true,
      channel: (db) => `__keyspace@${db}__:${pattern}`,
      keyOf(channel, db) {
        const head = `__keyspace@${db}__:${prefix}`;
        return channel.startsWith(head) ? channel.slice(head.length) : undefined;
      },
    };
  }

  fetch(key: string): Promise<RawEntry | null> {
    return this.#reader.sendCommand<RawEntry | null>(['GET', this.#prefix + key]);
  }

  async readMany(keys: readonly string[]): Promise<Array<RawEntry | null>> {
    const out: Array<RawEntry | null> = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const args = ['MGET'];
      for (const key of keys.slice(i, i + BATCH)) args.push(this.#prefix + key);
      let replies: Array<RawEntry | null>;
      try {
        replies = await this.#reader.sendCommand<Array<RawEntry | null>>(args);
      } catch (error) {
        throw toIpcError(error);
      }
      for (const raw of replies) out.push(raw === null || isMarker(raw) ? null : raw);
    }
    return out;
  }

  open(raw: RawEntry): StoredEntry | undefined {
    return isMarker(raw) ? undefined : openEntry(raw);
  }

  payload(raw: RawEntry): string | Buffer | undefined {
    return isMarker(raw) ? undefined : payloadOf(raw);
  }

  async write(key: string, payload: string | Buffer, ttlMs: number | undefined): Promise<void> {
    const entry = this.#header.wrap(payload, ttlMs);
    const redisKey = this.#prefix + key;
    const ttlText = this.#header.ttlText;
    try {
      if (this.#header.now < this.#announceUntil) {
        // Readers of this cache were met lately: publish within the write itself, one round trip.
        // PING rides along only for the reply order (see #announce).
        const [, awaited] = await Promise.all([
          this.#redis.sendCommand(['PING']),
          setAnnounce.run(
            this.#redis,
            [redisKey],
            [
              WAITING_MARKER,
              this.#channel,
              entry,
              ttlText,
              messageHead(this.binary ? 'k' : 'v', key),
              this.binary ? '0' : '1',
            ],
          ),
        ]);
        if (Number(awaited) === 1) this.#announceUntil = this.#header.now + ANNOUNCE_WINDOW_MS;
        return;
      }
      const previous = await this.#bytes.sendCommand<Buffer | null>(
        ttlMs === undefined
          ? ['SET', redisKey, entry, 'GET']
          : ['SET', redisKey, entry, 'PX', ttlText, 'GET'],
      );
      // Only a key someone waits for holds the marker: every other write is this one command.
      if (previous !== null && isMarker(previous)) {
        this.#announceUntil = this.#header.now + ANNOUNCE_WINDOW_MS;
        await this.#announce(key, entry);
      }
    } catch (error) {
      throw toIpcError(error);
    }
  }

  async #announce(key: string, entry: string | Buffer): Promise<void> {
    const readIt = messageHead('k', key);
    // PING goes out in the same write as the announcement, before it. Redis answers clients in the
    // reverse order they got output in, so with a reply already queued for us, the subscribers'
    // message is sent first: the waiter is woken before this write even resolves.
    const ping = this.#redis.sendCommand(['PING']);
    // Binary entries never travel in messages (subscribers get UTF-8 text). A text entry goes along
    // only while the key still holds it: this is a second step, and the key may have changed.
    const announcing = this.binary
      ? this.#redis.sendCommand(['PUBLISH', this.#channel, readIt])
      : announce.run(
          this.#redis,
          [this.#prefix + key],
          [this.#channel, entry, messageHead('v', key), readIt],
        );
    await Promise.all([ping, announcing]);
  }

  async writeMany(entries: readonly PayloadEntry[], ttlMs: number | undefined): Promise<void> {
    const now = Date.now();
    const header = entryHeader(now, ttlMs === undefined ? undefined : now + ttlMs);
    const keys: string[] = [];
    const args: Array<string | Buffer> = [
      WAITING_MARKER,
      this.#channel,
      ttlMs === undefined ? '' : String(ttlMs),
      this.binary ? '0' : '1',
    ];
    for (const [key, payload] of entries) {
      keys.push(this.#prefix + key);
      args.push(wrapEntry(header, payload), messageHead(this.binary ? 'k' : 'v', key));
    }
    await setMany.run(this.#redis, keys, args);
  }

  async has(key: string): Promise<boolean> {
    return Number(await has.run(this.#redis, [this.#prefix + key], [WAITING_MARKER])) === 1;
  }

  async remove(key: string): Promise<boolean> {
    return Number(await remove.run(this.#redis, [this.#prefix + key], this.#removeArgs)) === 1;
  }

  async clear(): Promise<number> {
    let removed = 0;
    try {
      for await (const batch of this.#redis.scanIterator({ MATCH: this.#pattern, COUNT: BATCH })) {
        if (batch.length > 0) removed += Number(await remove.run(this.#redis, batch, this.#removeArgs));
      }
    } catch (error) {
      throw toIpcError(error);
    }
    return removed;
  }

  async arm(keys: readonly string[], ttlMs: readonly number[]): Promise<Array<RawEntry | null>> {
    const out: Array<RawEntry | null> = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const chunk = keys.slice(i, i + BATCH).map((key) => this.#prefix + key);
      const ttls = ttlMs.slice(i, i + BATCH).map((ms) => String(Math.ceil(ms)));
      const replies = (await arm.run(this.#reader, chunk, [
        WAITING_MARKER,
        ...ttls,
      ])) as Array<RawEntry | null>;
      for (const raw of replies) out.push(raw ?? null);
    }
    return out;
  }

  async getOrLock(
    key: string,
    lockKey: string,
    token: string,
    lockMs: number,
    waitMs: number,
  ): Promise<LockStep> {
    const reply = (await getOrLock.run(
      this.#reader,
      [this.#prefix + key, lockKey],
      [WAITING_MARKER, token, String(lockMs), String(Math.ceil(waitMs))],
    )) as [number, RawEntry?];
    if (reply[0] === 1) return { kind: 'value', raw: reply[1]! };
    if (reply[0] === 2) return { kind: 'locked' };
    return { kind: 'busy', lockMsLeft: Number(reply[1]) };
  }
}
