import { isTransientError, toIpcError } from '@redis-ipc/core';
import { abortErrorFrom, onAbort } from '@redis-ipc/core/internal';
import type { RawEntry } from './entry-store.js';
import type { Wake, WakeHub, Watch } from './wake-hub.js';

/** Options of a {@link Waiter}. */
export interface WaiterOptions<R> {
  /** Arrange for the next write to be announced (see {@link WakeHub.watch}). */
  readonly arm: boolean;
  /** When to give up (`performance.now()` time, `Infinity` for never): the result is then `undefined`. */
  readonly deadline: number;
  /** The caller's abort signal. */
  readonly signal: AbortSignal | undefined;
  /** Turns a wake into the result, or `undefined` to keep waiting. May throw to fail the wait. */
  readonly select: (wake: Wake) => R | undefined;
  /**
   * What the result becomes when the deadline (or {@link Waiter.lapseAt}) passes, instead of
   * `undefined`: the caller's own last word, settled without a further turn of its own.
   */
  readonly onDeadline?: () => Promise<R>;
  /**
   * A first read of the key, made unless the hub is already subscribed: when it finds a value, no
   * subscription is needed at all. (Once subscribed, arming the key reads it in the same step.)
   */
  readonly probe?: () => Promise<RawEntry | null>;
}

/**
 * One wait for one key: a timer for the deadline, the abort signal, and a watch on the cache's
 * {@link WakeHub}. Its result settles once: with what `select` made of a wake, with `undefined` (or
 * what `onDeadline` gives) when the deadline (or {@link Waiter.lapseAt}) passes, or with an error
 * (AbortError, the ClosedError of a closing hub, or what Redis answered).
 */
export class Waiter<R> {
  /** The outcome of the wait. */
  readonly result: Promise<R | undefined>;
  /** Resolves once a write announced from now on will reach this waiter, or once it has settled. */
  readonly ready: Promise<void>;
  readonly #hub: WakeHub;
  readonly #key: string;
  readonly #options: WaiterOptions<R>;
  #done = false;
  #watch: Watch | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lapse: NodeJS.Timeout | undefined;
  #offAbort: (() => void) | undefined;
  #resolve!: (value: R | undefined | PromiseLike<R | undefined>) => void;
  #reject!: (error: unknown) => void;
  #markReady!: () => void;

  constructor(hub: WakeHub, key: string, options: WaiterOptions<R>) {
    this.#hub = hub;
    this.#key = key;
    this.#options = options;
    this.result = new Promise<R | undefined>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.ready = new Promise<void>((resolve) => {
      this.#markReady = resolve;
    });
    const { signal, deadline, probe } = options;
    if (signal?.aborted) {
      this.#fail(abortErrorFrom(signal));
      return;
    }
    this.#offAbort = onAbort(signal, this.#onAbort);
    if (deadline !== Number.POSITIVE_INFINITY) {
      this.#timer = setTimeout(() => this.#finish(undefined), Math.max(0, deadline - performance.now()));
    }
    if (probe && !hub.subscribed) {
      probe().then(
        (raw) => {
          if (this.#done) return;
          if (raw !== null && this.#offer({ kind: 'value', raw })) return;
          this.#startWatch();
        },
        (error: unknown) => {
          const failure = toIpcError(error);
          if (isTransientError(failure)) this.#startWatch();
          else this.#fail(failure);
        },
      );
    } else {
      this.#startWatch();
    }
  }

  /** Also settles the wait with `undefined` at `time` (a `performance.now()` time). */
  lapseAt(time: number): void {
    if (this.#done) return;
    if (this.#lapse) clearTimeout(this.#lapse);
    this.#lapse = setTimeout(() => this.#finish(undefined), Math.max(0, time - performance.now()));
  }

  /** Ends the wait without settling it further (the result keeps what it had, or stays pending). */
  stop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#cleanUp();
  }

  #startWatch(): void {
    if (this.#done) return;
    try {
      this.#watch = this.#hub.watch(this.#key, {
        arm: this.#options.arm,
        deadline: this.#options.deadline,
        onWake: (wake) => {
          this.#offer(wake);
        },
        onError: (error) => this.#fail(error),
      });
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#watch.ready.then(this.#markReady, () => {});
  }

  // Returns true when the wake settled the wait.
  #offer(wake: Wake): boolean {
    if (this.#done) return true;
    let result: R | undefined;
    try {
      result = this.#options.select(wake);
    } catch (error) {
      this.#fail(error);
      return true;
    }
    if (result === undefined) return false;
    this.#finish(result);
    return true;
  }

  readonly #onAbort = () => this.#fail(abortErrorFrom(this.#options.signal!));

  #finish(value: R | undefined): void {
    if (this.#done) return;
    this.#done = true;
    const { onDeadline } = this.#options;
    if (value === undefined && onDeadline) this.#resolve(onDeadline());
    else this.#resolve(value);
    // Tidying up (timers, the hub's maps) waits until the caller has resumed: it is off the path
    // between a write and its waiter, and anything that fires meanwhile finds the wait done.
    setImmediate(this.#cleanUp);
  }

  #fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#cleanUp();
    this.#reject(toIpcError(error));
  }

  readonly #cleanUp = (): void => {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#lapse) clearTimeout(this.#lapse);
    this.#offAbort?.();
    this.#watch?.stop();
    this.#markReady();
  };
}
