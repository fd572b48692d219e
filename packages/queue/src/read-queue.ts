import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  AbortError,
  abortErrorFrom,
  type BlockingWait,
  backoffDelay,
  ClosedError,
  DecodeError,
  InvalidArgumentError,
  type IpcClient,
  type IpcError,
  isIpcError,
  isTransientError,
  PayloadCodec,
  type PayloadOptions,
  type RedisClient,
  sleep,
  TimeoutError,
  toIpcError,
  validateTimeout,
  within,
} from '@redis-ipc/core';
import {
  AckBatcher,
  choiceOption,
  durationOption,
  Fifo,
  integerOption,
  MAX_TIMER_MS,
} from '@redis-ipc/core/internal';
import { type DeadLetter, describeFailure, parseDeadLetter } from './dead-letter.js';
import { type Decoded, Envelope, isPlainId } from './envelope.js';
import type { ReadQueueEvents } from './events.js';
import { type HeartbeatResult, LeaseKeeper } from './lease-keeper.js';
import { QueueKeys } from './queue-keys.js';
import { scripts } from './scripts.js';
import { type NackOptions, type NackOutcome, QueueTask, type Task, type TaskOwner } from './task.js';
import { type IteratorHost, TaskIterator } from './task-iterator.js';
import {
  type CloseOptions,
  type ProcessOptions,
  type TaskHandler,
  TaskWorker,
  type Worker,
  type WorkerHost,
} from './worker.js';

/** How a reader hands out tasks. */
export type DeliveryMode =
  /** Leased, acked, retried, recovered after a crash: nothing is lost while Redis keeps its data. */
  | 'at-least-once'
  /** Plain pop: the fastest path, the Rust crate's semantics; a task is lost if its reader dies. */
  | 'at-most-once';

/** What a reader does with an item it cannot decode (after moving it to the dead-letter list). */
export type DecodeErrorPolicy =
  /** `pop`, `take` and the iterator reject with the {@link @redis-ipc/core!DecodeError}; the next call goes on. */
  | 'throw'
  /** Skipped; only the `decode-error` event reports it. */
  | 'skip';

/** Options of {@link createReadQueue}. */
export interface ReadQueueOptions<T> extends PayloadOptions<T> {
  /**
   * Delivery guarantee.
   * @default 'at-least-once'
   */
  delivery?: DeliveryMode;
  /**
   * Lease of an at-least-once reader, in ms. The reader renews it every `leaseMs / 3` while it lives
   * (however long its handlers run); once it stops renewing (crash, SIGKILL, lost network) another
   * reader puts its tasks back within about `leaseMs + leaseMs / 3`. At most 2147483647 (about
   * 24.8 days, the longest a Node.js timer can wait).
   * @default 3000
   */
  leaseMs?: number;
  /**
   * Deliveries after which a failing (or crash-causing) task goes to the dead-letter list instead of
   * being retried.
   * @default 5
   */
  maxDeliveries?: number;
  /**
   * Delay before a task whose `process` handler failed may run again, in ms, or a function of the
   * deliveries so far and the error.
   * @default 1000
   */
  retryDelayMs?: number | ((deliveries: number, error: unknown) => number);
  /**
   * Tasks taken ahead of demand, in one round trip, and held in a local buffer (leased, in
   * at-least-once mode). A `process` worker holds at most `concurrency + prefetch` tasks. Lower it to
   * spread work more evenly over many readers; raise it for throughput. The buffer is topped up when
   * it falls to a quarter of this, so each round trip brings about three quarters of it.
   * @default 100
   */
  prefetch?: number;
  /**
   * Never receive tasks pushed by writers of the same client (`ipc.id`); they stay queued, in order,
   * for other readers. Prefixed mode only (raw items carry no producer).
   * @default false
   */
  skipOwn?: boolean;
  /**
   * With `skipOwn`, longest pause between checks while the queue holds only this client's own tasks
   * (a blocking wait would wake at once on them), in ms. At most 2147483647.
   * @default 250
   */
  skipOwnPollMs?: number;
  /**
   * What `pop`, `take` and the iterator do with an item that cannot be decoded or fails the schema.
   * Either way it is first moved to the dead-letter list and reported as a `decode-error` event.
   * @default 'throw'
   */
  decodeErrors?: DecodeErrorPolicy;
  /**
   * Closes the reader (as `close()`) when it aborts.
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of {@link ReadQueue.take}. */
export interface TakeOptions {
  /**
   * How long to wait, in ms; `Infinity` waits for ever (so does any value above 2147483647, about
   * 24.8 days, the longest a Node.js timer can wait).
   * @default Infinity
   */
  timeoutMs?: number;
  /**
   * Aborts the wait: `take` rejects with {@link AbortError} as soon as the server-side wait has ended.
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of {@link ReadQueue.iterate}. */
export interface IterateOptions {
  /**
   * Ends the iteration (cleanly) when it aborts.
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of {@link ReadQueue.deadLetters}. */
export interface DeadLettersOptions {
  /**
   * Records to skip, newest first.
   * @default 0
   */
  offset?: number;
  /**
   * Most records to return.
   * @default 100
   */
  count?: number;
}

/** Options of {@link ReadQueue.requeueDeadLetters}. */
export interface RequeueDeadLettersOptions {
  /**
   * Most records to move back, oldest first.
   * @default Infinity (all)
   */
  count?: number;
}

/** A queue's tasks by state. */
export interface QueueCounts {
  /** Waiting to be taken. */
  readonly waiting: number;
  /** Waiting for their retry delay. */
  readonly delayed: number;
  /** Taken by at-least-once readers (running or buffered) and not yet acked. */
  readonly inFlight: number;
  /** In the dead-letter list. */
  readonly dead: number;
}

type Entry<T> = QueueTask<T> | DecodeError;

interface Waiter<T> {
  done: boolean;
  // The worker waiting, so that closing it cancels only its own waits.
  readonly owner: object | undefined;
  readonly leave: (error: IpcError) => void;
  readonly resolve: (entry: Entry<T>) => void;
  readonly reject: (error: IpcError) => void;
  readonly cleanup: () => void;
}

interface FetchOutcome {
  /** Items received (decodable or not). */
  readonly taken: number;
  readonly status: number;
  readonly nextDueMs: number;
}

const STATUS_EMPTY = 0;
const STATUS_ONLY_OWN = 2;
const MAX_BATCH = 1000;
const SCAN_LIMIT = 1000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const NACK_OUTCOMES: readonly NackOutcome[] = ['lost', 'requeued', 'delayed', 'dead-lettered'];
// At-most-once acks do nothing: one shared settled promise rather than one per task.
const SETTLED = Promise.resolve();

/**
 * The consuming side of a queue: `pop`, `take`, `for await`, or a `process` worker loop. Make it with
 * {@link createReadQueue}.
 *
 * In at-least-once mode (the default) every task taken is leased to this reader in Redis until it is
 * acked; one Lua call takes and leases a whole batch, acks are batched, and one timer renews the lease
 * for every task held and returns the tasks of readers that died. When the queue is empty the reader
 * waits in a single blocking command (BLMOVE into its own landing list, so an item is never lost
 * between the wait and the lease), which a push wakes at once.
 */
export class ReadQueue<T> extends EventEmitter<ReadQueueEvents<T>> {
  /** The queue name. */
  readonly name: string;
  /** The delivery guarantee. */
  readonly delivery: DeliveryMode;
  /** This reader's consumer id (its in-flight set and lease are named after it). */
  readonly consumerId: string;

