import {
  backoffDelay,
  type IpcError,
  isTransientError,
  type RedisClient,
  sleep,
  toIpcError,
} from '@redis-ipc/core';

const MAX_IDS_PER_COMMAND = 1000;

interface Batch {
  readonly ids: string[];
  // Tasks that had come back before (deliveries > 1) also have an entry in the deliveries hash.
  readonly retried: string[];
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: IpcError): void;
}

/**
 * Collects the acks made in one turn of the event loop and sends them as one HDEL (plus one for the
 * delivery counts of retried tasks): one round trip for many tasks. A batch that fails because Redis
 * is unreachable is sent again once it is back.
 */
export class AckBatcher {
  readonly #redis: RedisClient;
  readonly #inflight: string;
  readonly #deliveries: string;
  readonly #onError: (error: IpcError) => void;
  readonly #stop: AbortSignal;
  #open: Batch | undefined;
  // Batches being sent (or retried), by their sending promise.
  readonly #sending = new Map<Promise<void>, Batch>();

  constructor(
    redis: RedisClient,
    inflight: string,
    deliveries: string,
    onError: (error: IpcError) => void,
    stop: AbortSignal,
  ) {
    this.#redis = redis;
    this.#inflight = inflight;
    this.#deliveries = deliveries;
    this.#onError = onError;
    this.#stop = stop;
  }

  /** Adds one ack; resolves when its batch is stored. */
  add(id: string, deliveries: number): Promise<void> {
    let batch = this.#open;
    if (!batch) {
      batch = newBatch();
      this.#open = batch;
      // nextTick runs after the whole current cascade of promise callbacks: acks made by handlers
      // finishing in the same turn share one command, and no macrotask delay is added.
      process.nextTick(() => this.#flush());
    }
    batch.ids.push(id);
    if (deliveries > 1) batch.retried.push(id);
    return batch.promise;
  }

  /** Sends what is pending now and resolves when every batch has settled. */
  async drain(): Promise<void> {
    if (this.#open) this.#flush();
    while (this.#sending.size > 0) await Promise.allSettled([...this.#sending.keys()]);
  }

  /** Adds to `ids` the ids of every ack not yet stored (still to send, being sent or retried). */
  collectPending(ids: Set<string>): void {
    for (const id of this.#open?.ids ?? []) ids.add(id);
    for (const batch of this.#sending.values()) for (const id of batch.ids) ids.add(id);
  }

  #flush(): void {
    const batch = this.#open;
    if (!batch) return;
    this.#open = undefined;
    const sending = this.#send(batch).finally(() => this.#sending.delete(sending));
    this.#sending.set(sending, batch);
  }

  async #send(batch: Batch): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const commands: Promise<unknown>[] = [];
        for (let i = 0; i < batch.ids.length; i += MAX_IDS_PER_COMMAND) {
          const ids = batch.ids.slice(i, i + MAX_IDS_PER_COMMAND);
          commands.push(this.#redis.sendCommand(['HDEL', this.#inflight, ...ids]));
        }
        for (let i = 0; i < batch.retried.length; i += MAX_IDS_PER_COMMAND) {
          const ids = batch.retried.slice(i, i + MAX_IDS_PER_COMMAND);
          commands.push(this.#redis.sendCommand(['HDEL', this.#deliveries, ...ids]));
        }
        await Promise.all(commands);
        batch.resolve();
        return;
      } catch (raw) {
        const error = toIpcError(raw);
        this.#onError(error);
        if (!isTransientError(error) || this.#stop.aborted) {
          batch.reject(error);
          return;
        }
        try {
          await sleep(backoffDelay(attempt), this.#stop);
        } catch {
          batch.reject(error);
          return;
        }
      }
    }
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: IpcError) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers may leave acks unawaited; a failure is also reported through onError.
  promise.catch(() => {});
  return { ids: [], retried: [], promise, resolve, reject };
}
