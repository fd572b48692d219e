import type { PayloadOptions } from '@redis-ipc/core';

/** Options of {@link createCache}. */
export interface CacheOptions<T> extends PayloadOptions<T> {
  /**
   * Time to live of every entry written without its own `ttlMs`, in milliseconds (rounded up to a
   * whole ms). `undefined` or `Infinity`: entries do not expire.
   * @default undefined
   */
  ttlMs?: number;
  /**
   * How long `getOrSet`'s lock lasts, in ms, unless the call says otherwise. A running loader renews
   * it every third of this; a loader whose process died is taken over this long after its last
   * renewal.
   * @default 5000
   */
  lockMs?: number;
  /**
   * How long `waitFor` (and `getOrSet` waiting for another process's loader) waits unless the call
   * says otherwise, in ms; `Infinity` waits for ever.
   * @default Infinity
   */
  waitTimeoutMs?: number;
  /**
   * Writes that bypass this library (a plain `SET` from another program) publish nothing. When the
   * server has key-space notifications enabled, waiters see such writes at once; otherwise the keys
   * being waited for are re-read this often, in ms (one batched read per cache, only while someone
   * waits). `Infinity` turns the re-check off.
   * @default 1000
   */
  foreignWritePollMs?: number;
}

/** Options of {@link Cache.set}, {@link Cache.mset}. */
export interface SetOptions {
  /**
   * Time to live in ms (rounded up to a whole ms); `Infinity` for no expiry.
   * @default the cache's `ttlMs`
   */
  ttlMs?: number;
}

/** Options of {@link Cache.waitFor}. */
export interface WaitForOptions {
  /**
   * How long to wait in ms; `Infinity` waits for ever.
   * @default the cache's `waitTimeoutMs`
   */
  timeoutMs?: number;
  /**
   * Aborts the wait: it rejects with `AbortError` at once.
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of {@link Cache.getOrSet}. */
export interface GetOrSetOptions extends SetOptions {
  /**
   * How long the loader's lock lasts, in ms (renewed while the loader runs).
   * @default the cache's `lockMs`
   */
  lockMs?: number;
  /**
   * How long to wait for another process's loader in total, in ms; `Infinity` waits for ever. Does
   * not limit this process's own loader.
   * @default the cache's `waitTimeoutMs`
   */
  timeoutMs?: number;
  /**
   * Aborts the wait for another process's loader (not a loader already running here).
   * @default undefined
   */
  signal?: AbortSignal;
}

/** An entry with its timestamps. */
export interface CacheEntry<T> {
  /** The value. */
  readonly value: T;
  /**
   * When it was written, in unix ms (the writer's clock); `undefined` for a bare value that another
   * program wrote without the entry header.
   */
  readonly setAt: number | undefined;
  /** When it expires, in unix ms (the writer's clock); `undefined` when it does not expire. */
  readonly expiresAt: number | undefined;
}

/** Computes a missing value for {@link Cache.getOrSet}. */
export type CacheLoader<T> = (key: string) => T | Promise<T>;
