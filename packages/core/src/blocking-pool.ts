import { BlockingConnection } from './blocking-connection.js';
import { ClosedError } from './errors.js';
import type { RedisClient } from './redis-client.js';

/**
 * Dedicated connections for blocking commands: one per concurrent waiter, reused once released, at
 * most `max` at a time (further waiters queue, first come first served).
 */
export class BlockingPool {
  /** Most connections open at once. */
  readonly max: number;
  readonly #base: RedisClient;
  readonly #onError: (error: unknown) => void;
  readonly #idle: BlockingConnection[] = [];
  readonly #all = new Set<BlockingConnection>();
  readonly #queue: Array<{ resolve: (conn: BlockingConnection) => void; reject: (error: Error) => void }> =
    [];
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

  /** Lends a connection; waits when `max` are already lent. Rejects with {@link ClosedError} on close. */
  acquire(): Promise<BlockingConnection> {
    if (this.#closed) return Promise.reject(new ClosedError());
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#all.size < this.max) return this.#open();
    return new Promise((resolve, reject) => this.#queue.push({ resolve, reject }));
  }

  /** Gives a connection back (a broken one, or one node-redis gave up on, is dropped and its slot freed). */
  release(conn: BlockingConnection): void {
    if (conn.broken || this.#closed || !conn.redis.isOpen) {
      this.#all.delete(conn);
      conn.destroy();
      if (this.#closed) return;
      const next = this.#queue.shift();
      if (next) this.#open().then(next.resolve, next.reject);
      return;
    }
    const next = this.#queue.shift();
    if (next) next.resolve(conn);
    else this.#idle.push(conn);
  }

  /** Destroys every connection and rejects every queued request. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#queue.splice(0)) waiter.reject(new ClosedError());
    for (const conn of this.#all) conn.destroy();
    this.#all.clear();
    this.#idle.length = 0;
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
      const next = this.#closed ? undefined : this.#queue.shift();
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