  readonly #ipc: IpcClient;
  readonly #keys: QueueKeys;
  readonly #envelope: Envelope<T>;
  readonly #atLeastOnce: boolean;
  readonly #leaseMs: number;
  readonly #maxDeliveries: number;
  readonly #retryDelay: (deliveries: number, error: unknown) => number;
  readonly #prefetch: number;
  readonly #own: string;
  readonly #skipOwnPollMs: number;
  readonly #decodeErrors: DecodeErrorPolicy;
  readonly #takeKeys: string[];
  readonly #inflight: string;
  readonly #landing: string;
  readonly #usesScript: boolean;

  readonly #buffer = new Fifo<Entry<T>>();
  readonly #waiters = new Fifo<Waiter<T>>();
  #activeWaiters = 0;
  // Tasks handed out and not yet acked or nacked (at-least-once): given back when the reader closes.
  readonly #held = new Set<QueueTask<T>>();
  // Worker loops and iterators: they keep the buffer topped up ahead of demand. When the last one
  // stops, the buffer is given back.
  #streams = 0;
  // Giving the buffer back after the last worker or iterator stopped.
  #returning: Promise<void> | undefined;
  // Tasks being nacked: out of `#held`, still in the in-flight hash until the nack script has run.
  readonly #nacking = new Set<QueueTask<T>>();
  // A take failed (its reply may have been lost with the connection, after the script had leased
  // tasks): the in-flight hash must be checked for tasks this reader never received.
  #mustReconcile = false;
  // The last fetch or wait brought fewer tasks than asked for, so the queue was empty then: no top-up
  // until something arrives, and the next wait goes straight to the blocking command (which returns
  // at once if tasks came meanwhile) rather than trying a fetch first.
  #dry = false;
  // A blocking wait ended abnormally: its landing list may hold an item whose reply was lost.
  #landingMayHold = false;
  #pumping: Promise<void> | undefined;
  #fetching: Promise<FetchOutcome> | undefined;
  // The blocking wait in progress: aborted when nobody wants a task any more.
  #park: { readonly controller: AbortController; readonly ended: Promise<void> } | undefined;
  readonly #acks: AckBatcher<{ id: string; deliveries: number }> | undefined;
  #lease: LeaseKeeper | undefined;
  #registered = false;
  // Bumped when the lease is lost: replies decoded after that hold tasks that belong to others now.
  #epoch = 0;
  readonly #workers = new Set<TaskWorker<T>>();
  #stopped = false;
  readonly #stop = new AbortController();
  #closing: Promise<void> | undefined;

  readonly #owner: TaskOwner<T> = {
    ack: (task) => this.#ack(task),
    nack: (task, options) => this.#nack(task, options),
  };

