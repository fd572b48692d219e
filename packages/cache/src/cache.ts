import {
  ClosedError,
  ConnectionError,
  InvalidArgumentError,
  type IpcClient,
  PayloadCodec,
  TimeoutError,
  toIpcError,
} from '@redis-ipc/core';
import { throwAsIpcError, throwIfAborted, validateTimeout } from '@redis-ipc/core/internal';
import { validateKey } from './cache-key.js';
import { CacheKeys } from './cache-keys.js';
import { cacheSettings, positiveMs, ttlOption } from './cache-settings.js';
import { lookBeforeGivingUp } from './deadline-look.js';
import type { EntryStore, PayloadEntry, RawEntry } from './entry-store.js';
import { HashStore } from './hash-store.js';
import type {
  CacheEntry,
  CacheLoader,
  CacheOptions,
  GetOrSetOptions,
  SetOptions,
  WaitForOptions,
} from './options.js';
import { getOrLoad } from './single-flight.js';
import { StringStore } from './string-store.js';
import { Waiter } from './waiter.js';
import { WakeHub } from './wake-hub.js';

/**
 * A cache shared by every process that opens it under the same name: values with millisecond
 * expiry, reads that can wait for a key to appear (woken by the write itself, not by polling), and
 * `getOrSet` with single flight across processes. Make one with {@link createCache}.
 */
export class Cache<T> {
  /** The cache's name. */
  readonly name: string;
  readonly #ipc: IpcClient;
  readonly #store: EntryStore;
  readonly #hub: WakeHub;
  readonly #payload: PayloadCodec<T>;
  readonly #ttlMs: number | undefined;
  readonly #lockMs: number;
  readonly #waitTimeoutMs: number;
  readonly #keys: CacheKeys;
  #closed = false;

  /** Use {@link createCache}. */
  constructor(ipc: IpcClient, name: string, options: CacheOptions<T> = {}) {
    const keys = new CacheKeys(ipc, name);
    const settings = cacheSettings(options);
    this.name = name;
    this.#ipc = ipc;
    this.#keys = keys;
    this.#payload = new PayloadCodec(options);
    this.#ttlMs = settings.ttlMs;
    this.#lockMs = settings.lockMs;
    this.#waitTimeoutMs = settings.waitTimeoutMs;
    if (ipc.keys.raw && this.#payload.binary) {
      throw new InvalidArgumentError(
        'Raw mode stores JSON text (the Rust crate format): binary codecs cannot be used',
      );
    }
    this.#store = ipc.keys.raw ? new HashStore(ipc, keys) : new StringStore(ipc, keys, this.#payload.binary);
    this.#hub = new WakeHub(ipc, this.#store, keys.channel, settings.foreignWritePollMs);
  }

  /** Number of `waitFor` / `getOrSet` waits in progress on this cache in this process. */
  get waiting(): number {
    return this.#hub.size;
  }

