import { toIpcError } from './errors.js';
import { destroyClient, type RedisClient } from './redis-client.js';

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

/**
 * One pub/sub connection shared by every listener of an {@link IpcClient}: a thousand waiters on a
 * thousand keys still use a single connection. Subscriptions are restored after a reconnect, and
 * {@link Subscriber.onReconnect} tells listeners so they can re-check what they may have missed.
 */
export class Subscriber {
  readonly #redis: RedisClient;
  readonly #connecting: Promise<unknown>;
  readonly #reconnectListeners = new Set<() => void>();
  readonly #whileOffline: (<T>(work: Promise<T>) => Promise<T>) | undefined;
  #readyCount = 0;

  /**
   * Opens the connection, a duplicate of `base`. `whileOffline` bounds what waits for the connection
   * while it is down (the client's `offlineTimeoutMs`): it rejects with `ConnectionError` instead.
   */
  constructor(
    base: RedisClient,
    onError: (error: unknown) => void,
    whileOffline?: <T>(work: Promise<T>) => Promise<T>,
  ) {
    this.#whileOffline = whileOffline;
    this.#redis = base.duplicate({ commandOptions: { timeout: 0 } }) as RedisClient;
    this.#redis.on('error', onError);
    this.#redis.on('ready', () => {
      if (this.#readyCount++ === 0) return;
      for (const listener of this.#reconnectListeners) listener();
    });
    this.#connecting = this.#redis.connect();
    this.#connecting.catch(() => {});
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
    try {
      await this.#bound(this.#connecting);
      const subscribing = options.pattern
        ? this.#redis.pSubscribe(channel, listener)
        : this.#redis.subscribe(channel, listener);
      await this.#bound(subscribing).catch((error: unknown) => {
        // Given up on while still queued: once it lands after all, nobody expects the listener.
        subscribing.then(
          () => this.#remove(channel, listener, options),
          () => {},
        );
        throw error;
      });
    } catch (error) {
      throw toIpcError(error);
    }
    let removed = false;
    return async () => {
      if (removed || !this.#redis.isOpen) return;
      removed = true;
      try {
        await this.#remove(channel, listener, options);
      } catch (error) {
        throw toIpcError(error);
      }
    };
  }

  async #remove(channel: string, listener: MessageListener, options: SubscribeOptions): Promise<void> {
    if (!this.#redis.isOpen) return;
    if (options.pattern) await this.#redis.pUnsubscribe(channel, listener);
    else await this.#redis.unsubscribe(channel, listener);
  }

  // Work on this connection, bounded by the client's offline timeout while the connection is down.
  #bound<T>(work: Promise<T>): Promise<T> {
    return this.#whileOffline && !this.#redis.isReady ? this.#whileOffline(work) : work;
  }

  /** Calls `listener` after every reconnect, once subscriptions are back. Returns a remover. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Whether the subscription connection is currently up. */
  get isReady(): boolean {
    return this.#redis.isReady;
  }

  /** Closes the connection at once. */
  close(): void {
    this.#reconnectListeners.clear();
    destroyClient(this.#redis, this.#connecting);
  }
}
