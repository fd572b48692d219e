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
import { durationOption, rejectUnknownOptions } from '@redis-ipc/core/internal';
import { Envelope, validateTaskId } from './envelope.js';
import { QueueAdmin } from './queue-admin.js';
import { QueueKeys } from './queue-keys.js';
import { pushUniqueScript } from './scripts/push-unique.js';

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
   * id that was already pushed within `dedupeWindowMs` (counted from that push, whatever became of the
   * task) adds nothing, so a producer may retry a push whose outcome it does not know without creating
   * a duplicate. `push` resolves with the id either way; {@link WriteQueue.pushUnique} says which.
   * @default a random UUID (no deduplication)
   */
  id?: string;
}

/** What {@link WriteQueue.pushUnique} did. */
export interface PushResult {
  /** The task id. */
  readonly id: string;
  /**
   * `true` when the task was added; `false` when a task with this id had been pushed within the
   * dedupe window, so nothing was added (a deliberate re-run must wait for the window to pass, or use
   * another id).
   */
  readonly pushed: boolean;
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
  readonly resolve: (result: PushResult) => void;
  readonly reject: (error: IpcError) => void;
}

const ITEMS_PER_COMMAND = 1000;
// Plain pushes always add: `pushed[i] ?? true`.
const ALL_PUSHED: readonly boolean[] = [];

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
  readonly #admin: QueueAdmin;
  readonly #envelope: Envelope<T>;
  readonly #dedupeWindow: string;
  #pending: Pending[] = [];

  /** Use {@link createWriteQueue}. */
  constructor(ipc: IpcClient, name: string, options: WriteQueueOptions<T> = {}) {
    rejectUnknownOptions(
      options,
      ['codec', 'schema', 'maxPayloadBytes', 'dedupeWindowMs'],
      'createWriteQueue',
    );
    this.name = name;
    this.#ipc = ipc;
    this.#keys = new QueueKeys(ipc, name);
    this.#admin = new QueueAdmin(ipc, this.#keys);
    // Raw mode writes the Rust crate's exact bytes, so no producer field there.
    this.#envelope = new Envelope(new PayloadCodec(options), ipc.keys.raw ? undefined : ipc.id);
    this.#dedupeWindow = String(
      Math.ceil(durationOption(options.dedupeWindowMs ?? 300_000, 'dedupeWindowMs', 1)),
    );
  }

  /**
   * Adds a task at the back of the queue. Resolves with the task id once Redis has stored it (or,
   * with a caller-given id, once Redis has decided it is a duplicate: use
   * {@link WriteQueue.pushUnique} to be told). Rejects with {@link InvalidArgumentError} /
   * {@link @redis-ipc/core!PayloadTooLargeError} before sending anything,
   * {@link @redis-ipc/core!ConnectionError} when the outcome is unknown (retry with the same `id` to be
   * safe), or {@link ClosedError}.
   */
  async push(value: T, options: PushOptions = {}): Promise<string> {
    return (await this.#pushOne(value, options.id)).id;
  }

  /**
   * Adds a task with a caller-given id unless a task with that id was pushed within `dedupeWindowMs`
   * (counted from that push); resolves with the id and whether it was added. Rejects as
   * {@link WriteQueue.push}.
   */
  pushUnique(value: T, id: string): Promise<PushResult> {
    return this.#pushOne(value, id);
  }

  /**
   * Adds several tasks in one round trip, in order. Resolves with their ids. Nothing is sent if any
   * value cannot be encoded.
   */
  async pushMany(values: readonly T[], options: PushManyOptions = {}): Promise<string[]> {
    return (await this.#pushMany(values, options.ids)).map((result) => result.id);
  }

  /**
   * Adds several tasks with caller-given ids (one per value) in one round trip, in order, skipping
   * those pushed within the dedupe window; resolves with each id and whether it was added.
   */
  pushManyUnique(values: readonly T[], ids: readonly string[]): Promise<PushResult[]> {
    return this.#pushMany(values, ids);
  }

  /** Number of tasks waiting in the queue (not counting delayed retries or tasks in flight). */
  length(): Promise<number> {
    return this.#admin.length();
  }

  #pushOne(value: T, givenId: string | undefined): Promise<PushResult> {
    try {
      this.#assertOpen();
      const unique = givenId !== undefined;
      const id = unique ? validateTaskId(givenId) : randomUUID();
      const item = this.#envelope.encode(id, value);
      return new Promise((resolve, reject) => this.#enqueue({ id, item, unique, resolve, reject }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #pushMany(values: readonly T[], ids: readonly string[] | undefined): Promise<PushResult[]> {
    try {
      this.#assertOpen();
      if (ids !== undefined && ids.length !== values.length) {
        throw new InvalidArgumentError('ids must have one id per value');
      }
      const prepared = values.map((value, index) => {
        const id = ids ? validateTaskId(ids[index]) : randomUUID();
        return { id, item: this.#envelope.encode(id, value), unique: ids !== undefined };
      });
      return Promise.all(
        prepared.map(
          (entry) =>
            new Promise<PushResult>((resolve, reject) => this.#enqueue({ ...entry, resolve, reject })),
        ),
      );
    } catch (error) {
      return Promise.reject(error);
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
        (pushed) => {
          group.forEach((entry, index) => {
            entry.resolve({ id: entry.id, pushed: pushed[index] ?? true });
          });
        },
        (error: unknown) => {
          const failure = toIpcError(error);
          for (const entry of group) entry.reject(failure);
        },
      );
      if (unique) before = sent;
    }
  }

  async #pushPlain(group: readonly Pending[]): Promise<readonly boolean[]> {
    await this.#ipc.redis.sendCommand(['LPUSH', this.#keys.main, ...group.map((entry) => entry.item)]);
    return ALL_PUSHED;
  }

  #pushUnique(group: readonly Pending[]): Promise<readonly boolean[]> {
    return pushUniqueScript.run(this.#ipc.redis, {
      main: this.#keys.main,
      windowMs: this.#dedupeWindow,
      tasks: group.map((entry) => ({ marker: this.#keys.dedupe(entry.id), item: entry.item })),
    });
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
