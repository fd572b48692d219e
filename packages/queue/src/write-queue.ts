import { randomUUID } from 'node:crypto';
import {
  ClosedError,
  InvalidArgumentError,
  type IpcClient,
  type IpcError,
  PayloadCodec,
  type PayloadOptions,
  toIpcError,
} from '@redis-ipc/core';
import { durationOption } from '@redis-ipc/core/internal';
import { Envelope, validateTaskId } from './envelope.js';
import { QueueKeys } from './queue-keys.js';
import { scripts } from './scripts.js';

/** Options of {@link createWriteQueue}. */
export interface WriteQueueOptions<T> extends PayloadOptions<T> {
  /**
   * How long a caller-given task id (`push(value, { id })`) is remembered, in ms: pushing the same id
   * again within this window adds nothing. Each remembered id costs one small key until it expires.
   * @default 300000 (5 minutes)
   */
  dedupeWindowMs?: number;
}

/** Options of {@link WriteQueue.push}. */
export interface PushOptions {
  /**
   * The task id (1 to 200 characters, no quotes, backslashes or control characters). A push with an
   * id that was already pushed within `dedupeWindowMs` adds nothing, so a producer may retry a push
   * whose outcome it does not know without creating a duplicate.
   * @default a random UUID (no deduplication)
   */
  id?: string;
}

/** Options of {@link WriteQueue.pushMany}. */
export interface PushManyOptions {
  /**
   * One id per value, as {@link PushOptions.id}.
   * @default random UUIDs (no deduplication)
   */
  ids?: readonly string[];
}

interface Pending {
  readonly id: string;
  readonly item: string;
  readonly unique: boolean;
  readonly resolve: (id: string) => void;
  readonly reject: (error: IpcError) => void;
}

const ITEMS_PER_COMMAND = 1000;

/**
 * The producing side of a queue. Pushes made in the same turn of the event loop are sent together
 * (one variadic LPUSH), so many producers' concurrent pushes cost few round trips. Make it with
 * {@link createWriteQueue}.
 */
export class WriteQueue<T> {
  /** The queue name. */
  readonly name: string;
  readonly #ipc: IpcClient;
  readonly #keys: QueueKeys;
  readonly #envelope: Envelope<T>;
  readonly #dedupeWindow: string;
  #pending: Pending[] = [];

  /** Use {@link createWriteQueue}. */
  constructor(ipc: IpcClient, name: string, options: WriteQueueOptions<T> = {}) {
    this.name = name;
    this.#ipc = ipc;
    this.#keys = new QueueKeys(ipc, name);
    // Raw mode writes the Rust crate's exact bytes, so no producer field there.
    this.#envelope = new Envelope(new PayloadCodec(options), ipc.keys.raw ? undefined : ipc.id);
    this.#dedupeWindow = String(
      Math.ceil(durationOption(options.dedupeWindowMs ?? 300_000, 'dedupeWindowMs', 1)),
    );
  }

  /**
   * Adds a task at the back of the queue. Resolves with the task id once Redis has stored it (or,
   * with a caller-given id, once Redis has decided it is a duplicate). Rejects with
   * {@link InvalidArgumentError} / {@link @redis-ipc/core!PayloadTooLargeError} before sending anything,
   * {@link @redis-ipc/core!ConnectionError} when the outcome is unknown (retry with the same `id` to be safe), or
   * {@link ClosedError}.
   */
  push(value: T, options: PushOptions = {}): Promise<string> {
    try {
      this.#assertOpen();
      const unique = options.id !== undefined;
      const id = unique ? validateTaskId(options.id) : randomUUID();
      const item = this.#envelope.encode(id, value);
      return new Promise((resolve, reject) => this.#enqueue({ id, item, unique, resolve, reject }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Adds several tasks in one round trip, in order. Resolves with their ids. Nothing is sent if any
   * value cannot be encoded.
   */
  pushMany(values: readonly T[], options: PushManyOptions = {}): Promise<string[]> {
    try {
      this.#assertOpen();
      const { ids } = options;
      if (ids !== undefined && ids.length !== values.length) {
        throw new InvalidArgumentError('ids must have one id per value');
      }
      const prepared = values.map((value, index) => {
        const id = ids ? validateTaskId(ids[index]) : randomUUID();
        return { id, item: this.#envelope.encode(id, value), unique: ids !== undefined };
      });
      return Promise.all(
        prepared.map(
          (entry) => new Promise<string>((resolve, reject) => this.#enqueue({ ...entry, resolve, reject })),
        ),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Number of tasks waiting in the queue (not counting delayed retries or tasks in flight). */
  async length(): Promise<number> {
    try {
      return Number(await this.#ipc.redis.sendCommand(['LLEN', this.#keys.main]));
    } catch (error) {
      throw toIpcError(error);
    }
  }

  #assertOpen(): void {
    if (this.#ipc.closed) throw new ClosedError();
  }

  #enqueue(entry: Pending): void {
    if (this.#pending.push(entry) === 1) {
      // After the current cascade of promise callbacks: concurrent producers share one command.
      process.nextTick(() => this.#flush());
    }
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    // A reload after NOSCRIPT sends the deduplicating script again later; what follows it in the
    // same batch waits for it, so the order of the queue stays the order of the calls.
    let before: Promise<unknown> | undefined;
    for (let start = 0; start < batch.length; ) {
      const unique = batch[start]!.unique;
      let end = start + 1;
      while (end < batch.length && batch[end]!.unique === unique && end - start < ITEMS_PER_COMMAND) end++;
      const group = batch.slice(start, end);
      start = end;
      const send = () => (unique ? this.#pushUnique(group) : this.#pushPlain(group));
      const sent = before ? before.then(send, send) : send();
      sent.then(
        () => {
          for (const entry of group) entry.resolve(entry.id);
        },
        (error: unknown) => {
          const failure = toIpcError(error);
          for (const entry of group) entry.reject(failure);
        },
      );
      if (unique) before = sent;
    }
  }

  #pushPlain(group: readonly Pending[]): Promise<unknown> {
    return this.#ipc.redis.sendCommand(['LPUSH', this.#keys.main, ...group.map((entry) => entry.item)]);
  }

  #pushUnique(group: readonly Pending[]): Promise<unknown> {
    const args = [this.#dedupeWindow, this.#keys.dedupePrefix];
    for (const entry of group) args.push(entry.id, entry.item);
    return scripts.pushUnique.run(this.#ipc.redis, [this.#keys.main], args);
  }
}

/**
 * Makes the producing side of the queue `name`.
 *
 * @example
 * const jobs = createWriteQueue<{ url: string }>(ipc, 'jobs');
 * const id = await jobs.push({ url: 'https://example.com' });
 */
export function createWriteQueue<T>(
  ipc: IpcClient,
  name: string,
  options?: WriteQueueOptions<T>,
): WriteQueue<T> {
  return new WriteQueue(ipc, name, options);
}
