import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  AbortError,
  ClosedError,
  DecodeError,
  type IpcClient,
  type IpcError,
  toIpcError,
} from '@redis-ipc/core';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  integerOption,
  onAbort,
  rejectUnknownOptions,
  reportError,
  validateTimeout,
  within,
} from '@redis-ipc/core/internal';
import type { BufferReturn } from './buffer-return.js';
import type { DeadLetter } from './dead-letter.js';
import { Dispatcher, type Entry } from './dispatcher.js';
import type { ReadQueueEvents } from './events.js';
import type { Lease } from './lease.js';
import { LeaseLostError } from './lease-lost-error.js';
import type { Pump } from './pump.js';
import { type DeadLettersOptions, QueueAdmin, type RequeueDeadLettersOptions } from './queue-admin.js';
import { QueueKeys } from './queue-keys.js';
import {
  type DeliveryMode,
  type IterateOptions,
  type ReadQueueOptions,
  type ReadSettings,
  resolveReadSettings,
  type TakeOptions,
} from './read-options.js';
import { assembleReader } from './reader-parts.js';
import type { QueueCounts } from './scripts/counts.js';
import type { Settlement } from './settlement.js';
import { StartTurns } from './start-turns.js';
import { QueueTask, type Task } from './task.js';
import { iterateTasks } from './task-iterator.js';
import type { Transport } from './transport.js';
import {
  type CloseOptions,
  type ProcessOptions,
  type TaskHandler,
  TaskWorker,
  type Worker,
} from './worker.js';

/**
 * The consuming side of a queue: `pop`, `take`, `for await`, or a `process` worker loop. Make it with
 * {@link createReadQueue}.
 *
 * In at-least-once mode (the default) every delivery is leased to this reader in Redis under a token
 * of its own until it is acked; one Lua call takes and leases a whole batch, acks are batched, and one
 * timer renews the lease for every task held and returns the tasks of readers that died. When the
 * queue is empty the reader waits in a single blocking command (BLMOVE into its own landing list, so
 * an item is never lost between the wait and the lease), which a push wakes at once.
 */
export class ReadQueue<T> extends EventEmitter<ReadQueueEvents<T>> {
  /** The queue name. */
  readonly name: string;
  /** The delivery guarantee. */
  readonly delivery: DeliveryMode;
  /** This reader's consumer id (its in-flight hash and lease are named after it). */
  readonly consumerId: string;

  readonly #ipc: IpcClient;
  readonly #settings: ReadSettings;
  readonly #admin: QueueAdmin;
  readonly #dispatcher: Dispatcher<T>;
  readonly #transport: Transport<T>;
  readonly #pump: Pump<T>;
  // At-least-once only.
  readonly #lease: Lease | undefined;
  readonly #settlement: Settlement<T> | undefined;
  readonly #workers = new Set<TaskWorker<T>>();
  readonly #stop = new AbortController();
  readonly #removeSignalListener: () => void;
  readonly #bufferReturn: BufferReturn<T>;
  #closing: Promise<void> | undefined;
  // Handlers (or loop bodies) run in a burst of quick ones: takes mark what they take as started.
  #burst = false;
  // Shared by every worker of this reader: its started marks are one sequence.
  readonly #startTurns = new StartTurns();

