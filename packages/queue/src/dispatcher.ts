import { type DecodeError, type IpcError, TimeoutError } from '@redis-ipc/core';
import { abortErrorFrom, Fifo, onAbort } from '@redis-ipc/core/internal';
import { QueueTask } from './task.js';

/** What a reader hands out: a task, or the error of an undecodable item (already dead-lettered). */
export type Entry<T> = QueueTask<T> | DecodeError;

interface Waiter<T> {
  done: boolean;
  // The worker waiting, so that closing it cancels only its own waits.
  readonly owner: object | undefined;
  readonly leave: (error: IpcError) => void;
  readonly resolve: (entry: Entry<T>) => void;
  readonly reject: (error: IpcError) => void;
  readonly cleanup: () => void;
}

/** What a {@link Dispatcher} tells its reader. */
export interface DispatcherEvents<T> {
  /** Somebody wants tasks that are not buffered: start (or keep) refilling. */
  readonly demand: () => void;
  /** A task is handed out: it has started (counts as a delivery from now on). */
  readonly handedOut: (task: QueueTask<T>) => void;
  /**
   * Nobody waits any more while a blocking wait may still bring tasks: end it. Resolves once it has
   * ended, so that a waiter is rejected only when nothing can be taken on its behalf any more.
   */
  readonly lastWaiterLeft: () => Promise<void> | undefined;
  /** The last worker or iterator stopped: what is buffered for them should go back. */
  readonly consumersGone: () => void;
}

/**
 * The reader's buffer and the callers waiting for it, with no Redis in sight: hands buffered tasks
 * out in order, queues `take`s and worker lanes, and says how many tasks to take next.
 */
export class Dispatcher<T> {
  readonly buffer = new Fifo<Entry<T>>();
  readonly #waiters = new Fifo<Waiter<T>>();
  readonly #prefetch: number;
  readonly #events: DispatcherEvents<T>;
  // Waiters not yet served or gone (the FIFO may still hold gone ones).
  #waiting = 0;
  // Worker loops and iterators: they keep the buffer topped up ahead of demand.
  #consumers = 0;
  // The last take brought fewer tasks than asked for: the queue was empty then, so no top-up ahead
  // of demand until something arrives.
  #queueWasEmpty = false;
  // Entries handed out so far: a count, not a clock read per task.
  #handedOut = 0;
  // Highest delivery token accepted into the buffer.
  #highestSeq = 0;
  #stopped: IpcError | undefined;

  constructor(prefetch: number, events: DispatcherEvents<T>) {
    this.#prefetch = prefetch;
    this.#events = events;
  }

  /** Callers waiting for a task now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Whether a worker, an iterator or a waiting caller will take what arrives. */
  get hasTakers(): boolean {
    return this.#stopped === undefined && (this.#waiting > 0 || this.#consumers > 0);
  }

  /** How many entries have been handed out so far. */
  get handedOut(): number {
    return this.#handedOut;
  }

