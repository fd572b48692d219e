import { type IpcError, isIpcError, TimeoutError } from '@redis-ipc/core';
import {
  integerOption,
  isThenable,
  loopIterator,
  Slots,
  validateTimeout,
  yieldIfBusy,
} from '@redis-ipc/core/internal';
import { type GapError, isGapError } from '../gap-error.js';
import { retryReads } from '../retry-reads.js';
import type { GroupEvent } from '../stream-event.js';
import type { GroupDelivery } from './delivery.js';
import type { GroupEventHandler } from './events.js';
import type { Held } from './leases.js';
import { type GapPolicy, type GroupIterateOptions, type GroupProcessOptions, gapPolicy } from './options.js';

/** What the loops need from the consumer they run on. */
export interface RunnerHost<T> {
  /** Aborts when the consumer closes. */
  readonly closeSignal: AbortSignal;
  /** The group's `ackTimeoutMs`, the default hold limit. */
  readonly ackTimeoutMs: number;
  /** Every handler running on this consumer, for `close()`. */
  readonly running: Slots;
  /** Whether the consumer is closed, or its client. */
  ended(): boolean;
  /** Events at hand that decode without waiting; `undefined` when there are none. */
  takeReady(count: number): Array<GroupDelivery<T>> | undefined;
  /** Waits for events; rejects like `read()`. */
  read(count: number, signal: AbortSignal): Promise<Array<GroupDelivery<T>>>;
  /** The event is being worked on by `held`: until settled or until `timeoutMs` passes (then `held.expire`). */
  work(event: GroupDelivery<T>, held: Held, timeoutMs: number): void;
  /** An event was handed to a handler that settled at once (counted, not held). */
  handedOut(): void;
  /** The event was handled: acknowledge it. */
  ack(event: GroupDelivery<T>): void;
  /** The event's handling failed (or ran out of time). */
  fail(event: GroupDelivery<T>, error: unknown): void;
  /** The event is given up unhandled (an iterator ended while holding it). */
  release(event: GroupDelivery<T>): void;
  /** A gap a loop goes on after. */
  gap(error: GapError): void;
  /** A failure a loop is retrying. */
  reportError(error: IpcError): void;
  /** A loop started (`true`) or ended (`false`). */
  looping(started: boolean): void;
  /** A loop waits for events (it has room): `true` when it starts waiting, `false` when done. */
  hungry(waiting: boolean): void;
}

/** The loops of one consumer: `process` (handlers with a concurrency) and `events` (an iterator). */
export class GroupRunner<T> {
  readonly #host: RunnerHost<T>;

  constructor(host: RunnerHost<T>) {
    this.#host = host;
  }

