import { toIpcError } from './errors.js';
import { destroyClient, type RedisClient } from './redis-client.js';
import type { RedisCluster } from './topology/cluster-redis.js';
import type { RedisSentinel } from './topology/sentinel-redis.js';

/** Receives one published message. */
export type MessageListener = (message: string, channel: string) => void;

/** Options of {@link Subscriber.subscribe}. */
export interface SubscribeOptions {
  /**
   * Treat the channel as a glob pattern (PSUBSCRIBE), e.g. for keyspace notifications.
   * @default false
   */
  pattern?: boolean;
}

/** The pub/sub side of one topology: a dedicated connection, or a cluster's sharded subscriptions. */
interface PubSubPort {
  readonly connecting: Promise<unknown>;
  readonly isOpen: boolean;
  readonly isReady: boolean;
  subscribe(channel: string, listener: MessageListener, pattern: boolean): Promise<unknown>;
  unsubscribe(channel: string, listener: MessageListener, pattern: boolean): Promise<unknown>;
  /** Calls `listener` whenever a connection of the port is (again) ready. */
  onReady(listener: () => void): void;
  close(): void;
}

/**
 * One pub/sub connection shared by every listener of an {@link IpcClient}: a thousand waiters on a
 * thousand keys still use a single connection. Subscriptions are restored after a reconnect, and
 * {@link Subscriber.onReconnect} tells listeners so they can re-check what they may have missed. On
 * a cluster, channels are sharded (`SSUBSCRIBE`, one connection per node that serves a subscribed
 * channel's slot, restored on the slot's new owner after a failover or a resharding), so a wake-up
 * travels to the structure's node only; patterns (keyspace notifications) use one node's connection.
 * Under Sentinel, the sentinel client's pub/sub connection follows the primary.
 */
export class Subscriber {
  readonly #port: PubSubPort;
  readonly #reconnectListeners = new Set<() => void>();
  readonly #whileOffline: (<T>(work: Promise<T>) => Promise<T>) | undefined;
  #readyCount = 0;

  /**
   * Opens the connection, a duplicate of `base` (or, given a cluster or sentinel client, subscribes
   * through it).
   * `whileOffline` bounds what waits for the connection while it is down (the client's
   * `offlineTimeoutMs`): it rejects with `ConnectionError` instead.
   */
  constructor(
    base:
      | RedisClient
      | { cluster: RedisCluster; connecting?: Promise<unknown> }
      | { sentinel: RedisSentinel; connecting?: Promise<unknown> },
    onError: (error: unknown) => void,
    whileOffline?: <T>(work: Promise<T>) => Promise<T>,
  ) {
    this.#whileOffline = whileOffline;
    this.#port =
      'cluster' in base
        ? sharedPort(base.cluster, true, 'node-ready', base.connecting)
        : 'sentinel' in base
          ? sharedPort(base.sentinel as unknown as RedisCluster, false, 'topology-change', base.connecting)
          : connectionPort(base, onError);
    this.#port.onReady(() => {
      if (this.#readyCount++ === 0) return;
      for (const listener of this.#reconnectListeners) listener();
    });
  }

  /**
   * Adds `listener` to `channel`. Resolves once the server has confirmed the subscription, so a
   * message published after that is certain to arrive. The returned function removes the listener.
   */
  async subscribe(
    channel: string,
    listener: MessageListener,
    options: SubscribeOptions = {},
  ): Promise<() => Promise<void>> {
    const pattern = options.pattern ?? false;
    try {
      await this.#bound(this.#port.connecting);
      const subscribing = this.#port.subscribe(channel, listener, pattern);
      await this.#bound(subscribing).catch((error: unknown) => {
        // Given up on while still queued: once it lands after all, nobody expects the listener.
        subscribing.then(
          () => this.#remove(channel, listener, pattern),
          () => {},
        );
        throw error;
      });
    } catch (error) {
      throw toIpcError(error);
    }
    let removed = false;
    return async () => {
      if (removed || !this.#port.isOpen) return;
      removed = true;
      try {
        await this.#remove(channel, listener, pattern);
      } catch (error) {
        throw toIpcError(error);
      }
    };
  }

  async #remove(channel: string, listener: MessageListener, pattern: boolean): Promise<void> {
    if (this.#port.isOpen) await this.#port.unsubscribe(channel, listener, pattern);
  }

  // Work on this connection, bounded by the client's offline timeout while the connection is down.
  #bound<T>(work: Promise<T>): Promise<T> {
    return this.#whileOffline && !this.#port.isReady ? this.#whileOffline(work) : work;
  }

  /** Calls `listener` after every reconnect, once subscriptions are back. Returns a remover. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Whether the subscription connection is currently up. */
  get isReady(): boolean {
    return this.#port.isReady;
  }

  /** Closes the connection at once. */
  close(): void {
    this.#reconnectListeners.clear();
    this.#port.close();
  }
}

