import { ClosedError, type IpcClient, type IpcError, toIpcError } from '@redis-ipc/core';
import { StringMap } from '@redis-ipc/core/internal';
import { onClientClose } from './client-close.js';
import type { EntryStore, RawEntry } from './entry-store.js';
import { ForeignWrites } from './foreign-writes.js';
import { KeyChecker } from './key-checker.js';
import { RecallMemory } from './recall-memory.js';
import { MARKER_SLACK_MS } from './waiting-marker.js';
import { parseMessage } from './wake-message.js';

/** What wakes a watcher: a value was written, or a getOrSet lock was given up without one. */
export type Wake = { readonly kind: 'value'; readonly raw: RawEntry } | { readonly kind: 'released' };

/** Options of {@link WakeHub.watch}. */
export interface WatchOptions {
  /** Arrange for the key's next write to be announced, and report its current value if it has one. */
  readonly arm: boolean;
  /** When the watcher gives up at the latest (`performance.now()` time, `Infinity` for never). */
  readonly deadline: number;
  /** Called for every wake until the watch is stopped. */
  readonly onWake: (wake: Wake) => void;
  /** Called when the watch cannot go on (closed, or Redis refused a command for good). */
  readonly onError: (error: IpcError) => void;
}

/** A registered watcher. */
export interface Watch {
  /** Resolves once the channel subscription is confirmed: a write announced after it wakes us. */
  readonly ready: Promise<void>;
  /** Stops watching. Idempotent. */
  stop(): void;
}

interface Watcher extends WatchOptions {
  readonly key: string;
  stopped: boolean;
}

// While a cache has watchers it keeps one subscription (plus, when the server announces key-space
// events, one pattern subscription, or else one re-check timer). They linger this long after the
// last watcher leaves, so back-to-back waits do not resubscribe each time.
const LINGER_MS = 2000;
// A waiting marker lives at most this long; markers of longer waits are renewed on a timer.
const MARKER_MAX_MS = 30_000;
const MARKER_RENEW_MS = 10_000;

interface Activation {
  ended: boolean;
  confirmed: boolean;
  subscribed: Promise<void>;
  unsubscribe?: () => Promise<void>;
  foreign?: ForeignWrites;
  renew?: NodeJS.Timeout;
  offReconnect?: () => void;
  offClientClose?: () => void;
}

/**
 * Wakes the waiters of one cache: one subscription to the cache's channel on the client's shared
 * pub/sub connection serves every waiter of every key, and messages are dispatched here by key.
 * Also arranges for writes to be announced (waiting markers), re-checks after a reconnect and when
 * {@link ForeignWrites} sees a write that bypassed this library, and keeps a {@link RecallMemory} of
 * what the channel announced.
 */
export class WakeHub {
  readonly #ipc: IpcClient;
  readonly #store: EntryStore;
  readonly #channel: string;
  readonly #pollMs: number;
  // Watchers come and go with every wait: a StringMap, not a Map (see StringMap).
  readonly #watchers = new StringMap<Watcher[]>();
  #size = 0;
  #active: Activation | undefined;
  #linger: NodeJS.Timeout | undefined;
  #idleSince = 0;
  #unsubscribing: Promise<void> = Promise.resolve();
  #closed: IpcError | undefined;
  readonly #checker: KeyChecker;
  /** Values announced a moment ago, which may answer a wait without a round trip. */
  readonly recent: RecallMemory;

