import { DecodeError, TimeoutError } from '@redis-ipc/core';
import {
  backoffDelay,
  DEFAULT_CLOSE_TIMEOUT_MS,
  isThenable,
  onAbort,
  runHandler,
  type SlotMember,
  SlotSet,
  sleep,
  validateTimeout,
  within,
  yieldIfBusy,
} from '@redis-ipc/core/internal';
import type { TaskFailedEvent } from './events.js';
import type { StartTurns } from './start-turns.js';
import type { QueueTask, Task } from './task.js';

/**
 * Handles one task. Returning (or resolving) acks it; throwing (or rejecting) nacks it with the
 * reader's `retryDelayMs`, and after `maxDeliveries` moves it to the dead-letter list with the error.
 * A handler may also call `task.ack()` / `task.nack()` itself. Handlers may be synchronous or never
 * wait for I/O: the worker gives way to the event loop every few milliseconds, so the lease is renewed
 * and acks are sent however long the buffer lasts. A single handler that blocks the event loop for
 * longer than `leaseMs` loses the lease (see the README's guarantees).
 */
export type TaskHandler<T> = (value: T, task: Task<T>) => unknown;

/** Options of {@link ReadQueue.process}. */
export interface ProcessOptions {
  /**
   * Most handlers running at once.
   * @default 1
   */
  concurrency?: number;
  /**
   * Most time one handler may run, in ms. Past it the task is nacked with a
   * {@link @redis-ipc/core!TimeoutError} (retried after `retryDelayMs`, or dead-lettered after
   * `maxDeliveries`, like any failure), `task.signal` aborts, and the handler's lane takes the next
   * task. JavaScript cannot stop a running function: a handler that ignores the signal keeps running,
   * beside the lane's next one, and whatever it returns is ignored. Above 2147483647 (about 24.8 days,
   * the longest a Node.js timer can wait) it means `Infinity`. The timer never keeps the process
   * alive.
   * @default Infinity (no limit)
   */
  timeoutMs?: number;
  /**
   * Closes the worker (as `close()` with its default deadline) when it aborts.
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of {@link Worker.close} and {@link ReadQueue.close}. */
export interface CloseOptions {
  /**
   * How long to wait for running handlers, in ms; `Infinity` waits for ever (so does any value above
   * 2147483647, about 24.8 days). Tasks whose handlers are still running then are given back to the
   * queue when the reader closes (they may run twice), and their `task.signal` aborts with a
   * {@link @redis-ipc/core!ClosedError}.
   * @default 10000
   */
  timeoutMs?: number;
}

/** A running {@link ReadQueue.process} loop. */
export interface Worker {
  /** Most handlers running at once. */
  readonly concurrency: number;
  /** Handlers running now. */
  readonly running: number;
  /** Whether `close()` was called (or the reader closed). */
  readonly closed: boolean;
  /**
   * Stops taking tasks and resolves once the running handlers have finished, the deadline passed, or
   * the reader closed (and gave back the tasks of the handlers still running). Handlers that ran past
   * `timeoutMs` are not waited for: their tasks were nacked and their lanes moved on. Idempotent: a
   * later call returns the first call's promise, with its deadline.
   */
  close(options?: CloseOptions): Promise<void>;
}

/** What a {@link TaskWorker} needs from its reader. */
export interface WorkerHost<T> {
  /** A buffered task (or decode error), if one can be handed out at once. */
  poll(): QueueTask<T> | DecodeError | undefined;
  /**
   * The next task (or decode error, already reported) for `worker`; rejects when the reader closes or
   * {@link WorkerHost.cancel} is called with the worker.
   */
  next(worker: object): Promise<QueueTask<T> | DecodeError>;
  /** Rejects every pending `next` of `worker`. */
  cancel(worker: object): void;
  /** Counts a worker in (it starts) or out (it stops taking tasks): active ones keep the buffer topped up. */
  countConsumer(delta: 1 | -1): void;
  /**
   * Call before a task's handler runs: a promise when the handler must wait until the task is marked
   * as started in Redis. `fast`: the lane's last handler was quick, so later tasks may be marked too.
   */
  beforeStart(task: QueueTask<T>, fast: boolean): Promise<void> | undefined;
  /** The reader's turns for marking a task started and starting its handler (see {@link StartTurns}). */
  readonly startTurns: StartTurns;
  /** Whether the reader has stopped handing out tasks. */
  readonly stopped: boolean;
  /** The retry delay after a failure. */
  retryDelay(deliveries: number, error: unknown): number;
  /** Reports a failure that is not a task's (an error event). */
  reportError(error: unknown): void;
  /** Reports a failed handler (the `failed` event). */
  failed(event: TaskFailedEvent<T>): void;
}

// The outcome callbacks of a lane's asynchronous handler runs, for the task it runs now.
interface LaneOutcome<T> {
  task: QueueTask<T> | undefined;
  readonly returned: () => void;
  readonly threw: (error: unknown) => void;
}

// The time limit of one running handler.
interface Limit extends SlotMember {
  readonly task: QueueTask<unknown>;
  timer: NodeJS.Timeout | undefined;
  // Lets the handler's lane go on.
  readonly release: () => void;
}

// A handler quicker than this, in ms, is taken as one of a burst: the tasks after it are marked as
// started together, tentatively, so that marking costs one command per batch rather than a wait per
// task (a crash amid the burst puts them back uncounted, as suspects: see Settlement).
const FAST_HANDLER_MS = 1;

/** The loop behind {@link ReadQueue.process}: `concurrency` lanes, each taking and handling one task at a time. */
export class TaskWorker<T> implements Worker {
  readonly concurrency: number;
  readonly #host: WorkerHost<T>;
  readonly #handler: TaskHandler<T>;
  readonly #timeoutMs: number;
  readonly #stop = new AbortController();
  readonly #lanes: Promise<void>[] = [];
  // Handlers running under `timeoutMs`: one added and removed per task, hence not a Map.
  readonly #limits = new SlotSet<Limit>();
  #abandon!: () => void;
  // Resolves when the reader has given back what this worker still runs: nothing left to wait for.
  readonly #abandoned = new Promise<void>((resolve) => {
    this.#abandon = resolve;
  });
  // Removes the listener on the caller's signal, which may outlive this worker by far.
  readonly #removeSignalListener: () => void;
  #running = 0;
  // Mirrors #stop.signal.aborted: a field read per task rather than the signal's checked getter.
  #stopped = false;
  #closing: Promise<void> | undefined;

  constructor(host: WorkerHost<T>, handler: TaskHandler<T>, concurrency: number, options: ProcessOptions) {
    this.#timeoutMs = validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    this.#host = host;
    this.#handler = handler;
    this.concurrency = concurrency;
    host.countConsumer(1);
    this.#stop.signal.addEventListener(
      'abort',
      () => {
        this.#stopped = true;
        this.#removeSignalListener();
        host.cancel(this);
        host.countConsumer(-1);
      },
      { once: true },
    );
    this.#removeSignalListener = () => {};
    this.#removeSignalListener = onAbort(options.signal, () => void this.close());
    for (let i = 0; i < concurrency && !this.#stop.signal.aborted; i++) this.#lanes.push(this.#lane());
  }

  get running(): number {
    return this.#running;
  }

  get closed(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Resolves when every lane has ended. */
  get finished(): Promise<void> {
    return Promise.all(this.#lanes).then(() => undefined);
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    return this.#closing;
  }

  /**
   * Called by the reader once it has given back the tasks of the handlers still running (it closed):
   * stops the worker, ends `close()`, and clears the time limits, which must not fire for tasks this
   * reader no longer holds.
   */
  abandon(): void {
    this.#stop.abort();
    this.#abandon();
    for (const limit of this.#limits.values()) {
      clearTimeout(limit.timer);
      limit.release();
    }
    this.#limits.clear();
  }

  async #close(timeoutMs: number): Promise<void> {
    const limit = validateTimeout(timeoutMs);
    this.#stop.abort();
    await within(Promise.race([this.finished, this.#abandoned]), limit);
  }

  async #lane(): Promise<void> {
    // How long this lane's last handler ran: after a quick one, the tasks of a burst are marked as
    // started together.
    let lastRunMs = Number.POSITIVE_INFINITY;
    // A quick lane stays quick: its handlers are timed one run in 16 (each clock read costs).
    let runs = 0;
    // Without a time limit, a lane runs one asynchronous handler at a time: one outcome object serves
    // them all.
    const lane: LaneOutcome<T> = {
      task: undefined,
      returned: () => this.#returned(lane.task!),
      threw: (error) => this.#threw(lane.task!, error),
    };
    for (let failures = 0; !this.#stopped && !this.#host.stopped; ) {
      // A buffered task is taken at once; only an empty buffer costs a wait.
      let entry = this.#host.poll();
      try {
        entry ??= await this.#host.next(this);
      } catch (error) {
        if (this.#stopped || this.#host.stopped) return;
        // Not a task's failure, nor a transient one (the refill loop retries those): a reply error,
        // say. Report it and back off rather than spin.
        this.#host.reportError(error);
        try {
          await sleep(backoffDelay(failures++), this.#stop.signal);
        } catch {
          return;
        }
        continue;
      }
      failures = 0;
      // Already dead-lettered and reported as a decode-error event; or given back (closing reader,
      // lost lease) before its handler could start.
      if (entry instanceof DecodeError || entry.aborted) continue;
      // A crash inside the handler must count this delivery: the started mark goes out first, and
      // lanes take turns, so that the mark counts no task whose handler had not begun.
      const turns = this.#host.startTurns;
      const turn = turns.take();
      if (turn) await turn;
      let handling: Promise<void> | undefined;
      let timed = false;
      let start = 0;
      try {
        const marking = this.#host.beforeStart(entry, lastRunMs < FAST_HANDLER_MS);
        if (marking) await marking;
        if (entry.aborted) continue;
        timed = lastRunMs >= FAST_HANDLER_MS || (runs++ & 15) === 0;
        start = timed ? performance.now() : 0;
        handling = this.#handle(entry, lane);
      } finally {
        turns.pass();
      }
      if (handling) await handling;
      if (timed) lastRunMs = performance.now() - start;
      // Synchronous handlers, and async ones that never wait for I/O, would otherwise keep the event
      // loop (lease renewal, ack replies) waiting for as long as the buffer lasts.
      const busy = yieldIfBusy();
      if (busy) await busy;
    }
  }

  // Runs the handler; returns a promise only when the handler did, so a synchronous handler costs no
  // extra turn of the event loop, and (without a time limit) no object at all.
  #handle(task: QueueTask<T>, lane: LaneOutcome<T>): Promise<void> | undefined {
    this.#running++;
    if (this.#timeoutMs === Number.POSITIVE_INFINITY) {
      let result: unknown;
      try {
        result = this.#handler(task.value, task);
      } catch (error) {
        this.#threw(task, error);
        return undefined;
      }
      if (!isThenable(result)) {
        this.#returned(task);
        return undefined;
      }
      lane.task = task;
      return Promise.resolve(result).then(lane.returned, lane.threw);
    }
    // Past its time limit a handler runs on beside the lane's next one: an outcome of its own.
    const handled = runHandler(this.#handler, [task.value, task], {
      returned: () => this.#returned(task),
      threw: (error) => this.#threw(task, error),
    });
    return handled ? this.#limit(task, handled) : undefined;
  }

  #returned(task: QueueTask<T>): void {
    try {
      // Not when it timed out (nacked already), was given back by the closing reader, or its lease was
      // lost (the task is another reader's now).
      if (!task.settled && !task.aborted) task.ackQuietly();
    } finally {
      this.#running--;
    }
  }

  #threw(task: QueueTask<T>, error: unknown): void {
    try {
      this.#failed(task, error);
    } finally {
      this.#running--;
    }
  }

  // Resolves when the handler settles or its time is up, whichever comes first. Past the deadline
  // the task is nacked and its signal aborted; the handler's own outcome then finds it settled.
  #limit(task: QueueTask<T>, handled: Promise<void>): Promise<void> {
    return new Promise<void>((release) => {
      const limit: Limit = { task, timer: undefined, release, slot: -1 };
      limit.timer = setTimeout(() => this.#expire(limit), this.#timeoutMs);
      // A handler that never settles must not keep the process alive through its timer.
      limit.timer.unref();
      this.#limits.add(limit);
      const settled = () => this.#unlimit(limit);
      handled.then(settled, settled);
    });
  }

  #unlimit(limit: Limit): void {
    if (!this.#limits.delete(limit)) return;
    clearTimeout(limit.timer);
    limit.release();
  }

  #expire(limit: Limit): void {
    if (!this.#limits.delete(limit)) return;
    const task = limit.task as QueueTask<T>;
    try {
      if (!task.settled && !task.aborted) {
        const error = new TimeoutError(this.#timeoutMs);
        this.#failed(task, error);
        task.abort(error);
      }
    } finally {
      limit.release();
    }
  }

  #failed(task: QueueTask<T>, error: unknown): void {
    // A handler that failed after its time was up (the timeout already reported this task), after the
    // closing reader gave its task back, or after the lease was lost.
    if (task.aborted) return;
    if (task.settled) {
      this.#report({ task, error, outcome: 'ignored', delayMs: 0 });
      return;
    }
    let delayMs = 0;
    try {
      delayMs = this.#host.retryDelay(task.deliveries, error);
    } catch (failure) {
      this.#host.reportError(failure);
    }
    task.nack({ delayMs, error }).then(
      (outcome) => this.#report({ task, error, outcome, delayMs }),
      () => {},
    );
  }

  // A listener that throws must neither break the lane nor leave a promise rejection unhandled.
  #report(event: TaskFailedEvent<T>): void {
    try {
      this.#host.failed(event);
    } catch (error) {
      this.#host.reportError(error);
    }
  }
}
