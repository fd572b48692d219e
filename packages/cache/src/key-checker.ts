import { type IpcClient, type IpcError, isTransientError, toIpcError } from '@redis-ipc/core';
import { backoffDelay } from '@redis-ipc/core/internal';
import type { EntryStore, RawEntry } from './entry-store.js';

/** What {@link KeyChecker} needs from the hub whose keys it checks. */
export interface AwaitedKeys {
  /** How many watchers there are (0: nothing to check). */
  count(): number;
  /** Whether the hub is closed (failures are then nobody's business). */
  isClosed(): boolean;
  /** Every key watched now. */
  keys(): Iterable<string>;
  /** Whether `key` is watched now. */
  has(key: string): boolean;
  /** How long `key`'s waiting marker must live, in ms. */
  markerTtl(key: string): number;
  /** Hands a value found for `key` to its watchers. */
  found(key: string, raw: RawEntry): void;
  /** Fails `key`'s watchers. */
  fail(key: string, error: IpcError): void;
}

/**
 * Arms and re-checks the keys of one cache's watchers, in batches: arms of waits started in the same
 * turn go out as one call, and so do checks asked for in the same turn. Where the store marks waits,
 * a check arms as it reads (see {@link KeyChecker.check}).
 */
export class KeyChecker {
  readonly #ipc: IpcClient;
  readonly #store: EntryStore;
  readonly #awaited: AwaitedKeys;
  // Replaced rather than cleared once taken: V8 links a cleared Set's old table to its new one, a
  // chain that keeps every later batch alive until a full collection once one table is promoted.
  #toArm = new Set<string>();
  #armScheduled = false;
  #armFailures = 0;
  #toCheck = new Set<string>();
  #checkAll = false;
  #checkScheduled = false;
  #checking = false;

  constructor(ipc: IpcClient, store: EntryStore, awaited: AwaitedKeys) {
    this.#ipc = ipc;
    this.#store = store;
    this.#awaited = awaited;
  }

  /**
   * Makes sure the next write to each key is announced, and hands the value of any key that has one
   * to its watchers. Retried while Redis is unreachable.
   */
  arm(keys: Iterable<string>): void {
    for (const key of keys) this.#toArm.add(key);
    if (this.#armScheduled || this.#toArm.size === 0) return;
    this.#armScheduled = true;
    queueMicrotask(() => {
      this.#armScheduled = false;
      const keys = [...this.#toArm].filter((key) => this.#awaited.has(key));
      this.#toArm = new Set();
      if (keys.length > 0) this.#armNow(keys);
    });
  }

  /**
   * Reads `key` again (a write was announced without its value, or seen through key-space events).
   * Where the store marks waits, the read arms the key too: a key found empty may have had its
   * marker used up by a write whose value is already gone (expired, deleted), and without a marker
   * the next write would tell nobody.
   */
  check(key: string): void {
    this.#toCheck.add(key);
    this.#scheduleCheck();
  }

  /** Reads every awaited key again (a foreign write may have reached any of them). */
  checkAll(): void {
    // A re-check that cannot run now would only queue up behind the reconnect, which re-checks anyway.
    if (this.#awaited.count() === 0 || this.#checking || !this.#ipc.redis.isReady) return;
    this.#checkAll = true;
    this.#scheduleCheck();
  }

  #armNow(keys: readonly string[]): void {
    this.#armed(keys, true).then(
      (values) => {
        this.#armFailures = 0;
        this.#deliver(keys, values);
      },
      (raw: unknown) => {
        const error = toIpcError(raw);
        if (this.#awaited.isClosed()) return;
        if (isTransientError(error)) {
          // Redis went away mid-call: try again (a reconnect re-arms everything anyway).
          const retry = setTimeout(() => this.arm(keys), backoffDelay(this.#armFailures++));
          retry.unref();
        } else if (keys.length > 1) {
          // One bad key (a foreign value of another type, say) must not fail the others.
          for (const key of keys) this.#armNow([key]);
        } else {
          for (const key of keys) this.#awaited.fail(key, error);
        }
      },
    );
  }

  #armed(keys: readonly string[], keepAlive: boolean): Promise<Array<RawEntry | null>> {
    return this.#store.arm(
      keys,
      keys.map((key) => this.#awaited.markerTtl(key)),
      { keepAlive },
    );
  }

  // Deferred by one turn: a key-space event for one of our own writes arrives just before the
  // message that carries the value, which then wakes the waiter with no read at all.
  #scheduleCheck(): void {
    if (this.#checkScheduled) return;
    this.#checkScheduled = true;
    setImmediate(() => {
      this.#checkScheduled = false;
      const keys = this.#checkAll
        ? [...this.#awaited.keys()]
        : [...this.#toCheck].filter((key) => this.#awaited.has(key));
      this.#checkAll = false;
      this.#toCheck = new Set();
      if (keys.length === 0) return;
      this.#checking = true;
      const read = this.#store.marksWaits ? this.#armed(keys, false) : this.#store.readMany(keys);
      read.then(
        (values) => {
          this.#checking = false;
          this.#deliver(keys, values);
        },
        (raw: unknown) => {
          this.#checking = false;
          const error = toIpcError(raw);
          // Unreachable Redis: the next check, the reconnect or the deadline settles it.
          if (!isTransientError(error) && !this.#awaited.isClosed()) {
            for (const key of keys) this.#awaited.fail(key, error);
          }
        },
      );
    });
  }

  #deliver(keys: readonly string[], values: ReadonlyArray<RawEntry | null>): void {
    keys.forEach((key, i) => {
      const raw = values[i];
      if (raw !== null && raw !== undefined) this.#awaited.found(key, raw);
    });
  }
}