// A connection of its own, duplicated from the shared one.
function connectionPort(base: RedisClient, onError: (error: unknown) => void): PubSubPort {
  const redis = base.duplicate({ commandOptions: { timeout: 0 } }) as RedisClient;
  redis.on('error', onError);
  const connecting = redis.connect();
  connecting.catch(() => {});
  return {
    connecting,
    get isOpen() {
      return redis.isOpen;
    },
    get isReady() {
      return redis.isReady;
    },
    subscribe: (channel, listener, pattern) =>
      pattern ? redis.pSubscribe(channel, listener) : redis.subscribe(channel, listener),
    unsubscribe: (channel, listener, pattern) =>
      pattern ? redis.pUnsubscribe(channel, listener) : redis.unsubscribe(channel, listener),
    onReady: (listener) => void redis.on('ready', listener),
    close: () => destroyClient(redis, connecting),
  };
}

// The pub/sub of a cluster or sentinel client, which keeps its pub/sub connections apart from the
// command connections and moves subscriptions itself: on a cluster a connection per node for sharded
// channels, following the slot's owner; under Sentinel one connection following the primary.
// `readyEvent` is what the client emits when a connection is back, for listeners to re-check.
function sharedPort(
  cluster: RedisCluster,
  sharded: boolean,
  readyEvent: string,
  connecting: Promise<unknown> = Promise.resolve(),
): PubSubPort {
  const mine: Array<{ channel: string; listener: MessageListener; pattern: boolean }> = [];
  let closed = false;
  const readyListeners = new Set<() => void>();
  const onNodeReady = () => {
    for (const listener of readyListeners) listener();
  };
  cluster.on(readyEvent, onNodeReady);
  const add = (channel: string, listener: MessageListener, pattern: boolean) =>
    pattern
      ? cluster.pSubscribe(channel, listener)
      : sharded
        ? cluster.sSubscribe(channel, listener)
        : cluster.subscribe(channel, listener);
  const remove = (channel: string, listener: MessageListener, pattern: boolean) =>
    pattern
      ? cluster.pUnsubscribe(channel, listener)
      : sharded
        ? cluster.sUnsubscribe(channel, listener as never)
        : cluster.unsubscribe(channel, listener as never);
  return {
    connecting,
    get isOpen() {
      return !closed && cluster.isOpen;
    },
    get isReady() {
      return !closed && cluster.isReady;
    },
    subscribe: async (channel, listener, pattern) => {
      await add(channel, listener, pattern);
      mine.push({ channel, listener, pattern });
    },
    unsubscribe: async (channel, listener, pattern) => {
      const at = mine.findIndex((entry) => entry.channel === channel && entry.listener === listener);
      if (at >= 0) mine.splice(at, 1);
      await remove(channel, listener, pattern);
    },
    onReady: (listener) => {
      // The first call counts as the initial connection: the cluster is connected already.
      listener();
      readyListeners.add(listener);
    },
    close: () => {
      closed = true;
      readyListeners.clear();
      cluster.off(readyEvent, onNodeReady);
      // The cluster client may be the application's: take back only our own listeners.
      for (const { channel, listener, pattern } of mine.splice(0)) {
        if (!cluster.isOpen) break;
        remove(channel, listener, pattern).catch(() => {});
      }
    },
  };
}
