import { ConnectionError, type IpcError, isIpcError, toIpcError } from './errors.js';
import type { RedisClient } from './redis-client.js';

/**
 * Bounds how long commands wait for an unreachable Redis. node-redis keeps commands issued while it is
 * disconnected in an offline queue for as long as reconnection takes — for ever against a wrong URL.
 * Once the connection has been down `timeoutMs`, this switches the client's `disableOfflineQueue` on:
 * new commands reject at once, and node-redis rejects the queued ones at its next failed attempt.
 * Back online, the client's own setting returns.
 */
export class OfflineGuard {
  readonly #redis: RedisClient;
  readonly #timeoutMs: number;
  readonly #ownSetting: boolean;
  readonly #expiredListeners = new Set<(error: IpcError) => void>();
  #timer: NodeJS.Timeout | undefined;
  #lastError: unknown;
  #expired = false;
  #closed = false;

  constructor(redis: RedisClient, timeoutMs: number) {
    this.#redis = redis;
    this.#timeoutMs = timeoutMs;
    this.#ownSetting = redis.options?.disableOfflineQueue ?? false;
    redis.on('ready', () => this.#online());
    redis.on('error', (error: unknown) => {
      this.#lastError = error;
      this.#offline();
    });
    redis.on('reconnecting', () => this.#offline());
    this.#offline();
  }

  /** True while Redis has been unreachable for longer than the timeout. */
  get expired(): boolean {
    return this.#expired;
  }

  /**
   * What `connect()` rejects with once the timeout has passed: the {@link AuthError} when Redis refused
   * the credentials (it is reachable; they are wrong), otherwise a {@link ConnectionError}.
   */
  error(): IpcError {
    const last = this.#lastError === undefined ? undefined : toIpcError(this.#lastError);
    if (last && isIpcError(last, 'IPC_AUTH')) return last;
    return new ConnectionError(`Redis unreachable for more than ${this.#timeoutMs} ms`, { cause: last });
  }

  /** Calls `listener` when the timeout passes while Redis is unreachable. Returns the remover. */
  onExpired(listener: (error: IpcError) => void): () => void {
    this.#expiredListeners.add(listener);
    return () => this.#expiredListeners.delete(listener);
  }

  /**
   * Waits for `work` (something that needs Redis), but rejects with {@link OfflineGuard.error} when the
   * timeout passes first — at once when it already has. `work` itself goes on.
   */
  bound<T>(work: Promise<T>): Promise<T> {
    if (this.#expired) return Promise.reject(this.error());
    return new Promise<T>((resolve, reject) => {
      const remove = this.onExpired(reject);
      work.then(
        (value) => {
          remove();
          resolve(value);
        },
        (error: unknown) => {
          remove();
          reject(error);
        },
      );
    });
  }

  /** Stops the timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#expiredListeners.clear();
  }

  #offline(): void {
    if (this.#closed || this.#timer || this.#expired || this.#redis.isReady) return;
    if (this.#timeoutMs === Number.POSITIVE_INFINITY) return;
    this.#timer = setTimeout(() => this.#expire(), this.#timeoutMs);
  }

  #expire(): void {
    this.#timer = undefined;
    if (this.#closed || this.#redis.isReady) return;
    this.#expired = true;
    const options = this.#redis.options;
    if (options) options.disableOfflineQueue = true;
    const error = this.error();
    for (const listener of [...this.#expiredListeners]) listener(error);
  }

  #online(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#expired) return;
    this.#expired = false;
    const options = this.#redis.options;
    if (options) options.disableOfflineQueue = this.#ownSetting;
  }
}
