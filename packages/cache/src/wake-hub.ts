import {
  backoffDelay,
  ClosedError,
  type IpcClient,
  type IpcError,
  isTransientError,
  type Subscriber,
  toIpcError,
} from '@redis-ipc/core';
import type { EntryStore, RawEntry } from './entry-store.js';
import { announces, forgetKeyspaceEvents, keyspaceEvents } from './keyspace-events.js';
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
// A marker outlives its waiter's deadline by this much, so it is never gone while someone waits.
const MARKER_SLACK_MS = 1000;
// Values announced on the channel are remembered this long (and at most this many), so that a wait
// starting just after a write it was told about (a reader a little behind its writer) needs no
// round trip. Removals through this library are announced and forget them.
const RECALL_MS = 50;
const RECALL_MAX = 1024;
// Key-space events that cannot give a key a value.
const REMOVALS = new Set(['del', 'expired', 'evicted', 'expire', 'hdel', 'hexpired']);

interface Activation {
  ended: boolean;
  confirmed: boolean;
  subscribed: Promise<void>;
  unsubscribe?: () => Promise<void>;
  keyspace?: Promise<(() => Promise<void>) | undefined>;
  poll?: NodeJS.Timeout;
  renew?: NodeJS.Timeout;
  offReconnect?: () => void;
}

/**
 * Wakes the waiters of one cache: one subscription to the cache's channel on the client's shared
 * pub/sub connection serves every waiter of every key, and messages are dispatched here by key.
 * Also arranges for writes to be announced (waiting markers), re-checks after a reconnect, and
 * watches for writes that bypass this library (key-space notifications, else a slow re-check).
 */
export class WakeHub {
  readonly #ipc: IpcClient;
  readonly #store: EntryStore;
  readonly #channel: string;
  readonly #pollMs: number;
  readonly #watchers = new Map<string, Set<Watcher>>();
  #size = 0;
  #active: Activation | undefined;
  #linger: NodeJS.Timeout | undefined;
  #idleSince = 0;
  #unsubscribing: Promise<void> = Promise.resolve();
  readonly #toArm = new Set<string>();
  #armScheduled = false;
  #armFailures = 0;
  readonly #toCheck = new Set<string>();
  #checkAll = false;
  #checkScheduled = false;
  #closed: IpcError | undefined;
  #subscriber: Subscriber | undefined;
  #checking = false;
  readonly #recent = new Map<string, { readonly raw: RawEntry; readonly at: number }>();

  constructor(ipc: IpcClient, store: EntryStore, channel: string, pollMs: number) {
    this.#ipc = ipc;
    this.#store = store;
    this.#channel = channel;
    this.#pollMs = pollMs;
  }

  /** Whether the cache's channel subscription is confirmed (a watch starting now is ready at once). */
  get subscribed(): boolean {
    return this.#active?.confirmed === true;
  }

  /** Number of watchers now. */
  get size(): number {
    return this.#size;
  }