  /** The value of `key`, or `undefined` when it has none (or it expired). Rejects with DecodeError for a bad payload. */
  get(key: string): Promise<T | undefined> {
    try {
      this.#assertOpen();
      validateKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    // The hot path: the command's own promise and one `then`, no async frame of ours around it.
    return this.#store.fetch(key).then((raw) => {
      if (raw === null) return undefined;
      const payload = this.#store.payload(raw, key);
      return payload === undefined ? undefined : this.#decodePayload(payload, key);
    }, throwAsIpcError);
  }

  /** The value of `key` with its timestamps, or `undefined`. */
  async getEntry(key: string): Promise<CacheEntry<T> | undefined> {
    this.#assertOpen();
    validateKey(key);
    const raw = await this.#fetch(key);
    const entry = raw === null ? undefined : this.#store.open(raw, key);
    if (entry === undefined) return undefined;
    return {
      value: await this.#payload.decode(entry.payload, key),
      setAt: entry.setAt,
      expiresAt: entry.expiresAt,
    };
  }

  /** Whether `key` has a value. */
  has(key: string): Promise<boolean> {
    try {
      this.#assertOpen();
      validateKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#store.has(key);
  }

  /**
   * Stores `value` under `key`, value and expiry in one atomic write, and wakes the key's waiters in
   * every process. Rejects with InvalidArgumentError / PayloadTooLargeError before sending anything
   * when the value cannot be encoded.
   */
  set(key: string, value: T, options?: SetOptions): Promise<void> {
    let payload: string | Buffer;
    let ttlMs: number | undefined;
    try {
      this.#assertOpen();
      validateKey(key);
      ttlMs = options?.ttlMs === undefined ? this.#ttlMs : ttlOption(options.ttlMs, this.#ttlMs, 'ttlMs');
      payload = this.#payload.encode(value);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#hub.recent.forget(key);
    return this.#store.write(key, payload, ttlMs);
  }

  /** Removes `key`'s value; resolves with whether it had one. Waiters of the key keep waiting. */
  async delete(key: string): Promise<boolean> {
    this.#assertOpen();
    validateKey(key);
    this.#hub.recent.forget(key);
    return this.#store.remove(key);
  }

  /** The values of several keys, in order (`undefined` where there is none). */
  async mget(keys: readonly string[]): Promise<Array<T | undefined>> {
    this.#assertOpen();
    for (const key of keys) validateKey(key);
    if (keys.length === 0) return [];
    const raws = await this.#store.readMany(keys);
    return Promise.all(raws.map((raw, i) => (raw === null ? undefined : this.#decode(raw, keys[i]!))));
  }

  /**
   * Stores several values at once, all with the same TTL, in one atomic step, and wakes their
   * waiters. Nothing is written if one value cannot be encoded. A key given twice keeps the later value.
   */
  async mset(entries: Iterable<readonly [string, T]>, options?: SetOptions): Promise<void> {
    this.#assertOpen();
    const ttlMs = ttlOption(options?.ttlMs, this.#ttlMs, 'ttlMs');
    const encoded: PayloadEntry[] = [];
    for (const [key, value] of entries) encoded.push([validateKey(key), this.#payload.encode(value)]);
    for (const [key] of encoded) this.#hub.recent.forget(key);
    if (encoded.length > 0) await this.#store.writeMany(encoded, ttlMs);
  }

  /**
   * Removes every entry of this cache (and no other cache's), without KEYS: SCAN over the cache's
   * own key space in prefixed mode, one hash in raw mode. Resolves with how many entries it removed.
   * Entries written while it runs may survive. Waiters keep waiting.
   */
  async clear(): Promise<number> {
    this.#assertOpen();
    this.#hub.recent.forgetAll();
    return this.#store.clear();
  }

  /**
   * Resolves with the value of `key` as soon as it has one: at once if it already has, else when a
   * write through this library (in any process) announces it, with no polling. Writes that bypass
   * this library are seen through key-space notifications when the server has them enabled, or else
   * by a re-check every `foreignWritePollMs`. A wait that starts within 50 ms after a write this
   * process was told about resolves with it without a round trip (removals through this library are
   * honoured; see the README). Rejects with TimeoutError when `timeoutMs` passes and a last look
   * then finds no value, or gets no answer within 500 ms (ConnectionError if Redis is
   * unreachable at that moment), AbortError at once when `signal` aborts, ClosedError when the cache
   * or client closes.
   */
  waitFor(key: string, options: WaitForOptions = {}): Promise<T> {
    let timeoutMs: number;
    try {
      this.#assertOpen();
      validateKey(key);
      timeoutMs = validateTimeout(options.timeoutMs ?? this.#waitTimeoutMs);
      throwIfAborted(options.signal);
      // A value this process was told about a moment ago answers at once (see RecallMemory).
      const recalled = this.#hub.recent.recall(key);
      const known = recalled === undefined ? undefined : this.#store.open(recalled, key);
      if (known !== undefined && (known.expiresAt === undefined || known.expiresAt > Date.now())) {
        return Promise.resolve(this.#decodePayload(known.payload, key));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const deadline =
      timeoutMs === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : performance.now() + timeoutMs;
    // The wake decodes the value and settles the caller's promise itself: no turn of an awaiting
    // function of ours lies between a message and the caller.
    const waiter = new Waiter<T | Promise<T>>(this.#hub, key, {
      arm: true,
      deadline,
      signal: options.signal,
      probe: () => this.#fetch(key),
      select: (wake) => {
        if (wake.kind !== 'value') return undefined;
        const payload = this.#store.payload(wake.raw, key);
        return payload === undefined ? undefined : this.#decodePayload(payload, key);
      },
      onDeadline: () => this.#atDeadline(key, timeoutMs, options.signal),
    });
    // Never undefined: onDeadline decides when the deadline passes.
    return waiter.result as Promise<T>;
  }

  // One last look at the deadline: a timeout means the key had no value then, even for a wait
  // shorter than a round trip, or a write nobody announced. A server that does not answer it within
  // LOOK_GRACE_MS (see deadline-look.ts) times the wait out all the same.
  async #atDeadline(key: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<T> {
    const raw = await this.#lastLook(key, timeoutMs, signal);
    if (raw === undefined) {
      throw new ConnectionError(`Redis was unreachable when the ${timeoutMs} ms wait ended`);
    }
    const payload = raw === null ? undefined : this.#store.payload(raw, key);
    if (payload === undefined) throw new TimeoutError(timeoutMs);
    return this.#decodePayload(payload, key);
  }

  /**
   * The value of `key`; on a miss, computes it with `loader`, stores it and returns it. Single
   * flight across processes: at most one caller (in any process) runs the loader for a key at a
   * time, the others wait for its value. A loader that throws releases the lock at once and its
   * error reaches its own caller; the waiters then take over. A loader whose process dies loses the
   * lock `lockMs` after its last renewal, and a waiter takes over. Rejects with TimeoutError when
   * waiting for another loader outlasts `timeoutMs` (a look at the key then gets
   * 500 ms more, even from a server that answers nothing), AbortError on abort.
   */
  async getOrSet(key: string, loader: CacheLoader<T>, options: GetOrSetOptions = {}): Promise<T> {
    this.#assertOpen();
    validateKey(key);
    if (typeof loader !== 'function') throw new InvalidArgumentError('loader must be a function');
    const ttlMs = ttlOption(options.ttlMs, this.#ttlMs, 'ttlMs');
    const lockMs = positiveMs(options.lockMs ?? this.#lockMs, 'lockMs');
    const timeoutMs = validateTimeout(options.timeoutMs ?? this.#waitTimeoutMs);
    const deadline =
      timeoutMs === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : performance.now() + timeoutMs;
    const hit = await lookBeforeGivingUp(this.get(key), timeoutMs, options.signal, deadline);
    if (hit !== undefined) return hit;
    return getOrLoad(
      {
        redis: this.#ipc.redis,
        store: this.#store,
        hub: this.#hub,
        keys: this.#keys,
        decode: (raw, k) => this.#decode(raw, k),
        write: (k, value, ms) => this.#store.write(k, this.#payload.encode(value), ms),
      },
      key,
      loader,
      { ttlMs, lockMs, timeoutMs, deadline, signal: options.signal },
    );
  }

  /** Whether {@link Cache.close} was called (or the client closed). */
  get closed(): boolean {
    return this.#closed || this.#ipc.closed;
  }

  /**
   * Closes this cache: its waits reject with ClosedError, its subscriptions end, and every later
   * call rejects with ClosedError. The client stays open. Idempotent. Closing the client closes its
   * caches too.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('The cache is closed');
  }

  // What the key holds, over the shared connection; `undefined` when Redis cannot be asked now (a
  // command would only queue until it is back). The subscription connection plays no part: one
  // still connecting, or reconnecting, does not make the value unreadable. Rejects with the wait's
  // TimeoutError when a connected server does not answer in time (stopped, or busy).
  #lastLook(
    key: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<RawEntry | null | undefined> {
    if (this.#ipc.closed || !this.#ipc.redis.isReady) return Promise.resolve(undefined);
    const look = this.#store.fetch(key).catch(() => undefined);
    return lookBeforeGivingUp(look, timeoutMs, signal);
  }

  async #fetch(key: string): Promise<RawEntry | null> {
    try {
      return await this.#store.fetch(key);
    } catch (error) {
      throw toIpcError(error);
    }
  }

  // Without a schema, decoding is synchronous: skip the extra turns of an awaited promise.
  #decodePayload(payload: string | Buffer, key: string): T | Promise<T> {
    return this.#payload.schema === undefined
      ? this.#payload.decodeUnchecked(payload, key)
      : this.#payload.decode(payload, key);
  }

  #decode(raw: RawEntry, key: string): Promise<T> | undefined {
    const entry = this.#store.open(raw, key);
    return entry === undefined ? undefined : this.#payload.decode(entry.payload, key);
  }
}

/**
 * Opens the cache `name` on `ipc`. Every process that opens the same name (with the same prefix)
 * shares its entries. Throws InvalidNameError for a bad name.
 *
 * @example
 * const sessions = createCache<Session>(ipc, 'sessions', { ttlMs: 60_000 });
 * await sessions.set('u1', { user: 'ada' });
 * const session = await sessions.waitFor('u2', { timeoutMs: 5000 });
 */
export function createCache<T>(ipc: IpcClient, name: string, options?: CacheOptions<T>): Cache<T> {
  return new Cache<T>(ipc, name, options);
}
