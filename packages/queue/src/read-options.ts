import { InvalidArgumentError, type IpcClient, type PayloadOptions } from '@redis-ipc/core';
import {
  choiceOption,
  durationOption,
  integerOption,
  MAX_TIMER_MS,
  rejectUnknownOptions,
} from '@redis-ipc/core/internal';
import { isPlainId } from './envelope.js';

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
   * (however long its handlers run, as long as its event loop turns: `process` handlers are given way
   * to every few ms); once it stops renewing (crash, SIGKILL, lost network) another reader puts its
   * tasks back within about `leaseMs + leaseMs / 3`. At most 2147483647 (about 24.8 days, the longest
   * a Node.js timer can wait).
   * @default 3000
   */
  leaseMs?: number;
  /**
   * Deliveries after which a failing (or crash-causing) task goes to the dead-letter list instead of
   * being retried. Only deliveries that reached a handler count: tasks a crashed reader had merely
   * buffered go back uncounted.
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
   * Tasks a `process` worker or an iterator takes ahead of demand, in one round trip, and holds in a
   * local buffer (leased, in at-least-once mode). A worker holds at most `concurrency + prefetch`
   * tasks. Lower it to spread work more evenly over many readers; raise it for throughput. The buffer
   * is topped up when it falls to a quarter of this. `pop` and `take` never take ahead: they take only
   * what they return.
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
   * Aborts the wait: `take` rejects with {@link @redis-ipc/core!AbortError} as soon as the server-side
   * wait has ended.
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

/** A reader's options, checked, with their defaults filled in. */
export interface ReadSettings {
  readonly atLeastOnce: boolean;
  readonly leaseMs: number;
  readonly maxDeliveries: number;
  readonly retryDelay: (deliveries: number, error: unknown) => number;
  readonly prefetch: number;
  /** Producer id whose tasks this reader skips; '' for none. */
  readonly skipProducer: string;
  readonly skipOwnPollMs: number;
  readonly decodeErrors: DecodeErrorPolicy;
}

/** Most tasks one take brings. */
export const MAX_BATCH = 1000;

const KNOWN_OPTIONS = [
  'codec',
  'schema',
  'maxPayloadBytes',
  'delivery',
  'leaseMs',
  'maxDeliveries',
  'retryDelayMs',
  'prefetch',
  'skipOwn',
  'skipOwnPollMs',
  'decodeErrors',
  'signal',
];

/** Checks a reader's options and fills in the defaults; throws {@link InvalidArgumentError}. */
export function resolveReadSettings<T>(ipc: IpcClient, options: ReadQueueOptions<T>): ReadSettings {
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'createReadQueue');
  const delivery = choiceOption(options.delivery ?? 'at-least-once', 'delivery', [
    'at-least-once',
    'at-most-once',
  ]);
  const retry = options.retryDelayMs ?? 1000;
  let retryDelay: (deliveries: number, error: unknown) => number;
  if (typeof retry === 'function') retryDelay = retry;
  else {
    const delay = durationOption(retry, 'retryDelayMs');
    retryDelay = () => delay;
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
  return {
    atLeastOnce: delivery === 'at-least-once',
    leaseMs: Math.round(durationOption(options.leaseMs ?? 3000, 'leaseMs', 30, MAX_TIMER_MS)),
    maxDeliveries: integerOption(options.maxDeliveries ?? 5, 'maxDeliveries', 1),
    retryDelay,
    prefetch: integerOption(options.prefetch ?? 100, 'prefetch', 0, MAX_BATCH),
    skipProducer: options.skipOwn ? ipc.id : '',
    skipOwnPollMs: durationOption(options.skipOwnPollMs ?? 250, 'skipOwnPollMs', 1, MAX_TIMER_MS),
    decodeErrors: choiceOption(options.decodeErrors ?? 'throw', 'decodeErrors', ['throw', 'skip']),
  };
}
