import type { IpcClient } from '@redis-ipc/core';
import type { KeyspaceWatch } from './entry-store.js';
import { announces, forgetKeyspaceEvents, keyspaceEvents } from './keyspace-events.js';

// Key-space events that cannot give a key a value.
const REMOVALS = new Set(['del', 'expired', 'evicted', 'expire', 'hdel', 'hexpired']);

/** Told of a foreign write to `key`, or to any key when `undefined`. */
export type ForeignWriteListener = (key: string | undefined) => void;

/**
 * Notices writes that bypass this library (a plain `SET` from another program publishes nothing),
 * for as long as a cache has waiters. With key-space notifications enabled on the server they are
 * seen at once, through one pattern subscription; otherwise every awaited key is re-checked every
 * `pollMs` (a tick reports "any key").
 */
export class ForeignWrites {
  readonly #ipc: IpcClient;
  readonly #watch: KeyspaceWatch;
  readonly #pollMs: number;
  readonly #onWrite: ForeignWriteListener;
  readonly #after: Promise<void>;
  #stopped = false;
  #poll: NodeJS.Timeout | undefined;
  #keyspace: Promise<(() => Promise<void>) | undefined> | undefined;

  /**
   * Starts watching. `after`: the cache's own subscription, which goes first (when it fails, the
   * cache's waiters hear of it; this watch only adds speed).
   */
  constructor(
    ipc: IpcClient,
    watch: KeyspaceWatch,
    pollMs: number,
    after: Promise<void>,
    onWrite: ForeignWriteListener,
  ) {
    this.#ipc = ipc;
    this.#watch = watch;
    this.#pollMs = pollMs;
    this.#after = after;
    this.#onWrite = onWrite;
    this.#choose();
  }

  /** Asks the server for its notification settings again (a reconnect may have changed them). */
  refresh(): void {
    forgetKeyspaceEvents(this.#ipc);
    this.#choose();
  }

  /** Stops watching: the timer is cleared, the subscription ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
    const unsubscribe = await this.#keyspace;
    await unsubscribe?.();
  }

  #choose(): void {
    keyspaceEvents(this.#ipc).then((events) => {
      if (this.#stopped) return;
      if (events && announces(events.flags, this.#watch.eventClass)) {
        if (this.#poll) clearInterval(this.#poll);
        this.#poll = undefined;
        this.#keyspace ??= this.#subscribe(events.db);
      } else if (!this.#poll && Number.isFinite(this.#pollMs)) {
        this.#poll = setInterval(() => this.#onWrite(undefined), this.#pollMs);
        this.#poll.unref();
      }
    });
  }

  async #subscribe(db: number): Promise<(() => Promise<void>) | undefined> {
    const watch = this.#watch;
    const listener = (event: string, channel: string) => {
      if (!REMOVALS.has(event)) this.#onWrite(watch.keyOf(channel, db));
    };
    try {
      await this.#after;
      const unsubscribe = await this.#ipc.subscriber.subscribe(watch.channel(db), listener, {
        pattern: watch.pattern,
      });
      if (this.#stopped) {
        await unsubscribe();
        return undefined;
      }
      return unsubscribe;
    } catch {
      return undefined;
    }
  }
}