  /** Use {@link createReadQueue}. */
  constructor(ipc: IpcClient, name: string, options: ReadQueueOptions<T> = {}) {
    super();
    const reader$ = this;
    const settings = resolveReadSettings(ipc, options);
    this.name = name;
    this.delivery = settings.atLeastOnce ? 'at-least-once' : 'at-most-once';
    this.consumerId = `${ipc.id}:${randomBytes(4).toString('hex')}`;
    this.#ipc = ipc;
    this.#settings = settings;
    const keys = new QueueKeys(ipc, name);
    this.#admin = new QueueAdmin(ipc, keys);
    this.#dispatcher = new Dispatcher<T>(settings.prefetch, {
      demand: () => this.#pump.ensureRunning(),
      handedOut: (task) => this.#settlement?.started(task),
      lastWaiterLeft: () => this.#pump.endWait(),
      consumersGone: () => this.#bufferReturn.consumersGone(),
    });
    const parts = assembleReader<T>(ipc, keys, this.consumerId, settings, options, this.#dispatcher, {
      get burst() {
        return reader$.#burst;
      },
      forEachBuffered: (visit) =>
        this.#dispatcher.buffer.forEach((entry) => {
          if (entry instanceof QueueTask) visit(entry.seq);
        }),
      leaseLost: () => this.#leaseLost(),
      recovered: (reply) => {
        for (const { id, deliveries } of reply.deadLettered) {
          this.emit('dead-letter', { id, reason: 'max-deliveries', deliveries });
        }
        this.emit('recovered', { requeued: reply.requeued, deadLettered: reply.deadLettered.length });
      },
      leaseTick: () => this.#bufferReturn.checkIdle(),
      deadLettered: (event) => this.emit('dead-letter', event),
      decodeError: (error) => this.emit('decode-error', error),
      reportError: (error) => reportError(this, error),
      stopSignal: this.#stop.signal,
      get stopped() {
        return reader$.closed;
      },
      halt: (error) => this.#halt(toIpcError(error)),
    });
    ({
      lease: this.#lease,
      settlement: this.#settlement,
      transport: this.#transport,
      pump: this.#pump,
      bufferReturn: this.#bufferReturn,
    } = parts);
    this.#removeSignalListener = onAbort(options.signal, () => void this.close());
  }

  /**
   * Takes the next task if one is waiting; resolves with `undefined` when the queue is empty. Never
   * blocks, and takes only what it returns. Rejects with {@link DecodeError} for an undecodable item
   * (already dead-lettered; the next call goes on) unless `decodeErrors` is `'skip'`, and with
   * {@link ClosedError} once closed.
   */
  async pop(): Promise<Task<T> | undefined> {
    // Bounded: with decodeErrors 'skip' a batch of undecodable items leaves nothing to return.
    for (let round = 0; round < 16; round++) {
      this.#assertOpen();
      const ready = this.#dispatcher.poll();
      if (ready !== undefined) return this.#started(unwrap(ready));
      const taken = await this.#pump.takeOnce(Math.max(1, this.#dispatcher.wanted()));
      if (taken === 0 && this.#dispatcher.buffer.length === 0) return undefined;
    }
    return undefined;
  }

  /**
   * Waits for the next task, taking only what it returns. Rejects with
   * {@link @redis-ipc/core!TimeoutError} when `timeoutMs` passes, with
   * {@link @redis-ipc/core!AbortError} as soon as `signal` aborts, with {@link ClosedError} when the
   * reader closes, and with {@link DecodeError} for an undecodable item (see `decodeErrors`). Keeps
   * waiting, with backoff, while Redis is unreachable.
   */
  async take(options: TakeOptions = {}): Promise<Task<T>> {
    const timeoutMs = validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    this.#assertOpen();
    return this.#started(unwrap(await this.#dispatcher.next(options.signal, timeoutMs)));
  }

  /**
   * The tasks, one after another, as an async iterable, topped up `prefetch` ahead. It ends cleanly
   * when the reader closes or `signal` aborts, keeps waiting (backing off, not spinning) while Redis is
   * unreachable, and ends by throwing {@link DecodeError} for an undecodable item when `decodeErrors`
   * is `'throw'` (a new `iterate()` goes on). Ack (or nack) each task; acks are batched, so not awaiting
   * them keeps the loop fast.
   */
  iterate(options: IterateOptions = {}): AsyncIterableIterator<Task<T>> {
    return iterateTasks<T>(
      {
        dispatcher: this.#dispatcher,
        closed: () => this.closed || this.#ipc.closed,
        beforeStart: (task, fast) => this.#beforeStart(task, fast),
        started: (task) => this.#started(task),
      },
      options.signal,
    );
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
    rejectUnknownOptions(options, ['concurrency', 'timeoutMs', 'signal'], 'process');
    const concurrency = integerOption(options.concurrency ?? 1, 'concurrency', 1, 10_000);
    const dispatcher = this.#dispatcher;
    const reader$ = this;
    const worker = new TaskWorker<T>(
      {
        poll: () => dispatcher.poll(),
        next: (owner) => dispatcher.next(undefined, Number.POSITIVE_INFINITY, owner),
        cancel: (owner) => dispatcher.cancel(owner, new AbortError()),
        beforeStart: (task, fast) => this.#beforeStart(task, fast),
        startTurns: this.#startTurns,
        countConsumer: (delta) => dispatcher.countConsumer(delta),
        get stopped() {
          return reader$.closed;
        },
        retryDelay: (deliveries, error) => {
          const delay = this.#settings.retryDelay(deliveries, error);
          return Number.isFinite(delay) && delay > 0 ? delay : 0;
        },
        reportError: (error) => reportError(this, error),
        failed: (event) => this.emit('failed', event),
      },
      handler,
      concurrency,
      options,
    );
    this.#workers.add(worker);
    void worker.finished.then(() => this.#workers.delete(worker));
    return worker;
  }

  /** Number of tasks waiting to be taken (not counting delayed retries or tasks in flight). */
  length(): Promise<number> {
    return this.#admin.length();
  }

  /** Number of tasks taken by at-least-once readers and not yet acked. */
  async inFlight(): Promise<number> {
    return (await this.#admin.counts()).inFlight;
  }

  /** The queue's tasks by state, counted in one script. */
  counts(): Promise<QueueCounts> {
    return this.#admin.counts();
  }

  /** Records of the dead-letter list, newest first. */
  deadLetters(options?: DeadLettersOptions): Promise<DeadLetter[]> {
    return this.#admin.deadLetters(options);
  }

  /** Number of records in the dead-letter list. */
  deadLetterCount(): Promise<number> {
    return this.#admin.deadLetterCount();
  }

  /**
   * Moves dead-lettered tasks back into the queue (at the back, oldest first) with fresh delivery
   * counts. Resolves with how many were moved.
   */
  requeueDeadLetters(options?: RequeueDeadLettersOptions): Promise<number> {
    return this.#admin.requeueDeadLetters(options);
  }

  /** Empties the dead-letter list; resolves with how many records it held. */
  deleteDeadLetters(): Promise<number> {
    return this.#admin.deleteDeadLetters();
  }

  /** True once {@link ReadQueue.close} has been called (or the client closed). */
  get closed(): boolean {
    return this.#stop.signal.aborted;
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
    // which may be later: this one is kept all the same (its lanes are what count).
    const finishing = [...this.#workers].map((worker) => {
      void worker.close({ timeoutMs });
      return worker.finished.catch(() => undefined);
    });
    await within(Promise.all(finishing), timeoutMs);
    // Handlers still running now lose their tasks (given back below).
    this.#abandon(this.#closedError());
    // Bounded even if Redis is unreachable now: what is not given back is recovered by other readers
    // once the lease expires.
    const grace = (Number.isFinite(deadline) ? Math.max(0, deadline - performance.now()) : 0) + 1000;
    const givingBack = (async () => {
      await Promise.allSettled([this.#pump.idle(), this.#bufferReturn.returning]);
      // Stopped before giving back, so that a late renewal cannot register the closed reader again.
      this.#lease?.stop();
      if (this.#ipc.closed) return;
      await this.#settlement?.drain();
      const held = this.#settlement?.releaseHeld() ?? [];
      await this.#transport.close(held, this.#dispatcher.takeBuffered());
    })().catch((error: unknown) => reportError(this, error));
    await within(givingBack, grace);
    this.#lease?.stop();
  }

  // The tasks still held are given back to the queue (or, if that fails, to other readers once the
  // lease expires): their handlers are told through task.signal, and no time limit may fire for them.
  #abandon(reason: IpcError): void {
    for (const task of this.#settlement?.held.values() ?? []) task.abort(reason);
    for (const worker of this.#workers) worker.abandon();
  }

  // Stops handing out tasks at once; the rest of closing is up to the caller.
  #halt(error: IpcError): void {
    if (this.closed) return;
    this.#removeSignalListener();
    this.#stop.abort(error);
    this.#dispatcher.stop(error);
    void this.#pump.endWait();
    if (this.#ipc.closed) {
      this.#lease?.stop();
      this.#abandon(error);
    }
  }

  // Another reader reclaimed our deliveries: the buffered ones are queued again for others (dropped
  // here rather than run twice), and running handlers are told to stop.
  #leaseLost(): void {
    const error = new LeaseLostError();
    this.#dispatcher.takeBuffered();
    for (const task of this.#settlement?.releaseHeld() ?? []) task.abort(error);
    this.#settlement?.leaseLost();
    this.emit('lease-lost');
  }

  // Resolves with `task` once its started mark has been written (at once when it has).
  async #started(task: Task<T>): Promise<Task<T>> {
    if (task instanceof QueueTask) await this.#beforeStart(task, false);
    return task;
  }

  #beforeStart(task: QueueTask<T>, fast: boolean): Promise<void> | undefined {
    this.#burst = fast;
    const through = fast ? this.#dispatcher.highestSeq : undefined;
    // After a stall longer than the lease (a stopped process, a blocked event loop) others may have
    // reclaimed the buffer: look before starting anything from it. A lost lease aborts the task.
    if (this.#lease?.stale) {
      return this.#lease
        .confirm()
        .then(() => (task.aborted ? undefined : this.#settlement?.beforeStart(task, through)));
    }
    return this.#settlement?.beforeStart(task, through);
  }

  #assertOpen(): void {
    if (this.closed || this.#ipc.closed) throw this.#closedError();
  }

  #closedError(): ClosedError {
    return this.#ipc.closed ? new ClosedError() : new ClosedError('The reader is closed');
  }
}

function unwrap<T>(entry: Entry<T>): Task<T> {
  if (entry instanceof DecodeError) throw entry;
  return entry;
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