  constructor(ipc: IpcClient, store: EntryStore, channel: string, pollMs: number) {
    this.#ipc = ipc;
    this.#store = store;
    this.#channel = channel;
    this.#pollMs = pollMs;
    this.recent = new RecallMemory(store.announcesRemovals);
    const watchers = this.#watchers;
    this.#checker = new KeyChecker(ipc, store, {
      count: () => this.#size,
      isClosed: () => this.#closed !== undefined,
      keys: () => watchers.keys(),
      has: (key) => watchers.has(key),
      markerTtl: (key) => this.#markerTtl(key),
      found: (key, raw) => {
        const group = watchers.get(key);
        if (group) this.#deliver(group, { kind: 'value', raw });
      },
      fail: (key, error) => {
        const group = watchers.get(key);
        if (group) for (const watcher of [...group]) watcher.onError(error);
      },
    });
  }

  /** Whether the cache's channel subscription is confirmed (a watch starting now is ready at once). */
  get subscribed(): boolean {
    return this.#active?.confirmed === true;
  }

  /** Number of watchers now. */
  get size(): number {
    return this.#size;
  }

  /** Registers a watcher for `key`. Throws {@link ClosedError} once closed. */
  watch(key: string, options: WatchOptions): Watch {
    if (this.#closed) throw this.#closed;
    // Field by field, not `{ ...options }`: V8 made each such spread copy in the old generation.
    const { arm, deadline, onWake, onError } = options;
    const watcher: Watcher = { arm, deadline, onWake, onError, key, stopped: false };
    const group = this.#watchers.get(key);
    if (group) group.push(watcher);
    else this.#watchers.set(key, [watcher]);
    this.#size++;
    const active = this.#active ?? this.#activate();
    if (options.arm) {
      if (active.confirmed) {
        this.#checker.arm([key]);
      } else {
        active.subscribed.then(
          () => this.#checker.arm([key]),
          () => {},
        );
      }
    }
    return { ready: active.subscribed, stop: () => this.#remove(watcher) };
  }

  /** Fails every watcher with `error` and drops the subscriptions. */
  close(error: IpcError = new ClosedError('The cache is closed')): void {
    if (this.#closed) return;
    this.#closed = error;
    this.recent.forgetAll();
    for (const group of this.#watchers.values()) {
      for (const watcher of [...group]) watcher.onError(error);
    }
    this.#watchers.clear();
    this.#size = 0;
    if (this.#linger) clearTimeout(this.#linger);
    this.#deactivate();
  }

  readonly #onClientClose = () => this.close(new ClosedError());

  #remove(watcher: Watcher): void {
    if (watcher.stopped) return;
    watcher.stopped = true;
    const group = this.#watchers.get(watcher.key);
    const at = group === undefined ? -1 : group.indexOf(watcher);
    if (group === undefined || at < 0) return;
    if (group.length === 1) this.#watchers.delete(watcher.key);
    else group.splice(at, 1);
    if (--this.#size === 0 && !this.#closed) {
      this.#idleSince = performance.now();
      this.#linger ??= this.#scheduleLinger(LINGER_MS);
    }
  }

  // One timer for the idle period rather than one per wait: waits that start and end back to back
  // (a busy waiter loop) neither create nor clear timers.
  #scheduleLinger(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#linger = undefined;
      if (this.#size > 0 || this.#closed) return;
      const idle = performance.now() - this.#idleSince;
      if (idle >= LINGER_MS) this.#deactivate();
      else this.#linger = this.#scheduleLinger(LINGER_MS - idle);
    }, ms);
    timer.unref();
    return timer;
  }

  #activate(): Activation {
    const subscriber = this.#ipc.subscriber;
    const previous = this.#unsubscribing;
    const active: Activation = { ended: false, confirmed: false, subscribed: Promise.resolve() };
    active.subscribed = (async () => {
      await previous;
      const unsubscribe = await subscriber.subscribe(this.#channel, this.#onMessage);
      if (active.ended) {
        await unsubscribe();
      } else {
        active.unsubscribe = unsubscribe;
        active.confirmed = true;
      }
    })();
    active.subscribed.catch((error: unknown) => {
      if (this.#active !== active) return;
      // Start afresh on the next watch rather than keep a failed subscription.
      this.#deactivate();
      this.#failAll(toIpcError(error));
    });
    const foreign = new ForeignWrites(
      this.#ipc,
      this.#store.keyspace,
      this.#pollMs,
      active.subscribed,
      (key) => {
        if (key === undefined) this.#checker.checkAll();
        else if (this.#watchers.has(key)) this.#checker.check(key);
      },
    );
    active.foreign = foreign;
    active.offReconnect = subscriber.onReconnect(() => {
      // Announcements may have been missed meanwhile.
      this.recent.forgetAll();
      // Anything may have happened while we were away (a restarted server lost its markers):
      // check every awaited key again, and re-read the server's notification settings.
      foreign.refresh();
      this.#checker.arm(this.#watchers.keys());
    });
    if (this.#store.marksWaits) {
      active.renew = setInterval(() => this.#checker.arm(this.#watchers.keys()), MARKER_RENEW_MS);
      active.renew.unref();
    }
    // Only a hub with waiters listens for the client closing: idle caches hold no listener.
    active.offClientClose = onClientClose(this.#ipc, this.#onClientClose);
    this.#active = active;
    return active;
  }

  #deactivate(): void {
    const active = this.#active;
    if (!active) return;
    this.#active = undefined;
    active.ended = true;
    this.recent.forgetAll();
    if (active.renew) clearInterval(active.renew);
    active.offReconnect?.();
    active.offClientClose?.();
    const foreignStopped = active.foreign?.stop();
    this.#unsubscribing = (async () => {
      try {
        await active.subscribed;
      } catch {
        return;
      }
      await Promise.all([active.unsubscribe?.(), foreignStopped]);
    })().catch(() => {});
  }

  readonly #onMessage = (message: string): void => {
    const parsed = parseMessage(message);
    if (!parsed) return;
    const group = parsed.kind === 'removed' ? undefined : this.#watchers.get(parsed.key);
    if (parsed.kind === 'value') {
      if (group) this.#deliver(group, { kind: 'value', raw: parsed.raw });
      // After the wake: the woken waiters resume before the value is remembered.
      this.recent.hearSoon(parsed);
      return;
    }
    this.recent.hear(parsed);
    if (!group) return;
    if (parsed.kind === 'released') this.#deliver(group, { kind: 'released' });
    else this.#checker.check(parsed.key);
  };

  #deliver(group: readonly Watcher[], wake: Wake): void {
    for (const watcher of [...group]) {
      if (!watcher.stopped) watcher.onWake(wake);
    }
  }

  #failAll(error: IpcError): void {
    for (const group of this.#watchers.values()) {
      for (const watcher of [...group]) watcher.onError(error);
    }
  }

  #markerTtl(key: string): number {
    let latest = 0;
    for (const watcher of this.#watchers.get(key) ?? []) latest = Math.max(latest, watcher.deadline);
    const left = latest === Number.POSITIVE_INFINITY ? MARKER_MAX_MS : latest - performance.now();
    return Math.ceil(Math.min(MARKER_MAX_MS, Math.max(0, left)) + MARKER_SLACK_MS);
  }
}
