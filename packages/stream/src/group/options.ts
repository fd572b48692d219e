import { InvalidNameError, type PayloadOptions } from '@redis-ipc/core';
import {
  choiceOption,
  integerOption,
  MAX_TIMER_MS,
  PAYLOAD_OPTION_NAMES,
  validateTimeout,
} from '@redis-ipc/core/internal';
import { normalizeId, START_ID } from '../stream-id.js';

/** Options of {@link createConsumerGroup} and {@link ReadStream.group}. */
export interface ConsumerGroupOptions<T> extends PayloadOptions<T> {
  /**
   * Where the group starts when this consumer creates it (it is created when the consumer is made,
   * with the stream if needed, and never again: a group destroyed later is an error, see
   * {@link GroupMissingError}): `'0'` for every event still in the stream, `'$'` for events
   * published after the group was created, or an id. Ignored when the group exists.
   * @default '0'
   */
  startId?: string;
  /**
   * Most events fetched per round trip. Fetched events belong to this consumer until acknowledged
   * (or until it dies and they are reclaimed), so a smaller batch spreads work more evenly; a larger
   * one costs fewer round trips per event, which lets a consumer catch up with a fast producer on a
   * trimmed stream.
   * @default 256
   */
  batchSize?: number;
  /**
   * An event delivered to a consumer that has been silent about it for this long (it died, hangs, or
   * gave the event up) is reclaimed by another consumer. A live consumer refreshes the events it is
   * working on every `minIdleMs / 3`, so long handlers are not reclaimed from under them.
   * @default 3000
   */
  minIdleMs?: number;
  /**
   * How often this consumer looks for events to reclaim (XAUTOCLAIM) while it is reading and has
   * room for more work.
   * @default 1000
   */
  reclaimIntervalMs?: number;
  /**
   * An event handed out this many times (to a handler, a loop body or a `read()` caller: see
   * `GroupEvent.deliveries`) without being acknowledged is moved to the dead-letter stream (the
   * next reclaim, or at once when a handler of `process` fails on that delivery). `Infinity`: never.
   * @default 5
   */
  maxDeliveries?: number;
  /**
   * Keep about this many dead letters (`MAXLEN ~`).
   * @default undefined (no limit)
   */
  deadLetterMaxLen?: number;
  /**
   * Default wait of {@link ConsumerGroup.read}, in ms (`Infinity`: for ever; `0`: just look).
   * @default Infinity
   */
  timeoutMs?: number;
  /**
   * The hold limit: longest time, in ms, an event handed out by {@link ConsumerGroup.read} may stay
   * unacknowledged, and the default of `timeoutMs` for `process` and `events`. Past it this consumer
   * gives the event up: it stops refreshing it (another consumer reclaims it after `minIdleMs`) and
   * the event's `signal` aborts. `Infinity` holds events for as long
   * as this consumer lives.
   * @default 60000
   */
  ackTimeoutMs?: number;
}

/** Every option name of {@link ConsumerGroupOptions}: others are refused. */
export const GROUP_OPTION_NAMES: readonly string[] = [
  ...PAYLOAD_OPTION_NAMES,
  'startId',
  'batchSize',
  'minIdleMs',
  'reclaimIntervalMs',
  'maxDeliveries',
  'deadLetterMaxLen',
  'timeoutMs',
  'ackTimeoutMs',
];

/** Options of {@link ConsumerGroup.read}. */
export interface GroupReadOptions {
  /**
   * Most events returned.
   * @default the group's `batchSize` (256)
   */
  count?: number;
  /**
   * Longest wait in ms; then the call rejects with TimeoutError. `0` only looks.
   * @default the group's `timeoutMs` (Infinity)
   */
  timeoutMs?: number;
  /**
   * Aborts the wait: the call rejects with AbortError.
   * @default undefined
   */
  signal?: AbortSignal;
}

/**
 * What a gap (events the group had not delivered were trimmed) does to `process` and `events`:
 * `'continue'` reports it and goes on with the events after it, `'stop'` ends the loop with
 * GapError.
 */
export type GapPolicy = 'continue' | 'stop';

