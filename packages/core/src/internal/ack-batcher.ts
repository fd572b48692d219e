import type { IpcError } from '../errors.js';
import { retryTransient } from './retry.js';

/** Settings of an {@link AckBatcher}. */
export interface AckBatcherOptions<K> {
  /** Stores one batch (one round trip for many acks); may be called again for the same batch after a transient failure. */
  readonly send: (items: readonly K[]) => Promise<void>;
  /** Told of every failed attempt. */
  readonly onError: (error: IpcError) => void;
  /** Stops retrying: pending batches reject. */
  readonly stop: AbortSignal;
}

interface Batch<K> {
  readonly items: K[];
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: IpcError): void;
}

/**
 * Collects the acks made in one turn of the event loop and stores them with one `send`: one round trip
 * for many items. A batch that fails because Redis is unreachable is sent again once it is back; one
 * that fails otherwise rejects the promises of its acks (which are also reported through `onError`).
 */
export class AckBatcher<K> {
  readonly #options: AckBatcherOptions<K>;
  #open: Batch<K> | undefined;
  // Batches being sent (or retried), oldest first. A few at a time: an array, not a Map with an entry
  // added and deleted per batch, which would keep old batches alive (see SlotSet).
  readonly #sending: Batch<K>[] = [];

  constructor(options: AckBatcherOptions<K>) {
    this.#options = options;
  }

  /** Adds one ack; resolves when its batch is stored. */
  add(item: K): Promise<void> {
    let batch = this.#open;
    if (!batch) {
      batch = newBatch<K>();
      this.#open = batch;
      // nextTick runs after the whole current cascade of promise callbacks: acks made by handlers
      // finishing in the same turn share one command, and no macrotask delay is added.
      process.nextTick(() => this.#flush());
    }
    batch.items.push(item);
    return batch.promise;
  }

  /** Acks not yet stored (still to send, being sent or retried). */
  get pending(): number {
    let count = this.#open?.items.length ?? 0;
    for (const batch of this.#sending) count += batch.items.length;
    return count;
  }

  /** Sends what is pending now and resolves when every batch has settled. */
  async drain(): Promise<void> {
    if (this.#open) this.#flush();
    while (this.#sending.length > 0) await Promise.allSettled(this.#sending.map((batch) => batch.promise));
  }

  /** Calls `visit` with every ack not yet stored (still to send, being sent or retried). */
  forEachPending(visit: (item: K) => void): void {
    for (const item of this.#open?.items ?? []) visit(item);
    for (const batch of this.#sending) for (const item of batch.items) visit(item);
  }

  #flush(): void {
    const batch = this.#open;
    if (!batch) return;
    this.#open = undefined;
    const { send, onError, stop } = this.#options;
    this.#sending.push(batch);
    retryTransient(() => send(batch.items), { signal: stop, onError })
      .then(
        () => batch.resolve(),
        (error: IpcError) => batch.reject(error),
      )
      .finally(() => {
        this.#sending.splice(this.#sending.indexOf(batch), 1);
      });
  }
}

function newBatch<K>(): Batch<K> {
  let resolve!: () => void;
  let reject!: (error: IpcError) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers may leave acks unawaited; a failure is also reported through onError.
  promise.catch(() => {});
  return { items: [], promise, resolve, reject };
}