  /**
   * How many tasks to take now; 0 = none. Waiting callers get exactly what they wait for; workers and
   * iterators get `prefetch` more, topped up once the buffer falls to a quarter of it, unless the
   * queue was empty at the last look.
   */
  wanted(): number {
    if (this.#stopped) return 0;
    const ahead = this.#consumers > 0 ? this.#prefetch : 0;
    if (this.#waiting > 0) return Math.max(1, this.#waiting + ahead - this.buffer.length);
    if (ahead > 0 && !this.#queueWasEmpty && this.buffer.length <= ahead >> 2) {
      return ahead - this.buffer.length;
    }
    return 0;
  }

  /** Records whether a take brought all it asked for (if not, the queue is empty for now). */
  noteTaken(taken: number, asked: number): void {
    this.#queueWasEmpty = taken < asked;
  }

  /** Whether the last take found the queue empty. */
  get queueWasEmpty(): boolean {
    return this.#queueWasEmpty;
  }

  /** Counts a worker or iterator in (+1) or out (-1). */
  countConsumer(delta: 1 | -1): void {
    this.#consumers += delta;
    if (delta === 1) this.#queueWasEmpty = false;
    if (this.#consumers === 0) this.#events.consumersGone();
  }

  /** Whether a worker or iterator is running. */
  get hasConsumers(): boolean {
    return this.#consumers > 0;
  }

  /** Adds a taken entry (call {@link Dispatcher.serve} after a batch). */
  accept(entry: Entry<T>): void {
    if (entry instanceof QueueTask && entry.seq > this.#highestSeq) this.#highestSeq = entry.seq;
    this.buffer.push(entry);
  }

  /** Highest delivery token accepted so far. */
  get highestSeq(): number {
    return this.#highestSeq;
  }

  /** A buffered entry, when one can be handed out at once (nobody is queued ahead). */
  poll(): Entry<T> | undefined {
    if (this.buffer.length === 0 || this.#waiting > 0 || this.#stopped) return undefined;
    const entry = this.#handOut();
    if (this.wanted() > 0) this.#events.demand();
    return entry;
  }

  /**
   * The next entry: at once when one is buffered, else when one arrives. Rejects with
   * {@link TimeoutError} after `timeoutMs`, with an AbortError when `signal` aborts or
   * {@link Dispatcher.cancel} is called for `owner`, and with the error given to
   * {@link Dispatcher.fail} or {@link Dispatcher.stop}.
   */
  next(signal: AbortSignal | undefined, timeoutMs: number, owner?: object): Promise<Entry<T>> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
    const ready = this.poll();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<Entry<T>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let removeAbort: (() => void) | undefined;
      const waiter: Waiter<T> = {
        done: false,
        owner,
        leave: (error) => leave(error),
        resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          removeAbort?.();
        },
      };
      const leave = (error: IpcError) => {
        if (waiter.done) return;
        this.#finish(waiter);
        if (this.#waiting === 0) {
          this.#waiters.drain();
          const ended = this.#events.lastWaiterLeft();
          if (ended) {
            void ended.then(() => reject(error));
            return;
          }
        } else if (this.#waiters.length > 64 + 2 * this.#waiting) {
          this.#waiters.retain((other) => !other.done);
        }
        reject(error);
      };
      if (timeoutMs !== Number.POSITIVE_INFINITY) {
        timer = setTimeout(() => leave(new TimeoutError(timeoutMs)), timeoutMs);
      }
      if (signal) removeAbort = onAbort(signal, () => leave(abortErrorFrom(signal)));
      this.#waiters.push(waiter);
      this.#waiting++;
      this.#events.demand();
    });
  }

  /** Hands buffered entries to the callers waiting, in order. */
  serve(): void {
    while (this.#waiting > 0 && this.buffer.length > 0) {
      const waiter = this.#waiters.shift()!;
      if (waiter.done) continue;
      this.#finish(waiter);
      waiter.resolve(this.#handOut());
    }
  }

  /** Rejects (with `error`) every pending wait of `owner`. */
  cancel(owner: object, error: IpcError): void {
    const waiters = this.#waiters.drain();
    for (const waiter of waiters) if (!waiter.done) this.#waiters.push(waiter);
    for (const waiter of waiters) if (waiter.owner === owner) waiter.leave(error);
  }

  /** Rejects every pending wait with `error`. */
  fail(error: IpcError): void {
    for (const waiter of this.#waiters.drain()) {
      if (waiter.done) continue;
      this.#finish(waiter);
      waiter.reject(error);
    }
  }

  /** Hands out nothing more; pending waits reject with `error`. */
  stop(error: IpcError): void {
    this.#stopped = error;
    this.fail(error);
  }

  /** Takes every buffered task out (decode errors stay: they are reported to the next taker). */
  takeBuffered(): QueueTask<T>[] {
    const tasks: QueueTask<T>[] = [];
    for (const entry of this.buffer.drain()) {
      if (entry instanceof QueueTask) tasks.push(entry);
      else this.buffer.push(entry);
    }
    if (tasks.length > 0) this.#queueWasEmpty = false;
    return tasks;
  }

  #handOut(): Entry<T> {
    const entry = this.buffer.shift()!;
    this.#handedOut++;
    if (entry instanceof QueueTask) this.#events.handedOut(entry);
    return entry;
  }

  #finish(waiter: Waiter<T>): void {
    waiter.done = true;
    this.#waiting--;
    waiter.cleanup();
  }
}
