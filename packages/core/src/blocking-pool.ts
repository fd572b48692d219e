import { BlockingConnection } from './blocking-connection.js';
import { ClosedError, TimeoutError } from './errors.js';
import { abortErrorFrom } from './internal/timing.js';
import type { RedisClient } from './redis-client.js';

/** Options of {@link BlockingPool.acquire}. */
export interface AcquireOptions {
  /**
   * A `performance.now()` time: a request still queued then rejects with {@link TimeoutError}.
   * @default Infinity
   */
  deadline?: number;
  /**
   * Withdraws a queued request: it rejects with {@link AbortError} and gives up its place.
   * @default undefined
   */
  signal?: AbortSignal;
}

interface Request {
  resolve(conn: BlockingConnection): void;
  reject(error: Error): void;
}

/**
 * Dedicated connections for blocking commands: one per concurrent waiter, reused once released, at
 * most `max` at a time. Further requests queue, first come first served; since every server-side wait
 * is bounded, a waiter that comes back for another round queues behind them, so they take turns.
 */
export class BlockingPool {
  /** Most connections open at once. */
  readonly max: number;
  readonly #base: RedisClient;
  readonly #onError: (error: unknown) => void;
  readonly #idle: BlockingConnection[] = [];
  readonly #all = new Set<BlockingConnection>();
  readonly #queue = new Set<Request>();
  #closed = false;

  constructor(base: RedisClient, max: number, onError: (error: unknown) => void) {
    this.#base = base;
    this.max = max;
    this.#onError = onError;
  }

  /** Connections currently open (busy and idle). */
  get size(): number {
    return this.#all.size;
  }

  /** Connections currently lent out. */
  get busy(): number {
    return this.#all.size - this.#idle.length;
  }

  /** Requests waiting for a connection. */
  get queued(): number {
    return this.#queue.size;
  }

  /**
   * Lends a connection; waits when `max` are already lent. Rejects with {@link ClosedError} on close,
   * {@link TimeoutError} when `deadline` passes first and {@link AbortError} when `signal` aborts first.
   */
  acquire(options: AcquireOptions = {}): Promise<BlockingConnection> {
    const { deadline = Number.POSITIVE_INFINITY, signal } = options;
    if (this.#closed) return Promise.reject(new ClosedError());
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#all.size < this.max) return this.#open();
    const started = performance.now();
    if (deadline <= started) return Promise.reject(new TimeoutError(0));
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const withdraw = (error: Error) => {
        if (!this.#queue.delete(request)) return;
        done();
        reject(error);
      };
      const onAbort = () => withdraw(abortErrorFrom(signal!));
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const request: Request = {
        resolve: (conn) => {
          done();
          resolve(conn);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      this.#queue.add(request);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(deadline)) {
        const waitMs = deadline - started;
        timer = setTimeout(() => withdraw(new TimeoutError(Math.round(waitMs))), waitMs);
      }
    });
  }

  /** Gives a connection back (a broken one, or one node-redis gave up on, is dropped and its slot freed). */
  release(conn: BlockingConnection): void {
    if (conn.broken || this.#closed || !conn.redis.isOpen) {
      this.#all.delete(conn);
      conn.destroy();
      if (this.#closed) return;
      const next = this.#next();
      if (next) this.#open().then(next.resolve, next.reject);
      return;
    }
    const next = this.#next();
    if (next) next.resolve(conn);
    else this.#idle.push(conn);
  }

  /** Destroys every connection and rejects every queued request. */
  close(): void {
    this.#closed = true;
    const queued = [...this.#queue];
    this.#queue.clear();
    for (const request of queued) request.reject(new ClosedError());
    for (const conn of this.#all) conn.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }

  // The oldest queued request (a Set iterates in insertion order), taken off the queue.
  #next(): Request | undefined {
    for (const request of this.#queue) {
      this.#queue.delete(request);
      return request;
    }
    return undefined;
  }

  async #open(): Promise<BlockingConnection> {
    // Counted at once, so concurrent acquires never open more than `max`, and close() reaches it.
    const conn = BlockingConnection.open(this.#base, this.#onError);
    this.#all.add(conn);
    try {
      await conn.ready;
    } catch (error) {
      this.#all.delete(conn);
      conn.destroy();
      // The slot is free again: the next queued request gets its own try.
      const next = this.#closed ? undefined : this.#next();
      if (next) this.#open().then(next.resolve, next.reject);
      throw error;
    }
    if (this.#closed) {
      conn.destroy();
      throw new ClosedError();
    }
    return conn;
  }
}
