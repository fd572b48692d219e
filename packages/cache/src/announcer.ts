import { type RedisClient, toIpcError } from '@redis-ipc/core';
import { throwAsIpcError } from '@redis-ipc/core/internal';
import type { CacheKeys } from './cache-keys.js';
import { announceScript } from './scripts/announce.js';
import { isMarker } from './waiting-marker.js';
import { messageHead } from './wake-message.js';

// After a write met a waiting marker, this writer announces within the write itself (one
// transaction, one round trip) for this long, every write while anyone listens, so that a reader a
// little behind the writer finds the value among what it was told (see RecallMemory). Otherwise
// writes are a plain SET ... GET, and only a write that meets a marker pays a second round trip.
const ANNOUNCE_WINDOW_MS = 250;

/**
 * Writes entries in prefixed mode so that their waiters hear of them, choosing per write between a
 * plain `SET ... GET` (announced in a second step only when it met a waiting marker) and a
 * transaction that writes and announces at once (while this writer has met waiters lately).
 */
export class Announcer {
  readonly #redis: RedisClient;
  // Replies as Buffers: previous values returned by SET ... GET are never decoded as text.
  readonly #bytes: RedisClient;
  readonly #keys: CacheKeys;
  readonly #binary: boolean;
  // Until when (the writer's unix ms) writes announce in the same script as they write.
  #announceUntil = 0;

  constructor(redis: RedisClient, bytes: RedisClient, keys: CacheKeys, binary: boolean) {
    this.#redis = redis;
    this.#bytes = bytes;
    this.#keys = keys;
    this.#binary = binary;
  }

  /**
   * Writes one entry (`ttlText`: its TTL in ms as text for `PX`, `''` for none; `now`: the writer's
   * clock, unix ms) and wakes its waiters. Rejects with IpcErrors.
   */
  write(key: string, entry: string | Buffer, ttlText: string, now: number): Promise<void> {
    const redisKey = this.#keys.value(key);
    if (now < this.#announceUntil) return this.#writeAnnounced(key, redisKey, entry, ttlText, now);
    // The hot path: one command, and no async frame of our own around it.
    return this.#bytes
      .sendCommand<Buffer | null>(
        ttlText === '' ? ['SET', redisKey, entry, 'GET'] : ['SET', redisKey, entry, 'PX', ttlText, 'GET'],
      )
      .then((previous) => {
        // Only a key someone waits for holds the marker: every other write is this one command.
        if (previous === null || !isMarker(previous)) return;
        this.#announceUntil = now + ANNOUNCE_WINDOW_MS;
        return this.#announce(key, redisKey, entry);
      }, throwAsIpcError);
  }

  // Readers of this cache were met lately: announce within the write itself, in one round trip and
  // one atomic step, so that the message carries what the key holds. A MULTI rather than a script:
  // Redis runs it for a fraction of a script's cost, and, having answered MULTI first, it sends the
  // subscribers' message before this writer's reply (it writes to the client that got output last
  // first), so the waiter is woken without waiting for the writer to be answered.
  async #writeAnnounced(
    key: string,
    redisKey: string,
    entry: string | Buffer,
    ttlText: string,
    now: number,
  ): Promise<void> {
    const head = messageHead(this.#binary ? 'k' : 'v', key);
    let previous: Buffer | null;
    try {
      [previous] = (await this.#bytes
        .multi()
        .addCommand(
          ttlText === '' ? ['SET', redisKey, entry, 'GET'] : ['SET', redisKey, entry, 'PX', ttlText, 'GET'],
        )
        // Binary entries never travel in messages (subscribers get UTF-8 text).
        .addCommand(['PUBLISH', this.#keys.channel, this.#binary ? head : head + (entry as string)])
        .exec()) as unknown as [Buffer | null, number];
    } catch (error) {
      throw toIpcError(error);
    }
    if (previous !== null && isMarker(previous)) this.#announceUntil = now + ANNOUNCE_WINDOW_MS;
  }

  async #announce(key: string, redisKey: string, entry: string | Buffer): Promise<void> {
    const readIt = messageHead('k', key);
    // PING goes out in the same write as the announcement, before it. Redis answers clients in the
    // reverse order they got output in, so with a reply already queued for us, the subscribers'
    // message is sent first: the waiter is woken before this write even resolves.
    const ping = this.#redis.sendCommand(['PING']);
    // Binary entries never travel in messages (subscribers get UTF-8 text). A text entry goes along
    // only while the key still holds it: this is a second step, and the key may have changed.
    const announcing = this.#binary
      ? this.#redis.sendCommand(['PUBLISH', this.#keys.channel, readIt])
      : announceScript.run(this.#redis, {
          key: redisKey,
          channel: this.#keys.channel,
          entry,
          valueHead: messageHead('v', key),
          readIt,
        });
    try {
      await Promise.all([ping, announcing]);
    } catch (error) {
      throw toIpcError(error);
    }
  }
}
