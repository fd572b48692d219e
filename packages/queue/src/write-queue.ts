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

const ITEMS_PER_COMMAND = 1000;
// Index of the first item in a plain group's command: `LPUSH key item…`.
const FIRST_ITEM = 2;
// Plain pushes always add: `pushed[i] ?? true`.
const ALL_PUSHED: readonly boolean[] = [];

/**
 * Pushes of one turn of the event loop that go out as one command: a variadic LPUSH for plain pushes,
 * one run of the deduplicating script for pushes with caller-given ids. Every push waits on the
 * group's one promise rather than owning a promise and its resolvers, so a push costs one reaction.
 */
class PushGroup {
  readonly unique: boolean;
  /** Plain groups: the whole LPUSH command, items from {@link FIRST_ITEM} on. Unique groups: the items. */
  readonly command: string[];
  /** The task ids of a unique group (their dedupe markers); empty for plain groups. */
  readonly ids: string[] = [];
  /** Settles once Redis has answered: whether each item was added (`pushed[i] ?? true`). */
  readonly sent: Promise<readonly boolean[]>;
  resolve!: (pushed: readonly boolean[]) => void;
  reject!: (error: IpcError) => void;

  constructor(unique: boolean, key: string) {
    this.unique = unique;
    this.command = unique ? [] : ['LPUSH', key];
    this.sent = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Items in the group. */
  get size(): number {
    return this.unique ? this.command.length : this.command.length - FIRST_ITEM;
  }
}

/** Where one item of a `pushMany` call went: its group's answer and its index there. */
interface Placement {
  readonly answer: number;
  readonly index: number;
}

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
  /** The groups of this turn of the event loop, in call order; the last one takes new pushes. */
  #groups: PushGroup[] = [];
  readonly #flushSoon = () => this.#flush();

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
  push(value: T, options?: PushOptions): Promise<string> {
    const givenId = options?.id;
    if (givenId !== undefined) return this.pushUnique(value, givenId).then(idOf);
    try {
      this.#assertOpen();
      const id = randomUUID();
      const item = this.#envelope.encode(id, value);
      const group = this.#groupFor(false);
      group.command.push(item);
      return group.sent.then(() => id);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Adds a task with a caller-given id unless a task with that id was pushed within `dedupeWindowMs`
   * (counted from that push); resolves with the id and whether it was added. Rejects as
   * {@link WriteQueue.push}.
   */
  pushUnique(value: T, id: string): Promise<PushResult> {
    try {
      this.#assertOpen();
      const checked = validateTaskId(id);
      const item = this.#envelope.encode(checked, value);
      const group = this.#groupFor(true);
      const index = group.command.push(item) - 1;
      group.ids.push(checked);
      return group.sent.then((pushed) => ({ id: checked, pushed: pushed[index] ?? true }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Adds several tasks in one round trip, in order. Resolves with their ids. Nothing is sent if any
   * value cannot be encoded.
   */
  async pushMany(values: readonly T[], options?: PushManyOptions): Promise<string[]> {
    const givenIds = options?.ids;
    if (givenIds !== undefined) return (await this.pushManyUnique(values, givenIds)).map(idOf);
    this.#assertOpen();
    const ids = values.map(() => randomUUID());
    const items = values.map((value, index) => this.#envelope.encode(ids[index]!, value));
    await Promise.all(this.#place(false, ids, items).answers);
    return ids;
  }

  /**
   * Adds several tasks with caller-given ids (one per value) in one round trip, in order, skipping
   * those pushed within the dedupe window; resolves with each id and whether it was added.
   */
  async pushManyUnique(values: readonly T[], ids: readonly string[]): Promise<PushResult[]> {
    this.#assertOpen();
    if (ids.length !== values.length) throw new InvalidArgumentError('ids must have one id per value');
    const checked = ids.map(validateTaskId);
    const items = values.map((value, index) => this.#envelope.encode(checked[index]!, value));
    const { answers, placements } = this.#place(true, checked, items);
    const pushed = await Promise.all(answers);
    return placements.map(({ answer, index }, at) => ({
      id: checked[at]!,
      pushed: pushed[answer]![index] ?? true,
    }));
  }

  /** Number of tasks waiting in the queue (not counting delayed retries or tasks in flight). */
  length(): Promise<number> {
    return this.#admin.length();
  }

  #assertOpen(): void {
    if (this.#ipc.closed) throw new ClosedError();
  }

  /** The group a push of this kind joins: the open one if it fits, else a new one. */
  #groupFor(unique: boolean): PushGroup {
    const groups = this.#groups;
    const open = groups[groups.length - 1];
    if (open !== undefined && open.unique === unique && open.size < ITEMS_PER_COMMAND) return open;
    const group = new PushGroup(unique, this.#keys.main);
    // After the current cascade of promise callbacks: concurrent producers share one command.
    if (groups.push(group) === 1) process.nextTick(this.#flushSoon);
    return group;
  }

  /** Adds encoded items (already checked) to this turn's groups, in order. */
  #place(
    unique: boolean,
    ids: readonly string[],
    items: readonly string[],
  ): { answers: Array<Promise<readonly boolean[]>>; placements: Placement[] } {
    const answers: Array<Promise<readonly boolean[]>> = [];
    const placements: Placement[] = [];
    for (let at = 0; at < items.length; at++) {
      const group = this.#groupFor(unique);
      const index = group.size;
      group.command.push(items[at]!);
      if (unique) group.ids.push(ids[at]!);
      if (answers[answers.length - 1] !== group.sent) answers.push(group.sent);
      placements.push({ answer: answers.length - 1, index });
    }
    return { answers, placements };
  }

  #flush(): void {
    const groups = this.#groups;
    this.#groups = [];
    // A reload after NOSCRIPT sends the deduplicating script again later; what follows it in the
    // same turn waits for it, so the order of the queue stays the order of the calls.
    let before: Promise<unknown> | undefined;
    for (const group of groups) {
      const send = () => this.#send(group);
      const sent = before ? before.then(send, send) : send();
      sent.then(group.resolve, (error: unknown) => group.reject(toIpcError(error)));
      if (group.unique) before = sent;
    }
  }

  #send(group: PushGroup): Promise<readonly boolean[]> {
    try {
      if (!group.unique) return this.#ipc.redis.sendCommand(group.command).then(allPushed);
      return pushUniqueScript.run(this.#ipc.redis, {
        main: this.#keys.main,
        windowMs: this.#dedupeWindow,
        tasks: group.command.map((item, index) => ({ marker: this.#keys.dedupe(group.ids[index]!), item })),
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function idOf(result: PushResult): string {
  return result.id;
}

function allPushed(): readonly boolean[] {
  return ALL_PUSHED;
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
