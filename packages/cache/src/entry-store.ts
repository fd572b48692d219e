import type { DecodeError } from '@redis-ipc/core';
import type { StoredEntry } from './envelope.js';
import type { LockStep } from './scripts/lock-step.js';

/** A stored entry as Redis returns it, before {@link EntryStore.open}. */
export type RawEntry = string | Buffer;

/** Options of {@link EntryStore.arm}. */
export interface ArmOptions {
  /**
   * Whether a marker already in place must be kept alive for `ttlMs` (a new wait, a renewal). A
   * re-check only needs an empty key marked: a marker it finds serves already.
   * @default true
   */
  readonly keepAlive?: boolean;
}

/** An entry to write: the key and the payload the codec produced. */
export type PayloadEntry = readonly [key: string, payload: string | Buffer];

/** How keyspace notifications reveal writes that did not go through this library. */
export interface KeyspaceWatch {
  /** Event class that must be enabled in `notify-keyspace-events` besides `K` (`A` covers all). */
  readonly eventClass: string;
  /** The channel (a pattern when {@link KeyspaceWatch.pattern}) for database `db`. */
  channel(db: number): string;
  /** Whether {@link KeyspaceWatch.channel} is a pattern. */
  readonly pattern: boolean;
  /** The cache key a notification is about, or `undefined` when it may concern any key. */
  keyOf(channel: string, db: number): string | undefined;
}

/**
 * How one cache lays out its entries in Redis: a string key per entry (prefixed mode), or the Rust
 * crate's hash per cache (raw mode). Every method throws {@link IpcError}s.
 */
export interface EntryStore {
  /** Whether stored entries are read as Buffers. */
  readonly binary: boolean;
  /** Whether awaited keys hold a marker that must be kept alive (see {@link EntryStore.arm}). */
  readonly marksWaits: boolean;
  /**
   * Whether every removal through this library is announced, so that values announced a moment ago
   * may answer a wait (see {@link RecallMemory}).
   */
  readonly announcesRemovals: boolean;
  /** Keyspace notifications that reveal foreign writes. */
  readonly keyspace: KeyspaceWatch;
  /**
   * The stored entry, `null` when there is none, or a waiting marker (which {@link EntryStore.payload}
   * and {@link EntryStore.open} turn into `undefined`). Rejects with node-redis errors as they are:
   * this is the hot path, the caller maps them.
   */
  fetch(key: string): Promise<RawEntry | null>;
  /** The stored entries of several keys, in order. */
  readMany(keys: readonly string[]): Promise<Array<RawEntry | null>>;
  /**
   * Splits a stored entry; `undefined` for a waiting marker, or an entry that has expired but was not
   * removed yet (raw mode). Throws {@link DecodeError} for an entry it cannot read.
   */
  open(raw: RawEntry, key: string): StoredEntry | undefined;
  /** Just the payload of {@link EntryStore.open}, cheaper. */
  payload(raw: RawEntry, key: string): string | Buffer | undefined;
  /** Writes one entry and wakes its waiters. */
  write(key: string, payload: string | Buffer, ttlMs: number | undefined): Promise<void>;
  /** Writes several entries at once and wakes their waiters. */
  writeMany(entries: readonly PayloadEntry[], ttlMs: number | undefined): Promise<void>;
  /** Whether the key has an entry. */
  has(key: string): Promise<boolean>;
  /** Deletes the key's entry; true if there was one. */
  remove(key: string): Promise<boolean>;
  /** Deletes every entry of the cache; resolves with how many. */
  clear(): Promise<number>;
  /**
   * Makes sure the next write to each key wakes its waiters, and returns what the keys hold now.
   * `ttlMs[i]` is how long the arrangement for `keys[i]` must last.
   */
  arm(
    keys: readonly string[],
    ttlMs: readonly number[],
    options?: ArmOptions,
  ): Promise<Array<RawEntry | null>>;
  /** Returns the value, or takes the loader's lock, or reports how long someone else holds it. */
  getOrLock(key: string, token: string, lockMs: number, waitMs: number): Promise<LockStep>;
}