  /** See {@link ConsumerGroup.process}. */
  async process(handler: GroupEventHandler<T>, options: GroupProcessOptions): Promise<void> {
    const host = this.#host;
    const concurrency = integerOption(options.concurrency ?? 1, 'concurrency', 1);
    const timeoutMs = validateTimeout(options.timeoutMs ?? host.ackTimeoutMs);
    const onGap = gapPolicy(options.onGap);
    const signal = options.signal ? AbortSignal.any([options.signal, host.closeSignal]) : host.closeSignal;
    const slots = new Slots();
    host.looping(true);
    try {
      while (!signal.aborted) {
        if (slots.busy >= concurrency) {
          await slots.freed();
          continue;
        }
        const free = concurrency - slots.busy;
        const events = host.takeReady(free) ?? (await this.#pull(signal, free, onGap));
        if (!events) break;
        for (const event of events) {
          // Gives timers (refreshes) and I/O (ack replies) their turn during a burst of handlers; not
          // between marking an event started and starting it, where another handler's crash would
          // count it.
          const pause = event.marked ? undefined : yieldIfBusy();
          if (pause) await pause;
          this.#dispatch(handler, event, slots, timeoutMs);
          // A suspect (its consumer died while it ran) runs alone: should it crash the process again,
          // no other event is counted with it.
          if (event.runAlone) await slots.idle();
        }
      }
    } finally {
      await slots.idle();
      host.looping(false);
    }
  }

  /** See {@link ConsumerGroup.events}. */
  events(options: GroupIterateOptions): AsyncIterableIterator<GroupEvent<T>, undefined, undefined> {
    const host = this.#host;
    const timeoutMs = validateTimeout(options.timeoutMs ?? host.ackTimeoutMs);
    const onGap = gapPolicy(options.onGap);
    const signal = options.signal ? AbortSignal.any([options.signal, host.closeSignal]) : host.closeSignal;
    let current: IteratorHold<T> | undefined;
    let started = false;
    const hold = (event: GroupDelivery<T> | undefined) => {
      current = event && new IteratorHold(host, event);
      if (current) host.work(current.event, current, timeoutMs);
      return event;
    };
    return loopIterator<GroupDelivery<T>>({
      fast: () => {
        // Counted as a running loop (reading ahead) from the first request on.
        if (!started) {
          started = true;
          host.looping(true);
        }
        // Asking for the next event means the body handled the current one (in time, or not at all).
        current?.handled();
        current = undefined;
        if (signal.aborted) return undefined;
        return hold(host.takeReady(1)?.[0]);
      },
      slow: async () => hold((await this.#pull(signal, 1, onGap))?.[0]),
      finish: () => {
        // The body threw or broke out: the event it held goes back, for another consumer.
        current?.release();
        current = undefined;
        if (started) host.looping(false);
      },
    });
  }

  // Runs one handler under its hold limit. A synchronous one has settled before any timer could look
  // at it: it is acknowledged (or failed) at once and costs no promise, no slot and no run object;
  // only a handler still running when it returns is held under its time limit.
  #dispatch(handler: GroupEventHandler<T>, event: GroupDelivery<T>, slots: Slots, timeoutMs: number): void {
    const host = this.#host;
    let result: unknown;
    try {
      result = handler(event.value, event);
    } catch (error) {
      host.handedOut();
      host.fail(event, error);
      return;
    }
    if (!isThenable(result)) {
      host.handedOut();
      host.ack(event);
      return;
    }
    const run = new HandlerRun(host, event, slots);
    run.track(timeoutMs);
    Promise.resolve(result).then(
      () => run.returned(),
      (error: unknown) => run.threw(error),
    );
  }

  // A loop's way to get events: waits out outages, goes on after gaps (or not), ends (undefined) on
  // close or abort.
  async #pull(
    signal: AbortSignal,
    count: number,
    onGap: GapPolicy,
  ): Promise<Array<GroupDelivery<T>> | undefined> {
    const host = this.#host;
    const ended = () => signal.aborted || host.ended();
    const step = async (): Promise<Array<GroupDelivery<T>> | undefined> => {
      for (;;) {
        if (ended()) return undefined;
        try {
          return await host.read(count, signal);
        } catch (error) {
          if (ended() || isIpcError(error, 'IPC_CLOSED')) return undefined;
          if (!isGapError(error) || onGap === 'stop') throw error;
          host.gap(error);
        }
      }
    };
    host.hungry(true);
    try {
      return await retryReads(step, signal, (error) => host.reportError(error), ended);
    } finally {
      host.hungry(false);
    }
  }
}

/**
 * One asynchronous handler's run: how it ended and its hold on the event (a {@link Held}), in one
 * object.
 */
class HandlerRun<T> implements Held {
  refreshedAt = 0;
  deadline = 0;
  timeoutMs = 0;
  readonly #host: RunnerHost<T>;
  readonly #event: GroupDelivery<T>;
  readonly #slots: Slots;
  #settled = false;
  #tracked = false;

  constructor(host: RunnerHost<T>, event: GroupDelivery<T>, slots: Slots) {
    this.#host = host;
    this.#event = event;
    this.#slots = slots;
  }

  /** The handler returned a promise: it takes a slot and holds its event until it settles or runs out of time. */
  track(timeoutMs: number): void {
    this.#host.work(this.#event, this, timeoutMs);
    if (this.#settled) return;
    this.#tracked = true;
    this.#slots.take();
    this.#host.running.take();
  }

  returned(): void {
    // Past its limit (expired by a lease tick already, or not yet) the outcome no longer counts: the
    // event may be another consumer's by now. One clock read, and only for a handler held to a limit.
    if (
      this.deadline !== 0 &&
      this.timeoutMs !== Number.POSITIVE_INFINITY &&
      performance.now() > this.deadline
    ) {
      this.expire(new TimeoutError(this.timeoutMs));
      return;
    }
    if (this.#finish()) this.#host.ack(this.#event);
  }

  threw(error: unknown): void {
    if (this.#finish()) this.#host.fail(this.#event, error);
  }

  expire(error: TimeoutError): void {
    if (!this.#finish()) return;
    this.#event.abort(error);
    this.#host.fail(this.#event, error);
  }

  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    if (this.#tracked) {
      this.#slots.release();
      this.#host.running.release();
    }
    return true;
  }
}

/** An iterator's hold on the event its loop body has. */
class IteratorHold<T> implements Held {
  refreshedAt = 0;
  deadline = 0;
  timeoutMs = 0;
  readonly event: GroupDelivery<T>;
  readonly #host: RunnerHost<T>;
  #settled = false;

  constructor(host: RunnerHost<T>, event: GroupDelivery<T>) {
    this.#host = host;
    this.event = event;
  }

  /** The body asked for the next event: acknowledged if it did so within the limit, failed if not. */
  handled(): void {
    if (
      this.deadline !== 0 &&
      this.timeoutMs !== Number.POSITIVE_INFINITY &&
      performance.now() > this.deadline
    ) {
      this.expire(new TimeoutError(this.timeoutMs));
    } else if (this.#settle()) {
      this.#host.ack(this.event);
    }
  }

  /** The body threw or broke out: the event goes back, unless its time ran out already. */
  release(): void {
    if (this.#settle()) this.#host.release(this.event);
  }

  expire(error: TimeoutError): void {
    if (!this.#settle()) return;
    this.event.abort(error);
    this.#host.fail(this.event, error);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