/** Options of {@link ConsumerGroup.process}. */
export interface GroupProcessOptions {
  /**
   * Most handlers running at once.
   * @default 1
   */
  concurrency?: number;
  /**
   * Stops taking new events; `process` resolves once the running handlers have finished.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * Longest a handler may run, in ms. Past it the event is given up as a failed one (`'failed'` with
   * a TimeoutError, dead-lettered on its `maxDeliveries`-th delivery, otherwise reclaimed by another
   * consumer after `minIdleMs`), `event.signal` aborts and the handler's slot takes the next event.
   * A handler that returns after the limit has passed has timed out all the same (its outcome is
   * ignored). JavaScript cannot stop a running function: a handler that ignores the signal keeps
   * running, and what it returns then no longer counts.
   * @default the group's `ackTimeoutMs` (60000)
   */
  timeoutMs?: number;
  /**
   * What a gap does: `'continue'` emits `'gap'` (or, when nobody listens for it, a process warning
   * printed on stderr) and keeps the worker running; `'stop'` makes `process` reject with GapError.
   * @default 'continue'
   */
  onGap?: GapPolicy;
}

/** Options of {@link ConsumerGroup.events}. */
export interface GroupIterateOptions {
  /**
   * Ends the iteration (cleanly, without an error).
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * Longest the loop body may keep one event, in ms; past it the event is given up (as with
   * `process`) and `event.signal` aborts.
   * @default the group's `ackTimeoutMs` (60000)
   */
  timeoutMs?: number;
  /**
   * What a gap does, as for {@link GroupProcessOptions.onGap}.
   * @default 'continue'
   */
  onGap?: GapPolicy;
}

/** Options of {@link ConsumerGroup.close}. */
export interface GroupCloseOptions {
  /**
   * How long to wait for running handlers before giving up on them, in ms. Events they have not
   * acknowledged by then stay pending and are reclaimed by other consumers after `minIdleMs`.
   * @default 10000
   */
  timeoutMs?: number;
}

/** The checked settings of one consumer. */
export interface GroupSettings {
  readonly startId: string;
  readonly batchSize: number;
  readonly minIdleMs: number;
  readonly reclaimIntervalMs: number;
  /** How often held events are refreshed: a third of `minIdleMs`. */
  readonly refreshIntervalMs: number;
  /** 0: no limit. */
  readonly maxDeliveries: number;
  /** 0: no limit. */
  readonly deadMaxLen: number;
  readonly timeoutMs: number;
  readonly ackTimeoutMs: number;
}

/** Checks a consumer's options; throws InvalidArgumentError. */
export function groupSettings<T>(options: ConsumerGroupOptions<T>): GroupSettings {
  const startId = options.startId ?? '0';
  const minIdleMs = integerOption(options.minIdleMs ?? 3000, 'minIdleMs', 1, MAX_TIMER_MS);
  const maxDeliveries = options.maxDeliveries ?? 5;
  return {
    startId: startId === '$' ? '$' : startId === '0' ? START_ID : normalizeId(startId, 'startId'),
    batchSize: integerOption(options.batchSize ?? 256, 'batchSize', 1),
    minIdleMs,
    reclaimIntervalMs: integerOption(options.reclaimIntervalMs ?? 1000, 'reclaimIntervalMs', 1, MAX_TIMER_MS),
    refreshIntervalMs: Math.max(10, Math.floor(minIdleMs / 3)),
    maxDeliveries:
      maxDeliveries === Number.POSITIVE_INFINITY ? 0 : integerOption(maxDeliveries, 'maxDeliveries', 1),
    deadMaxLen:
      options.deadLetterMaxLen === undefined
        ? 0
        : integerOption(options.deadLetterMaxLen, 'deadLetterMaxLen', 1),
    timeoutMs: validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY),
    ackTimeoutMs: validateTimeout(options.ackTimeoutMs ?? 60_000, 'ackTimeoutMs'),
  };
}

/** Checks a gap policy. */
export function gapPolicy(value: GapPolicy | undefined): GapPolicy {
  return choiceOption(value ?? 'continue', 'onGap', ['continue', 'stop']);
}

/** Checks a group or consumer name; throws InvalidNameError. */
export function validateMember(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw new InvalidNameError(String(value), `a ${what} name must have 1 to 200 characters`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new InvalidNameError(value, `a ${what} name must not contain control characters`);
  }
  return value;
}