  /** Use {@link createReadQueue}. */
  constructor(ipc: IpcClient, name: string, options: ReadQueueOptions<T> = {}) {
    super();
    this.name = name;
    this.#ipc = ipc;
    this.#keys = new QueueKeys(ipc, name);
    this.delivery = choiceOption(options.delivery ?? 'at-least-once', 'delivery', [
      'at-least-once',
      'at-most-once',
    ]);
    this.#atLeastOnce = this.delivery === 'at-least-once';
    this.#leaseMs = Math.round(durationOption(options.leaseMs ?? 3000, 'leaseMs', 30, MAX_TIMER_MS));
    this.#maxDeliveries = integerOption(options.maxDeliveries ?? 5, 'maxDeliveries', 1);
    this.#prefetch = integerOption(options.prefetch ?? 100, 'prefetch', 0, MAX_BATCH);
    this.#skipOwnPollMs = durationOption(options.skipOwnPollMs ?? 250, 'skipOwnPollMs', 1, MAX_TIMER_MS);
    this.#decodeErrors = choiceOption(options.decodeErrors ?? 'throw', 'decodeErrors', ['throw', 'skip']);
    const retry = options.retryDelayMs ?? 1000;
    if (typeof retry === 'function') this.#retryDelay = retry;
    else {
      const delay = durationOption(retry, 'retryDelayMs');
      this.#retryDelay = () => delay;
    }
    if (options.skipOwn) {
      if (ipc.keys.raw)
        throw new InvalidArgumentError('skipOwn needs prefixed mode: raw items carry no producer');
      if (!isPlainId(ipc.id)) {
        throw new InvalidArgumentError(
          'skipOwn needs a client id without quotes, backslashes or control characters',
        );
      }
    }
    this.#own = options.skipOwn ? ipc.id : '';
    this.#envelope = new Envelope(new PayloadCodec(options), undefined);
    this.consumerId = `${ipc.id}:${randomBytes(4).toString('hex')}`;
    this.#inflight = this.#keys.inflight(this.consumerId);
    this.#landing = this.#keys.landing(this.consumerId);
    this.#takeKeys = [
      this.#keys.main,
      this.#keys.consumers,
      this.#inflight,
      this.#landing,
      this.#keys.deliveries,
      this.#keys.delayed,
    ];
    this.#usesScript = this.#atLeastOnce || this.#own !== '';
    if (this.#atLeastOnce) {
      const inflight = this.#inflight;
      const deliveries = this.#keys.deliveries;
      this.#acks = new AckBatcher({
        send: async (acks) => {
          const ids = acks.map((ack) => ack.id);
          const retried = acks.filter((ack) => ack.deliveries > 1).map((ack) => ack.id);
          const commands: Promise<unknown>[] = [];
          for (let i = 0; i < ids.length; i += 1000) {
            commands.push(ipc.redis.sendCommand(['HDEL', inflight, ...ids.slice(i, i + 1000)]));
          }
          for (let i = 0; i < retried.length; i += 1000) {
            commands.push(ipc.redis.sendCommand(['HDEL', deliveries, ...retried.slice(i, i + 1000)]));
          }
          await Promise.all(commands);
        },
        onError: (error) => this.#reportError(error),
        stop: ipc.closeSignal,
      });
    }
    if (options.signal?.aborted) void this.close();
    else options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /**
   * Takes the next task if one is waiting; resolves with `undefined` when the queue is empty. Never
   * blocks. Rejects with {@link DecodeError} for an undecodable item (already dead-lettered; the next
   * call goes on) unless `decodeErrors` is `'skip'`, and with {@link ClosedError} once closed.
   */
  async pop(): Promise<Task<T> | undefined> {
    // Bounded: with decodeErrors 'skip' a batch of undecodable items leaves nothing to return.
    for (let round = 0; round < 16; round++) {
      this.#assertOpen();
      if (this.#buffer.length > 0) return this.#unwrap(this.#handOut());
      let outcome: FetchOutcome;
      try {
        // One for this call on top of the prefetch.
        outcome = await this.#fetchOnce(1);
      } catch (error) {
        throw toIpcError(error);
      }
      if (outcome.taken === 0 && this.#buffer.length === 0) return undefined;
    }
    return undefined;
  }

  /**
   * Waits for the next task. Rejects with {@link TimeoutError} when `timeoutMs` passes, with
   * {@link AbortError} as soon as `signal` aborts, with {@link ClosedError} when the reader closes,
   * and with {@link DecodeError} for an undecodable item (see `decodeErrors`). Keeps waiting, with
   * backoff, while Redis is unreachable.
   */
  async take(options: TakeOptions = {}): Promise<Task<T>> {
    const timeoutMs = validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    return this.#unwrap(await this.#next(options.signal, timeoutMs));
  }

  /**
   * The tasks, one after another, as an async iterable. It ends cleanly when the reader closes or
   * `signal` aborts, keeps waiting (backing off, not spinning) while Redis is unreachable, and
   * throws {@link DecodeError} for an undecodable item when `decodeErrors` is `'throw'`. Ack (or
   * nack) each task; acks are batched, so not awaiting them keeps the loop fast.
   */
  iterate(options: IterateOptions = {}): AsyncIterableIterator<Task<T>> {
    return new TaskIterator(this.#iteratorHost, options.signal);
  }

  /** `for await (const task of reader)`: see {@link ReadQueue.iterate}. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Task<T>> {
    return this.iterate();
  }

  /**
   * Runs `handler` for each task, at most `concurrency` at once: acks when it returns, nacks with
   * `retryDelayMs` when it throws (dead-letters after `maxDeliveries`). Undecodable items are
   * dead-lettered and reported as `decode-error` events; the loop never stops on a task's failure.
   * Returns the running {@link Worker}; `worker.close()` (or the reader's `close()`) stops it.
   */
  process(handler: TaskHandler<T>, options: ProcessOptions = {}): Worker {
    this.#assertOpen();
    const concurrency = integerOption(options.concurrency ?? 1, 'concurrency', 1, 10_000);
    // The worker counts itself in and out of #streams (out as soon as it stops taking tasks).
    const worker = new TaskWorker(this.#workerHost, handler, concurrency, options);
    this.#workers.add(worker);
    void worker.finished.then(() => this.#workers.delete(worker));
    return worker;
  }

  /** Number of tasks waiting to be taken (not counting delayed retries or tasks in flight). */
  async length(): Promise<number> {
    return Number(await this.#command(['LLEN', this.#keys.main]));
  }

  /** Number of tasks taken by at-least-once readers and not yet acked. */
  async inFlight(): Promise<number> {
    return (await this.counts()).inFlight;
  }

  /** The queue's tasks by state, counted in one script. */
  async counts(): Promise<QueueCounts> {
    try {
      const reply = (await scripts.counts.run(
        this.#ipc.redis,
        [this.#keys.main, this.#keys.delayed, this.#keys.dead, this.#keys.consumers],
        [this.#keys.inflightPrefix, this.#keys.landingPrefix],
      )) as number[];
      return {
        waiting: Number(reply[0]),
        delayed: Number(reply[1]),
        inFlight: Number(reply[2]),
        dead: Number(reply[3]),
      };
    } catch (error) {
      throw toIpcError(error);
    }
  }

  /** Records of the dead-letter list, newest first. */
  async deadLetters(options: DeadLettersOptions = {}): Promise<DeadLetter[]> {
    const offset = integerOption(options.offset ?? 0, 'offset', 0);
    const count = integerOption(options.count ?? 100, 'count', 1);
    const records = (await this.#command([
      'LRANGE',
      this.#keys.dead,
      String(offset),
      String(offset + count - 1),
    ])) as string[] | null;
    return (records ?? []).map((record) => parseDeadLetter(String(record)));
  }

  /** Number of records in the dead-letter list. */
  async deadLetterCount(): Promise<number> {
    return Number(await this.#command(['LLEN', this.#keys.dead]));
  }

  /**
   * Moves dead-lettered tasks back into the queue (at the back, oldest first) with fresh delivery
   * counts. Resolves with how many were moved.
   */
  async requeueDeadLetters(options: RequeueDeadLettersOptions = {}): Promise<number> {
    const limit = options.count ?? Number.POSITIVE_INFINITY;
    if (limit !== Number.POSITIVE_INFINITY) integerOption(limit, 'count', 0);
    let moved = 0;
    while (moved < limit) {
      const chunk = Math.min(MAX_BATCH, limit - moved);
      let reply: number[];
      try {
        reply = (await scripts.requeueDead.run(
          this.#ipc.redis,
          [this.#keys.dead, this.#keys.main, this.#keys.deliveries],
          [String(chunk)],
        )) as number[];
      } catch (error) {
        throw toIpcError(error);
      }
      moved += Number(reply[0]);
      if (Number(reply[0]) < chunk) break;
    }
    return moved;
  }

  /** Empties the dead-letter list; resolves with how many records it held. */
  async deleteDeadLetters(): Promise<number> {
    try {
      const [count] = await this.#ipc.redis.multi().lLen(this.#keys.dead).unlink(this.#keys.dead).exec();
      return Number(count);
    } catch (error) {
      throw toIpcError(error);
    }
  }

  /** True once {@link ReadQueue.close} has been called (or the client closed). */
  get closed(): boolean {
    return this.#stopped;
  }

  /**
   * Stops handing out tasks: pending `take`s reject with {@link ClosedError}, iterators end, workers
   * stop taking and their running handlers get until `timeoutMs` to finish (this deadline holds even
   * if a worker is already closing with a later one). Then pending acks are sent and every task still
   * held (buffered, or with a handler that did not finish) is given back to the head of the queue, so
   * other readers take it at once; the `task.signal` of a task given back aborts with a
   * {@link ClosedError}. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    return this.#closing;
  }

  async #close(timeout: number): Promise<void> {
    const timeoutMs = validateTimeout(timeout);
    const deadline = performance.now() + timeoutMs;
    this.#halt(new ClosedError('The reader is closed'));
    // The lease is renewed while handlers finish. A worker closing already keeps its own deadline,
    // which may be later: this one is kept all the same.
    // (Its close() promise may have settled early, on a shorter deadline: its lanes are what count.)
    const finishing = [...this.#workers].map((worker) => {
      void worker.close({ timeoutMs });
      return worker.finished.catch(() => undefined);
    });
    await within(Promise.all(finishing), timeoutMs);
    // Handlers still running now lose their tasks (given back below).
    this.#abandon();
    // Bounded even if Redis is unreachable now: what is not given back is recovered by other readers
    // once the lease expires.
    const grace = (Number.isFinite(deadline) ? Math.max(0, deadline - performance.now()) : 0) + 1000;
    const givingBack = (async () => {
      await Promise.allSettled([this.#pumping, this.#fetching, this.#returning]);
      // Stopped before giving back, so that a late renewal cannot register the closed reader again.
      this.#lease?.stop();
      if (!this.#ipc.closed) await this.#giveBack();
    })().catch((error: unknown) => this.#reportError(error));
    await within(givingBack, grace);
    this.#lease?.stop();
  }

  // The tasks still held are given back to the queue (or, if that fails, to other readers once the
  // lease expires): their handlers are told through task.signal, and no time limit may fire for them.
  #abandon(): void {
    const error = this.#closedError();
    for (const task of this.#held) task.abort(error);
    for (const worker of this.#workers) worker.abandon();
  }

  async #giveBack(): Promise<void> {
    await this.#acks?.drain();
    const buffered = this.#buffer
      .drain()
      .filter((entry): entry is QueueTask<T> => entry instanceof QueueTask);
    if (!this.#atLeastOnce) {
      // At-most-once: what was popped but never handed out goes back to the head, in order.
      if (buffered.length > 0) {
        await this.#command(['RPUSH', this.#keys.main, ...buffered.map((task) => task.item).reverse()]);
      }
      return;
    }
    if (!this.#registered) return;
    const pairs: string[] = [];
    for (const task of this.#held) pairs.push(task.id, String(task.deliveries));
    for (const task of buffered) pairs.push(task.id, '0');
    this.#held.clear();
    await this.#release(true, pairs);
  }

  // Stops handing out tasks at once; the rest of closing is up to the caller.
  #halt(error: IpcError): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stop.abort(error);
    this.#failWaiters(error);
    this.#park?.controller.abort(error);
    if (this.#ipc.closed) {
      this.#lease?.stop();
      this.#abandon();
    }
  }

  // ---- handing out -------------------------------------------------------------------------------

  #next(signal: AbortSignal | undefined, timeoutMs: number, owner?: object): Promise<Entry<T>> {
    if (this.#stopped || this.#ipc.closed) return Promise.reject(this.#closedError());
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
    const ready = this.#poll();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<Entry<T>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => leave(abortErrorFrom(signal!));
      const waiter: Waiter<T> = {
        done: false,
        owner,
        leave: (error) => leave(error),
        resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      const leave = (error: IpcError) => {
        if (waiter.done) return;
        this.#finishWaiter(waiter);
        if (this.#activeWaiters === 0) {
          this.#waiters.drain();
          // Nobody wants a task any more: end the blocking wait, and reject once it has ended, so
          // that nothing pushed after this rejection is taken on the caller's behalf.
          const park = this.#park;
          if (park) {
            park.controller.abort();
            void park.ended.then(() => reject(error));
            return;
          }
        } else if (this.#waiters.length > 64 + 2 * this.#activeWaiters) {
          this.#waiters.retain((other) => !other.done);
        }
        reject(error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== Number.POSITIVE_INFINITY)
        timer = setTimeout(() => leave(new TimeoutError(timeoutMs)), timeoutMs);
      this.#waiters.push(waiter);
      this.#activeWaiters++;
      this.#ensurePump();
    });
  }

  // A buffered entry, when one can be handed out at once (nobody is queued ahead).
  #poll(): Entry<T> | undefined {
    if (this.#buffer.length === 0 || this.#activeWaiters > 0 || this.#stopped) return undefined;
    const entry = this.#handOut();
    if (!this.#pumping && this.#wantsMore()) this.#ensurePump();
    return entry;
  }

  #handOut(): Entry<T> {
    const entry = this.#buffer.shift()!;
    if (this.#atLeastOnce && entry instanceof QueueTask) this.#held.add(entry);
    return entry;
  }

  #unwrap(entry: Entry<T>): Task<T> {
    if (entry instanceof DecodeError) throw entry;
    return entry;
  }

  #finishWaiter(waiter: Waiter<T>): void {
    waiter.done = true;
    this.#activeWaiters--;
    waiter.cleanup();
  }

  #serve(): void {
    while (this.#activeWaiters > 0 && this.#buffer.length > 0) {
      const waiter = this.#waiters.shift()!;
      if (waiter.done) continue;
      this.#finishWaiter(waiter);
      waiter.resolve(this.#handOut());
    }
  }

  #failWaiters(error: IpcError): void {
    for (const waiter of this.#waiters.drain()) {
      if (waiter.done) continue;
      this.#finishWaiter(waiter);
      waiter.reject(error);
    }
  }

  #wantsMore(): boolean {
    if (this.#stopped) return false;
    if (this.#activeWaiters > 0) return true;
    // Top up ahead of demand while a worker or an iterator is consuming.
    return this.#streams > 0 && !this.#dry && this.#buffer.length <= this.#prefetch >> 2;
  }

  #want(): number {
    return Math.max(1, Math.min(MAX_BATCH, this.#activeWaiters + this.#prefetch - this.#buffer.length));
  }

  #ensurePump(): void {
    if (this.#pumping || this.#stopped) return;
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#activeWaiters > 0) this.#ensurePump();
    });
  }

  // One loop per reader fills the buffer for everyone waiting: a batch fetch while tasks are there,
  // one blocking wait when the queue is empty, backoff while Redis is unreachable.
  async #pump(): Promise<void> {
    let failures = 0;
    let ownPolls = 0;
    while (this.#wantsMore()) {
      this.#serve();
      if (!this.#wantsMore()) break;
      try {
        // skipOwn needs the fetch's verdict (empty, or only our own tasks) before it may block; so
        // does a reconciliation, which runs before a fetch and never during a blocking wait.
        if (
          this.#dry &&
          this.#activeWaiters > 0 &&
          this.#own === '' &&
          !this.#mustReconcile &&
          !this.#fetching
        ) {
          await this.#parkUntilPushed(-1);
          continue;
        }
        const outcome = await this.#fetchOnce();
        failures = 0;
        if (outcome.taken > 0) {
          ownPolls = 0;
          continue;
        }
        // A top-up found nothing: not worth a blocking wait while nobody is waiting.
        if (this.#activeWaiters === 0) break;
        if (outcome.status === STATUS_ONLY_OWN) {
          // A blocking wait would wake at once on our own items: re-check with backoff instead.
          await this.#idle(Math.min(this.#skipOwnPollMs, 10 * 2 ** ownPolls++));
          continue;
        }
        ownPolls = 0;
        await this.#parkUntilPushed(outcome.nextDueMs);
      } catch (error) {
        if (this.#stopped) break;
        const failure = toIpcError(error);
        // The wait was ended because nobody wants a task any more, or a retry fell due.
        if (isIpcError(failure, 'IPC_ABORTED') || isIpcError(failure, 'IPC_TIMEOUT')) continue;
        if (isIpcError(failure, 'IPC_CLOSED')) {
          this.#halt(failure);
          break;
        }
        this.#reportError(failure);
        if (isTransientError(failure)) {
          // A take's reply may have been lost with the connection.
          if (this.#atLeastOnce) this.#mustReconcile = true;
          await this.#idle(backoffDelay(failures++));
          continue;
        }
        this.#failWaiters(failure);
        break;
      }
    }
  }

  async #idle(ms: number): Promise<void> {
    try {
      await sleep(ms, this.#stop.signal);
    } catch {
      // Stopped: the loop ends.
    }
  }

  #fetchOnce(extra = 0): Promise<FetchOutcome> {
    this.#fetching ??= this.#fetch(Math.min(MAX_BATCH, this.#want() + extra)).finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #fetch(want: number): Promise<FetchOutcome> {
    if (this.#usesScript) {
      // Only while no blocking wait is running: its take could be leasing tasks right now.
      if (this.#mustReconcile && !this.#park) await this.#reconcile();
      let reply: unknown;
      try {
        reply = await scripts.take.run(this.#ipc.redis, this.#takeKeys, this.#takeArgs(want, false));
      } catch (error) {
        // The script may have run, and leased tasks, before the reply was lost.
        if (this.#atLeastOnce) this.#mustReconcile = true;
        throw error;
      }
      return this.#acceptTake(reply, want);
    }
    const popped = await this.#ipc.redis.sendCommand(['RPOP', this.#keys.main, String(want)]);
    return this.#acceptPopped(popped, want);
  }

  #takeArgs(want: number, afterWait: boolean): string[] {
    return [
      this.consumerId,
      String(want),
      this.#atLeastOnce ? String(this.#leaseMs) : '0',
      this.#own,
      String(SCAN_LIMIT),
      afterWait ? '1' : '0',
    ];
  }

  async #parkUntilPushed(nextDueMs: number): Promise<void> {
    const controller = new AbortController();
    let ended!: () => void;
    const park = { controller, ended: new Promise<void>((resolve) => (ended = resolve)) };
    this.#park = park;
    // A retry due in more than a timer can wait: as good as none.
    const timeoutMs = nextDueMs >= 0 ? validateTimeout(Math.max(1, nextDueMs)) : Number.POSITIVE_INFINITY;
    const want = this.#want();
    let completed = false;
    try {
      if (this.#usesScript) {
        const reply = await this.#ipc.blocking(this.#landingCommand(want), {
          timeoutMs,
          signal: controller.signal,
          onLateValue: (late) => this.#giveBackLeased(late),
        });
        if (this.#demand()) await this.#acceptTake(reply, want);
        else this.#giveBackLeased(reply);
      } else {
        const main = this.#keys.main;
        const reply = await this.#ipc.blocking(
          (redis, wait) =>
            redis.sendCommand([
              'BLMPOP',
              String(wait.seconds),
              '1',
              main,
              'RIGHT',
              'COUNT',
              String(want),
            ]) as Promise<[string, string[]] | null>,
          {
            timeoutMs,
            signal: controller.signal,
            onLateValue: (late) => this.#givePoppedBack(late[1]),
          },
        );
        if (this.#demand()) await this.#acceptPopped(reply[1], want);
        else this.#givePoppedBack(reply[1]);
      }
      completed = true;
    } finally {
      if (!completed) this.#landingMayHold = true;
      if (this.#park === park) this.#park = undefined;
      ended();
    }
  }

  // Someone is (or will soon be) asking for tasks: a waiter, a worker or an iterator.
  #demand(): boolean {
    return !this.#stopped && (this.#activeWaiters > 0 || this.#streams > 0);
  }

  // What a blocking wait brought after nobody wanted it any more goes back to the head of the queue
  // at once, for other readers, rather than sitting leased in this reader's buffer.
  #giveBackLeased(reply: unknown): void {
    const flat = reply as unknown[];
    if (this.#atLeastOnce) this.#noteLease(Number(flat[2]) === 1);
    if (flat.length <= 3) return;
    if (!this.#atLeastOnce) {
      this.#givePoppedBack(flat.filter((_, index) => index >= 3 && index % 3 === 1).map(String));
      return;
    }
    const pairs: string[] = [];
    for (let i = 3; i + 2 < flat.length; i += 3) pairs.push(String(flat[i]), '0');
    this.#release(false, pairs).catch((error: unknown) => this.#releaseFailed(error));
  }

  // What a failed release left in the in-flight hash is found by the next reconciliation.
  #releaseFailed(error: unknown): void {
    this.#mustReconcile = true;
    this.#reportError(error);
  }

  // The last worker or iterator stopped: what was fetched ahead for it goes back to the head of the
  // queue, for other readers, rather than sit leased here until this reader closes.
  #returnBuffered(): void {
    if (this.#stopped || this.#streams > 0 || this.#activeWaiters > 0) return;
    // A top-up or a blocking wait still on its way is given back once it has landed.
    const again = () => this.#returnBuffered();
    this.#fetching?.then(again, again);
    this.#park?.ended.then(again, again);
    if (this.#buffer.length === 0) return;
    const tasks: QueueTask<T>[] = [];
    // Decode errors stay: they are dead-lettered already, and reported to the next taker.
    for (const entry of this.#buffer.drain()) {
      if (entry instanceof QueueTask) tasks.push(entry);
      else this.#buffer.push(entry);
    }
    if (tasks.length === 0) return;
    this.#dry = false;
    let returning: Promise<unknown>;
    if (this.#atLeastOnce) {
      const pairs: string[] = [];
      for (const task of tasks) pairs.push(task.id, '0');
      returning = this.#release(false, pairs);
    } else {
      returning = this.#command(['RPUSH', this.#keys.main, ...tasks.map((task) => task.item).reverse()]);
    }
    const done: Promise<void> = returning.then(
      () => undefined,
      (error: unknown) => (this.#atLeastOnce ? this.#releaseFailed(error) : this.#reportError(error)),
    );
    this.#returning = done;
    void done.then(() => {
      if (this.#returning === done) this.#returning = undefined;
    });
  }

  // Gives back the tasks leased to this reader by a take whose reply was lost: in its in-flight hash,
  // yet neither buffered, handed out, nor being acked or nacked. Runs with no take in flight.
  async #reconcile(): Promise<void> {
    this.#mustReconcile = false;
    try {
      const ids = (await this.#command(['HKEYS', this.#inflight])) as string[];
      // A blocking take may have leased tasks whose reply is still on its way: look again later.
      if (this.#park) {
        this.#mustReconcile = true;
        return;
      }
      // Taken now that the hash is read: every reply sent before it has been handled by now (acks
      // sent before it on this connection are done, those not sent yet are pending).
      const known = new Set<string>();
      for (const task of this.#held) known.add(task.id);
      for (const task of this.#nacking) known.add(task.id);
      this.#buffer.forEach((entry) => {
        if (entry instanceof QueueTask) known.add(entry.id);
      });
      this.#acks?.forEachPending((ack) => known.add(ack.id));
      const pairs: string[] = [];
      for (const id of ids) if (!known.has(String(id))) pairs.push(String(id), '0');
      if (pairs.length > 0) await this.#release(false, pairs);
    } catch (error) {
      this.#mustReconcile = true;
      throw error;
    }
  }

  // Gives tasks this reader holds back to the head of the queue; `final` when the reader closes.
  #release(final: boolean, pairs: readonly string[]): Promise<unknown> {
    return scripts.release.run(
      this.#ipc.redis,
      [
        this.#keys.main,
        this.#keys.consumers,
        this.#inflight,
        this.#landing,
        this.#keys.deliveries,
        this.#keys.dead,
      ],
      [this.consumerId, final ? '1' : '0', String(this.#maxDeliveries), ...pairs],
    );
  }

  // BLMOVE parks on the queue; the take script pipelined behind it on the same connection runs the
  // moment it returns, so the item is leased without another round trip. An item whose reply was lost
  // (connection cut) stays in the landing list, which the next attempt leases first.
  #landingCommand(want: number): (redis: RedisClient, wait: BlockingWait) => Promise<unknown> {
    const args = this.#takeArgs(want, true);
    const { main } = this.#keys;
    const landing = this.#landing;
    let attempts = 0;
    // The last attempt threw: the connection dropped, maybe after its take had leased tasks.
    let failed = false;
    const drainFirst = this.#landingMayHold;
    this.#landingMayHold = false;
    return async (redis, wait) => {
      const lost = failed;
      failed = false;
      try {
        if (attempts++ > 0 || drainFirst) {
          const drained = (await scripts.take.run(redis, this.#takeKeys, args)) as unknown[];
          if (drained.length > 3) return drained;
          // End the wait (with nothing) so that tasks leased by the lost reply are reconciled
          // before the next one.
          if (lost && this.#atLeastOnce) return drained;
        }
        const [moved, leased] = await Promise.all([
          redis.sendCommand(['BLMOVE', main, landing, 'RIGHT', 'LEFT', String(wait.seconds)]),
          scripts.take.run(redis, this.#takeKeys, args) as Promise<unknown[]>,
        ]);
        return moved === null && leased.length <= 3 ? null : leased;
      } catch (error) {
        failed = true;
        // The connection may have dropped after the take had leased tasks, and the wait may end
        // here (aborted, timed out) without another attempt: reconcile before the next take.
        if (this.#atLeastOnce) this.#mustReconcile = true;
        throw error;
      }
    };
  }

  async #acceptTake(reply: unknown, want: number): Promise<FetchOutcome> {
    const flat = reply as unknown[];
    const status = Number(flat[0]);
    const nextDueMs = Number(flat[1]);
    if (this.#atLeastOnce) this.#noteLease(Number(flat[2]) === 1);
    const epoch = this.#epoch;
    const taken = (flat.length - 3) / 3;
    this.#dry = taken < want;
    if (taken === 0) return { taken, status, nextDueMs };
    for (let i = 3; i + 2 < flat.length; i += 3) {
      let entry = this.#decode(String(flat[i]), String(flat[i + 1]), Number(flat[i + 2]));
      if (entry instanceof Promise) entry = await entry;
      if (entry && epoch === this.#epoch) this.#buffer.push(entry);
    }
    this.#serve();
    return { taken, status, nextDueMs };
  }

  async #acceptPopped(reply: unknown, want: number): Promise<FetchOutcome> {
    const items = Array.isArray(reply) ? reply : [];
    this.#dry = items.length < want;
    for (const item of items) {
      let entry = this.#decode(undefined, String(item), 1);
      if (entry instanceof Promise) entry = await entry;
      if (entry) this.#buffer.push(entry);
    }
    this.#serve();
    return { taken: items.length, status: items.length > 0 ? 1 : STATUS_EMPTY, nextDueMs: -1 };
  }

  // Popped items nobody wants any more go back to the head, in order, rather than lost.
  #givePoppedBack(items: string[]): void {
    if (items.length === 0) return;
    this.#command(['RPUSH', this.#keys.main, ...[...items].reverse()]).catch((error: unknown) =>
      this.#reportError(error),
    );
  }

  // Decodes one item into a task; an undecodable one is dead-lettered and becomes a DecodeError entry
  // (or nothing, when decodeErrors is 'skip'). Synchronous unless a schema is asynchronous, so a batch
  // costs no promise per item.
  #decode(
    leasedId: string | undefined,
    item: string,
    deliveries: number,
  ): Entry<T> | undefined | Promise<Entry<T> | undefined> {
    let decoded: Decoded<T> | Promise<Decoded<T>>;
    try {
      decoded = this.#envelope.decode(item, leasedId);
    } catch (error) {
      return this.#poison(leasedId, item, deliveries, error);
    }
    if (decoded instanceof Promise) {
      return decoded.then(
        (done) => this.#task(leasedId, item, deliveries, done),
        (error: unknown) => this.#poison(leasedId, item, deliveries, error),
      );
    }
    return this.#task(leasedId, item, deliveries, decoded);
  }

  #task(leasedId: string | undefined, item: string, deliveries: number, decoded: Decoded<T>): QueueTask<T> {
    const { parsed, value } = decoded;
    return new QueueTask(this.#owner, leasedId ?? parsed.id, item, value, deliveries, parsed.producer);
  }

  async #poison(
    leasedId: string | undefined,
    item: string,
    deliveries: number,
    error: unknown,
  ): Promise<Entry<T> | undefined> {
    if (!(error instanceof DecodeError)) throw error;
    const id = leasedId ?? error.id ?? `#${createHash('sha1').update(item).digest('hex')}`;
    await this.#deadLetter(id, item, deliveries, `undecodable: ${error.message}`);
    this.emit('decode-error', error);
    return this.#decodeErrors === 'throw' ? error : undefined;
  }

  async #deadLetter(id: string, item: string, deliveries: number, reason: string): Promise<void> {
    const moved = await this.#retrying(() =>
      scripts.deadLetter.run(
        this.#ipc.redis,
        [this.#inflight, this.#keys.deliveries, this.#keys.dead],
        [
          id,
          reason,
          String(deliveries),
          this.consumerId,
          this.#atLeastOnce ? '1' : '0',
          this.#atLeastOnce ? '' : item,
        ],
      ),
    ).catch((error: unknown) => {
      this.#reportError(error);
      return 0;
    });
    if (Number(moved) === 1) this.emit('dead-letter', { id, reason, deliveries });
  }

  // ---- leases -----------------------------------------------------------------------------------

  #noteLease(registered: boolean): void {
    if (registered) {
      if (this.#registered) this.#leaseLost();
      this.#registered = true;
    }
    if (!this.#lease && !this.#stopped) {
      this.#lease = new LeaseKeeper({
        ipc: this.#ipc,
        keys: this.#keys,
        consumerId: this.consumerId,
        leaseMs: this.#leaseMs,
        maxDeliveries: this.#maxDeliveries,
        onResult: (result) => this.#onHeartbeat(result),
        onError: (error) => this.#reportError(error),
      });
    }
  }

  #onHeartbeat(result: HeartbeatResult): void {
    if (result.registered && this.#registered) this.#leaseLost();
    this.#registered = true;
    if (result.requeued > 0 || result.deadLettered > 0) {
      this.emit('recovered', { requeued: result.requeued, deadLettered: result.deadLettered });
    }
  }

  // Another reader reclaimed our tasks (we were cut off or blocked too long): the buffered ones are
  // queued again for others, so drop them rather than run them twice.
  #leaseLost(): void {
    this.#epoch++;
    const kept = this.#buffer.drain().filter((entry) => entry instanceof DecodeError);
    for (const entry of kept) this.#buffer.push(entry);
    this.emit('lease-lost');
  }

  // ---- settling ---------------------------------------------------------------------------------

  #ack(task: QueueTask<T>): Promise<void> {
    if (!this.#acks) return SETTLED;
    this.#held.delete(task);
    return this.#acks.add({ id: task.id, deliveries: task.deliveries });
  }

  async #nack(task: QueueTask<T>, options: NackOptions): Promise<NackOutcome> {
    if (!this.#atLeastOnce) return 'ignored';
    const delayMs = Math.round(durationOption(options.delayMs ?? 0, 'delayMs'));
    this.#held.delete(task);
    this.#nacking.add(task);
    try {
      return await this.#nackScript(task, delayMs, describeFailure(options.error, 'nacked'));
    } finally {
      this.#nacking.delete(task);
    }
  }

  async #nackScript(task: QueueTask<T>, delayMs: number, reason: string): Promise<NackOutcome> {
    const code = Number(
      await this.#retrying(() =>
        scripts.nack.run(
          this.#ipc.redis,
          [this.#inflight, this.#keys.deliveries, this.#keys.main, this.#keys.delayed, this.#keys.dead],
          [
            task.id,
            String(task.deliveries),
            String(delayMs),
            String(this.#maxDeliveries),
            reason,
            this.consumerId,
          ],
        ),
      ).catch((error: unknown) => {
        const failure = toIpcError(error);
        this.#reportError(failure);
        throw failure;
      }),
    );
    if (code === 2) this.#lease?.wake(delayMs);
    if (code === 3) this.emit('dead-letter', { id: task.id, reason, deliveries: task.deliveries });
    return NACK_OUTCOMES[code] ?? 'lost';
  }

  // Retries an idempotent-enough operation while Redis is unreachable, until the client closes.
  async #retrying<R>(operation: () => Promise<R>): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        const failure = toIpcError(error);
        if (!isTransientError(failure) || this.#ipc.closed) throw failure;
        await sleep(backoffDelay(attempt), this.#ipc.closeSignal).catch(() => {
          throw failure;
        });
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  readonly #workerHost: WorkerHost<T> = (() => {
    const reader = this;
    return {
      poll: () => reader.#poll(),
      next: (worker: object) => reader.#next(undefined, Number.POSITIVE_INFINITY, worker),
      cancel: (worker: object) => {
        const error = new AbortError();
        const waiters = reader.#waiters.drain();
        for (const waiter of waiters) if (!waiter.done) reader.#waiters.push(waiter);
        for (const waiter of waiters) if (waiter.owner === worker) waiter.leave(error);
      },
      stream: (delta: 1 | -1) => reader.#stream(delta),
      get stopped() {
        return reader.#stopped;
      },
      retryDelay: (deliveries: number, error: unknown) => {
        const delay = reader.#retryDelay(deliveries, error);
        return Number.isFinite(delay) && delay > 0 ? delay : 0;
      },
      reportError: (error: unknown) => reader.#reportError(error),
      taskFailed: (event) => reader.emit('task-failed', event),
    };
  })();

  readonly #iteratorHost: IteratorHost<T> = (() => {
    const reader = this;
    return {
      poll: () => reader.#poll(),
      next: (signal: AbortSignal | undefined) => reader.#next(signal, Number.POSITIVE_INFINITY),
      get stopped() {
        return reader.#stopped || reader.#ipc.closed;
      },
      stream: (delta: 1 | -1) => reader.#stream(delta),
    };
  })();

  #stream(delta: 1 | -1): void {
    this.#streams += delta;
    if (this.#streams === 0) this.#returnBuffered();
  }

  async #command(args: string[]): Promise<unknown> {
    try {
      return await this.#ipc.redis.sendCommand(args);
    } catch (error) {
      throw toIpcError(error);
    }
  }

  #assertOpen(): void {
    if (this.#stopped || this.#ipc.closed) throw this.#closedError();
  }

  #closedError(): ClosedError {
    return this.#ipc.closed ? new ClosedError() : new ClosedError('The reader is closed');
  }

  #reportError(error: unknown): void {
    // An 'error' event with no listener would throw: report only to those who listen.
    if (this.listenerCount('error') > 0) this.emit('error', toIpcError(error));
  }
}

/**
 * Makes the consuming side of the queue `name`.
 *
 * @example
 * const jobs = createReadQueue<{ url: string }>(ipc, 'jobs');
 * const worker = jobs.process(async ({ url }) => fetch(url), { concurrency: 8 });
 * // later
 * await jobs.close();
 */
export function createReadQueue<T>(
  ipc: IpcClient,
  name: string,
  options?: ReadQueueOptions<T>,
): ReadQueue<T> {
  return new ReadQueue(ipc, name, options);
}