  /** Whether the shared connection, and the subscription connection if one was opened, are up. */
  get connected(): boolean {
    if (this.#ipc.closed || !this.#ipc.redis.isReady) return false;
    return this.#subscriber === undefined || this.#subscriber.isReady;
  }

  /**
   * A value announced for `key` in the last {@link RECALL_MS} ms, with no removal announced since;
   * `undefined` when there is none (or the store does not announce removals).
   */
  recall(key: string): RawEntry | undefined {
    if (this.#recent.size === 0) return undefined;
    const recent = this.#recent.get(key);
    if (recent === undefined) return undefined;
    if (performance.now() - recent.at <= RECALL_MS) return recent.raw;
    this.#recent.delete(key);
    return undefined;
  }

  /** Forgets what was announced for `key` (this process is about to change it). */
  forget(key: string): void {
    if (this.#recent.size !== 0) this.#recent.delete(key);
  }

  /** Forgets every announced value. */
  forgetAll(): void {
    this.#recent.clear();
  }

  /** Registers a watcher for `key`. Throws {@link ClosedError} once closed. */
  watch(key: string, options: WatchOptions): Watch {
    if (this.#closed) throw this.#closed;
    const watcher: Watcher = { ...options, key, stopped: false };
    let group = this.#watchers.get(key);
    if (!group) {
      group = new Set();
      this.#watchers.set(key, group);
    }
    group.add(watcher);
    this.#size++;
    const active = this.#active ?? this.#activate();
    if (options.arm) {
      if (active.confirmed) {
        this.#queueArm([key]);
      } else {
        active.subscribed.then(
          () => this.#queueArm([key]),
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
    this.#recent.clear();
    for (const group of [...this.#watchers.values()]) {
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
    if (!group?.delete(watcher)) return;
    if (group.size === 0) this.#watchers.delete(watcher.key);
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
    this.#subscriber = subscriber;
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
    active.offReconnect = subscriber.onReconnect(() => {
      // Announcements may have been missed meanwhile.
      this.#recent.clear();
      // Anything may have happened while we were away (a restarted server lost its markers):
      // check every awaited key again, and re-read the server's notification settings.
      forgetKeyspaceEvents(this.#ipc);
      this.#watchForeignWrites(active);
      this.#queueArm(this.#watchers.keys());
    });
    if (this.#store.marksWaits) {
      active.renew = setInterval(() => this.#queueArm(this.#watchers.keys()), MARKER_RENEW_MS);
      active.renew.unref();
    }
    // Only a hub with waiters listens for the client closing: idle caches hold no listener.
    this.#ipc.closeSignal.addEventListener('abort', this.#onClientClose, { once: true });
    this.#active = active;
    this.#watchForeignWrites(active);
    return active;
  }

  #deactivate(): void {
    const active = this.#active;
    if (!active) return;
    this.#active = undefined;
    active.ended = true;
    this.#recent.clear();
    if (active.poll) clearInterval(active.poll);
    if (active.renew) clearInterval(active.renew);
    active.offReconnect?.();
    this.#ipc.closeSignal.removeEventListener('abort', this.#onClientClose);
    this.#unsubscribing = (async () => {
      try {
        await active.subscribed;
      } catch {
        return;
      }
      const keyspace = await active.keyspace;
      await Promise.all([active.unsubscribe?.(), keyspace?.()]);
    })().catch(() => {});
  }

  // Writes that bypass this library (a plain SET from another program) publish nothing. With
  // key-space notifications enabled on the server they are seen at once; otherwise awaited keys are
  // re-read every `pollMs` (one batched read per cache, only while someone waits).
  #watchForeignWrites(active: Activation): void {
    keyspaceEvents(this.#ipc).then((events) => {
      if (active.ended) return;
      const watch = this.#store.keyspace;
      if (events && announces(events.flags, watch.eventClass)) {
        if (active.poll) clearInterval(active.poll);
        active.poll = undefined;
        active.keyspace ??= this.#subscribeKeyspace(active, events.db);
      } else if (!active.poll && Number.isFinite(this.#pollMs)) {
        active.poll = setInterval(() => this.#queueCheckAll(), this.#pollMs);
        active.poll.unref();
      }
    });
  }

  async #subscribeKeyspace(active: Activation, db: number): Promise<(() => Promise<void>) | undefined> {
    const watch = this.#store.keyspace;
    const listener = (event: string, channel: string) => {
      if (REMOVALS.has(event)) return;
      const key = watch.keyOf(channel, db);
      if (key === undefined) this.#queueCheckAll();
      else if (this.#watchers.has(key)) this.#queueCheck(key);
    };
    try {
      await active.subscribed;
      const unsubscribe = await this.#ipc.subscriber.subscribe(watch.channel(db), listener, {
        pattern: watch.pattern,
      });
      if (active.ended) {
        await unsubscribe();
        return undefined;
      }
      return unsubscribe;
    } catch {
      // The channel subscription failing reports the error to the watchers; this one only adds speed.
      return undefined;
    }
  }

  readonly #onMessage = (message: string): void => {
    const parsed = parseMessage(message);
    if (!parsed) return;
    if (parsed.kind === 'removed') {
      this.#recent.clear();
      return;
    }
    if (parsed.kind === 'value') this.#remember(parsed.key, parsed.raw);
    else if (parsed.kind === 'written') this.#recent.delete(parsed.key);
    const group = this.#watchers.get(parsed.key);
    if (!group) return;
    if (parsed.kind === 'value') this.#deliver(group, { kind: 'value', raw: parsed.raw });
    else if (parsed.kind === 'released') this.#deliver(group, { kind: 'released' });
    else this.#queueCheck(parsed.key);
  };

  #remember(key: string, raw: RawEntry): void {
    if (!this.#store.announcesRemovals) return;
    // Re-inserted, so that the map stays in arrival order and the oldest goes first.
    this.#recent.delete(key);
    this.#recent.set(key, { raw, at: performance.now() });
    if (this.#recent.size > RECALL_MAX) {
      const oldest = this.#recent.keys().next();
      if (!oldest.done) this.#recent.delete(oldest.value);
    }
  }

  #deliver(group: Set<Watcher>, wake: Wake): void {
    for (const watcher of [...group]) {
      if (!watcher.stopped) watcher.onWake(wake);
    }
  }

  #failAll(error: IpcError): void {
    for (const group of [...this.#watchers.values()]) {
      for (const watcher of [...group]) watcher.onError(error);
    }
  }

  #fail(keys: readonly string[], error: IpcError): void {
    for (const key of keys) {
      const group = this.#watchers.get(key);
      if (group) for (const watcher of [...group]) watcher.onError(error);
    }
  }

  #queueArm(keys: Iterable<string>): void {
    for (const key of keys) this.#toArm.add(key);
    if (this.#armScheduled || this.#toArm.size === 0) return;
    this.#armScheduled = true;
    // Gathers the arms of waiters started in the same turn into one script call.
    queueMicrotask(() => {
      this.#armScheduled = false;
      const keys = [...this.#toArm].filter((key) => this.#watchers.has(key));
      this.#toArm.clear();
      if (keys.length > 0) this.#arm(keys);
    });
  }

  #markerTtl(key: string): number {
    let latest = 0;
    for (const watcher of this.#watchers.get(key) ?? []) latest = Math.max(latest, watcher.deadline);
    const left = latest === Number.POSITIVE_INFINITY ? MARKER_MAX_MS : latest - performance.now();
    return Math.ceil(Math.min(MARKER_MAX_MS, Math.max(0, left)) + MARKER_SLACK_MS);
  }

  #arm(keys: readonly string[]): void {
    const ttls = keys.map((key) => this.#markerTtl(key));
    this.#store.arm(keys, ttls).then(
      (values) => {
        this.#armFailures = 0;
        this.#deliverValues(keys, values);
      },
      (raw: unknown) => {
        const error = toIpcError(raw);
        if (this.#closed) return;
        if (isTransientError(error)) {
          // Redis went away mid-call: try again (a reconnect re-arms everything anyway).
          const retry = setTimeout(() => this.#queueArm(keys), backoffDelay(this.#armFailures++));
          retry.unref();
        } else if (keys.length > 1) {
          // One bad key (a foreign value of another type, say) must not fail the others.
          for (const key of keys) this.#arm([key]);
        } else {
          this.#fail(keys, error);
        }
      },
    );
  }

  #deliverValues(keys: readonly string[], values: ReadonlyArray<RawEntry | null>): void {
    keys.forEach((key, i) => {
      const raw = values[i];
      const group = this.#watchers.get(key);
      if (raw !== null && raw !== undefined && group) this.#deliver(group, { kind: 'value', raw });
    });
  }

  #queueCheck(key: string): void {
    this.#toCheck.add(key);
    this.#scheduleCheck();
  }

  #queueCheckAll(): void {
    // A re-check that cannot run now would only queue up behind the reconnect, which re-checks anyway.
    if (this.#size === 0 || this.#checking || !this.#ipc.redis.isReady) return;
    this.#checkAll = true;
    this.#scheduleCheck();
  }

  // Deferred by one turn: a key-space event for one of our own writes arrives just before the
  // message that carries the value, which then wakes the waiter with no read at all.
  #scheduleCheck(): void {
    if (this.#checkScheduled) return;
    this.#checkScheduled = true;
    setImmediate(() => {
      this.#checkScheduled = false;
      const keys = this.#checkAll
        ? [...this.#watchers.keys()]
        : [...this.#toCheck].filter((key) => this.#watchers.has(key));
      this.#checkAll = false;
      this.#toCheck.clear();
      if (keys.length === 0) return;
      this.#checking = true;
      // Where the store marks waits, the check arms as it reads: a key found empty may have had its
      // marker used up by a write whose value is already gone (expired, deleted), and without a
      // marker the next write would tell nobody.
      const check = this.#store.marksWaits
        ? this.#store.arm(keys, keys.map((key) => this.#markerTtl(key)))
        : this.#store.readMany(keys);
      check.then(
        (values) => {
          this.#checking = false;
          this.#deliverValues(keys, values);
        },
        (raw: unknown) => {
          this.#checking = false;
          const error = toIpcError(raw);
          // Unreachable Redis: the next check, the reconnect or the deadline settles it.
          if (!isTransientError(error) && !this.#closed) this.#fail(keys, error);
        },
      );
    });
  }
}
