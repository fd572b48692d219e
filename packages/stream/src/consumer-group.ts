import { EventEmitter } from 'node:events';
import {
  backoffDelay,
  ClosedError,
  DecodeError,
  InvalidArgumentError,
  InvalidNameError,
  type IpcClient,
  type IpcError,
  isIpcError,
  isTransientError,
  LuaScript,
  PayloadCodec,
  type PayloadOptions,
  type RedisClient,
  sleep,
  TimeoutError,
  throwIfAborted,
  toIpcError,
  validateTimeout,
  within,
} from '@redis-ipc/core';
import { loopIterator, SerialLock, Slots, sharedDeadline, waitFor } from '@redis-ipc/core/internal';
import { RESP_TYPES } from 'redis';
import { judgeGap, readStreamState, type StreamState } from './gap-check.js';
import { GapError, isGapError } from './gap-error.js';
import createGroupSource from './lua/create-group-1.lua?raw';
import deadLetterSource from './lua/dead-letter-2.lua?raw';
import fixReadCounterSource from './lua/fix-read-counter-1.lua?raw';
import reclaimSource from './lua/reclaim-2.lua?raw';
import skipGapSource from './lua/skip-gap-1.lua?raw';
import type { GroupEvent, StreamGap } from './stream-event.js';
import { compareIds, isSuccessor, normalizeBound, normalizeId, START_ID, timestampOf } from './stream-id.js';
import {
  contentOf,
  describeFields,
  entryId,
  fieldOf,
  optionalString,
  type ReplyEntry,
  replyEntries,
  streamEntriesOf,
} from './stream-reply.js';
import { STREAM_KIND } from './write-stream.js';

const CREATE_GROUP = new LuaScript(createGroupSource, 1);
const DEAD_LETTER = new LuaScript(deadLetterSource, 2);
const FIX_READ_COUNTER = new LuaScript(fixReadCounterSource, 1);
const RECLAIM = new LuaScript(reclaimSource, 2);
const SKIP_GAP = new LuaScript(skipGapSource, 1);
const BUFFER_TYPES = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;
// XACK / XCLAIM argument lists are cut into chunks of this many ids.
const ID_CHUNK = 1000;

/** Options of {@link createConsumerGroup} and {@link ReadStream.group}. */
export interface ConsumerGroupOptions<T> extends PayloadOptions<T> {
  /**
   * Where the group starts when this consumer creates it (it is created on first use, with the
   * stream if needed): `'0'` for every event still in the stream, `'$'` for events published after
   * the group was created, or an id. Ignored when the group exists.
   * @default '0'
   */
  startId?: string;
  /**
   * Most events fetched per round trip. Fetched events belong to this consumer until acknowledged
   * (or until it dies and they are reclaimed), so a smaller batch spreads work more evenly.
   * @default 100
   */
  batchSize?: number;
  /**
   * An event delivered to a consumer that has been silent about it for this long (it died, or its
   * process hangs) is reclaimed by another consumer. Live consumers refresh the events they hold
   * every `minIdleMs / 3`, so long handlers are not reclaimed from under them.
   * @default 3000
   */
  minIdleMs?: number;
  /**
   * How often this consumer looks for events to reclaim (XAUTOCLAIM) while it is reading.
   * @default 1000
   */
  reclaimIntervalMs?: number;
  /**
   * An event delivered this many times without being acknowledged is moved to the dead-letter stream
   * (the next reclaim, or at once when a handler of `process` fails on that delivery). `Infinity`:
   * never.
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
}

/** Options of {@link ConsumerGroup.read}. */
export interface GroupReadOptions {
  /**
   * Most events returned.
   * @default the group's `batchSize` (100)
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
}

/** Options of {@link ConsumerGroup.events}. */
export interface GroupIterateOptions {
  /**
   * Ends the iteration (cleanly, without an error).
   * @default undefined
   */
  signal?: AbortSignal;
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

/** Options of {@link ConsumerGroup.pendingEntries}. */
export interface GroupPendingOptions {
  /**
   * Most entries returned.
   * @default 100
   */
  count?: number;
  /**
   * Only the entries of this consumer.
   * @default undefined (every consumer)
   */
  consumer?: string;
  /**
   * Only entries idle for at least this long, in ms.
   * @default undefined (any idle time)
   */
  minIdleMs?: number;
  /**
   * Lowest id.
   * @default '-'
   */
  from?: string;
  /**
   * Highest id.
   * @default '+'
   */
  to?: string;
}

/** Options of {@link ConsumerGroup.deadLetters}. */
export interface StreamDeadLetterOptions {
  /**
   * Most dead letters returned (oldest first).
   * @default 100
   */
  count?: number;
  /**
   * Lowest dead-letter id.
   * @default '-'
   */
  from?: string;
}

/** Summary of a group's delivered but unacknowledged events (XPENDING). */
export interface GroupPendingSummary {
  /** Number of pending events. */
  readonly count: number;
  /** Smallest pending id. */
  readonly minId: string | undefined;
  /** Largest pending id. */
  readonly maxId: string | undefined;
  /** Pending events per consumer. */
  readonly consumers: ReadonlyArray<{ readonly name: string; readonly pending: number }>;
}

/** One delivered but unacknowledged event. */
export interface GroupPendingEntry {
  /** The event id. */
  readonly id: string;
  /** The consumer that holds it. */
  readonly consumer: string;
  /** How long since it was delivered (or refreshed), in ms. */
  readonly idleMs: number;
  /** How many times it has been delivered. */
  readonly deliveries: number;
}

/** Why an event was moved to the dead-letter stream. */
export type StreamDeadLetterReason = 'decode' | 'failed' | 'max-deliveries';

/** Emitted when this consumer moved an event to the dead-letter stream. */
export interface StreamDeadLetterNotice {
  /** The event's id in the stream. */
  readonly sourceId: string;
  /** The dead letter's id in the dead-letter stream. */
  readonly deadLetterId: string;
  /** Why. */
  readonly reason: StreamDeadLetterReason;
  /** The error message (decode error, handler error, or the delivery count). */
  readonly error: string;
}

/** An entry of the dead-letter stream. */
export interface StreamDeadLetter {
  /** Its id in the dead-letter stream. */
  readonly id: string;
  /** The event's id in the source stream. */
  readonly sourceId: string;
  /** The group that gave up on it. */
  readonly group: string;
  /** The consumer that last held it. */
  readonly consumer: string;
  /** Deliveries before it was dead-lettered. */
  readonly deliveries: number;
  /** Why. */
  readonly reason: string;
  /** The error message. */
  readonly error: string;
  /** The event's encoded value exactly as stored (`undefined` if it had been trimmed already). */
  readonly content: string | Buffer | undefined;
}

/** The handler of {@link ConsumerGroup.process}. */
export type GroupEventHandler<T> = (value: T, event: GroupEvent<T>) => unknown;

/** Events of a {@link ConsumerGroup}. */
export interface ConsumerGroupEvents<T> {
  /** A background failure (acks, reclaims, refreshes, a loop retrying). Only emitted when listened to. */
  error: [error: IpcError];
  /** Events the group had not delivered yet were deleted (trimmed) before it got to them. */
  gap: [gap: StreamGap];
  /** An event could not be decoded (or failed the schema); it was dead-lettered. */
  'decode-error': [error: DecodeError];
  /** An event was moved to the dead-letter stream. */
  'dead-letter': [notice: StreamDeadLetterNotice];
  /** A `process` handler threw; the event stays pending and is delivered again after `minIdleMs`. */
  failed: [error: unknown, event: GroupEvent<T>];
  /** This consumer took over events of consumers that had been silent for `minIdleMs`. */
  reclaimed: [ids: string[]];
  /** Pending events were trimmed from the stream before anyone acknowledged them. */
  trimmed: [ids: string[]];
}

interface Delivery {
  readonly id: string;
  readonly entry: ReplyEntry;
  readonly deliveries: number;
}

interface GapItem {
  readonly gap: StreamGap;
}

type Item = Delivery | GapItem;

interface AckWaiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * One consumer of a Redis consumer group: the group's consumers share the stream's events, each
 * event going to one of them. Delivery is at least once: an event stays pending until acknowledged,
 * a consumer that dies has its events reclaimed by the others after `minIdleMs`, and an event that
 * keeps failing or cannot be decoded is moved to the dead-letter stream (`keys.sub('dead')`) rather
 * than lost. Make it with {@link createConsumerGroup} or {@link ReadStream.group}.
 */
export class ConsumerGroup<T> extends EventEmitter<ConsumerGroupEvents<T>> {
  /** The stream's name, as given. */
  readonly name: string;
  /** The stream's Redis key. */
  readonly key: string;
  /** The dead-letter stream's Redis key. */
  readonly deadLetterKey: string;
  /** The group's name. */
  readonly group: string;
  /** This consumer's name. */
  readonly consumer: string;
  readonly #ipc: IpcClient;
  readonly #payload: PayloadCodec<T>;
  readonly #startId: string;
  readonly #batchSize: number;
  readonly #minIdleMs: number;
  readonly #reclaimIntervalMs: number;
  readonly #touchIntervalMs: number;
  readonly #maxDeliveries: number;
  readonly #deadMaxLen: string;
  readonly #timeoutMs: number;
  readonly #lock = new SerialLock();
  readonly #closeController = new AbortController();
  // Every event this consumer holds (fetched, not yet acknowledged), with when it was last refreshed.
  readonly #held = new Map<string, number>();
  readonly #running = new Slots();
  #buffer: Item[] = [];
  #position = 0;
  #reclaimed: Delivery[] = [];
  #groupReady: Promise<void> | undefined;
  #groupExists = false;
  #wake: AbortController | undefined;
  #reading: Promise<string> | undefined;
  #acks: string[] = [];
  #ackWaiters: AckWaiter[] = [];
  #ackScheduled = false;
  #ackAttempt = 0;
  #reclaimTimer: NodeJS.Timeout | undefined;
  #touchTimer: NodeJS.Timeout | undefined;
  #reclaimCursor = START_ID;
  #reclaiming = false;
  #touching = false;
  #loops = 0;
  #reads = 0;
  #caughtUp = true;
  // The last read began right after the group's position (typical of a busy stream).
  #successive = false;
  #activeUntil = 0;
  #closing: Promise<void> | undefined;

  /** Use {@link createConsumerGroup}. */
  constructor(
    ipc: IpcClient,
    name: string,
    group: string,
    consumer: string,
    options: ConsumerGroupOptions<T> = {},
  ) {
    super();
    const keys = ipc.keys.structure(STREAM_KIND, name);
    this.name = name;
    this.key = keys.main;
    this.deadLetterKey = keys.sub('dead');
    this.group = validateMember(group, 'group');
    this.consumer = validateMember(consumer, 'consumer');
    this.#ipc = ipc;
    this.#payload = new PayloadCodec(options);
    const startId = options.startId ?? '0';
    this.#startId = startId === '$' ? '$' : startId === '0' ? START_ID : normalizeId(startId, 'startId');
    this.#batchSize = positiveInteger(options.batchSize ?? 100, 'batchSize');
    this.#minIdleMs = positiveInteger(options.minIdleMs ?? 3000, 'minIdleMs');
    this.#reclaimIntervalMs = positiveInteger(options.reclaimIntervalMs ?? 1000, 'reclaimIntervalMs');
    this.#touchIntervalMs = Math.max(10, Math.floor(this.#minIdleMs / 3));
    const maxDeliveries = options.maxDeliveries ?? 5;
    if (maxDeliveries !== Number.POSITIVE_INFINITY) positiveInteger(maxDeliveries, 'maxDeliveries');
    this.#maxDeliveries = maxDeliveries;
    this.#deadMaxLen =
      options.deadLetterMaxLen === undefined
        ? '0'
        : String(positiveInteger(options.deadLetterMaxLen, 'deadLetterMaxLen'));
    this.#timeoutMs = validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    this.#ensureGroup().catch(() => {});
  }

  /** True once {@link ConsumerGroup.close} has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Resolves once the group exists (it is created, with the stream, when missing). */
  async ready(): Promise<this> {
    await this.#ensureGroup();
    return this;
  }

  /**
   * Waits for at least one event for this consumer, then returns those already there, up to
   * `count`. Events reclaimed from dead consumers come first. Returned events are this consumer's
   * until {@link ConsumerGroup.ack}ed (they are refreshed meanwhile, so nobody reclaims them while
   * this consumer runs). Undecodable events are dead-lettered and reported as `'decode-error'`, not
   * returned. Rejects with TimeoutError, AbortError, ClosedError, or GapError once when events the
   * group had not delivered were trimmed.
   */
  async read(options: GroupReadOptions = {}): Promise<Array<GroupEvent<T>>> {
    const count = options.count ?? this.#batchSize;
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidArgumentError('count must be a positive integer');
    const timeoutMs = validateTimeout(options.timeoutMs ?? this.#timeoutMs);
    if (this.#closing) throw new ClosedError('The consumer group is closed');
    throwIfAborted(options.signal);
    this.#start();
    const deadline = performance.now() + timeoutMs;
    let combined: AbortSignal | undefined;
    // Built only when the call has to wait: most reads are served from the buffer.
    const signalOf = () => {
      combined ??= options.signal
        ? AbortSignal.any([options.signal, this.#closeController.signal])
        : this.#closeController.signal;
      return combined;
    };
    this.#reads++;
    try {
      if (!this.#lock.busy && this.#position < this.#buffer.length) {
        return await this.#lock.run(() => this.#take(count, deadline, timeoutMs, signalOf));
      }
      const signal = signalOf();
      return await this.#lock.run(
        () => this.#take(count, deadline, timeoutMs, signalOf),
        signal,
        deadline,
        timeoutMs,
      );
    } catch (error) {
      if (this.#closing && isIpcError(error, 'IPC_ABORTED') && !options.signal?.aborted) {
        throw new ClosedError('The consumer group is closed');
      }
      throw error;
    } finally {
      this.#reads--;
      this.#activeUntil = performance.now() + 2 * this.#reclaimIntervalMs;
    }
  }

  /** One event: {@link ConsumerGroup.read} with `count: 1`. */
  async next(options: Omit<GroupReadOptions, 'count'> = {}): Promise<GroupEvent<T>> {
    const [event] = await this.read({ ...options, count: 1 });
    return event!;
  }

  /**
   * Acknowledges events (ids or the events themselves): they leave the group's pending list and are
   * never delivered again. Acks made in the same tick go out as one XACK.
   */
  ack(events: string | GroupEvent<T> | ReadonlyArray<string | GroupEvent<T>>): Promise<void> {
    const list = Array.isArray(events) ? events : [events];
    const ids: string[] = [];
    try {
      for (const item of list as ReadonlyArray<string | GroupEvent<T>>) {
        ids.push(typeof item === 'string' ? normalizeId(item) : item.id);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (ids.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#queueAck(ids, { resolve, reject }));
  }

  /**
   * Runs `handler` for every event delivered to this consumer, at most `concurrency` at a time, until
   * `signal` aborts or the group (or client) closes; then resolves once the running handlers have
   * finished. An event is acknowledged when its handler returns (or its promise resolves). When the
   * handler throws, `'failed'` is emitted and the event stays pending, to be delivered again after
   * `minIdleMs`; on its `maxDeliveries`-th delivery it is dead-lettered instead. Redis outages are
   * waited out (reported as `'error'`). Trimmed undelivered events are reported as `'gap'`, or, when
   * nobody listens for `'gap'`, make `process` reject with GapError.
   */
  async process(handler: GroupEventHandler<T>, options: GroupProcessOptions = {}): Promise<void> {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new InvalidArgumentError('concurrency must be a positive integer');
    }
    if (this.#closing) throw new ClosedError('The consumer group is closed');
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closeController.signal])
      : this.#closeController.signal;
    const slots = new Slots();
    this.#loops++;
    this.#start();
    try {
      while (!signal.aborted) {
        if (slots.busy >= concurrency) {
          await slots.freed();
          continue;
        }
        const free = concurrency - slots.busy;
        const events = this.#fastTake(free) ?? (await this.#pull(signal, free));
        if (!events) break;
        for (const event of events) this.#dispatch(handler, event, slots);
      }
    } finally {
      await slots.idle();
      this.#loops--;
    }
  }

  /**
   * Iterates over the events delivered to this consumer until `signal` aborts or the group closes.
   * An event is acknowledged when the loop body finishes and asks for the next one; if the body
   * throws or breaks out, that event is not acknowledged (it is delivered again after `minIdleMs`
   * unless you {@link ConsumerGroup.ack} it first). Errors are handled as in {@link ConsumerGroup.process}.
   */
  events(options: GroupIterateOptions = {}): AsyncIterableIterator<GroupEvent<T>, undefined, undefined> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closeController.signal])
      : this.#closeController.signal;
    let previous: GroupEvent<T> | undefined;
    let started = false;
    // Asking for the next event means the body handled the previous one.
    const settlePrevious = () => {
      if (previous) this.#queueAck([previous.id]);
      previous = undefined;
    };
    return loopIterator<GroupEvent<T>>({
      fast: () => {
        // Counted as a running loop (reclaiming, reading ahead) from the first request on.
        if (!started) {
          started = true;
          this.#loops++;
          this.#start();
        }
        settlePrevious();
        if (signal.aborted) return undefined;
        previous = this.#fastTake(1)?.[0];
        return previous;
      },
      slow: async () => {
        const events = await this.#pull(signal, 1);
        previous = events?.[0];
        return previous;
      },
      finish: () => {
        if (started) this.#loops--;
      },
    });
  }

  /** Same as {@link ConsumerGroup.events} with no options. */
  [Symbol.asyncIterator](): AsyncIterableIterator<GroupEvent<T>, undefined, undefined> {
    return this.events();
  }

  /** The group's pending (delivered, unacknowledged) events in summary (XPENDING). */
  async pending(): Promise<GroupPendingSummary> {
    let reply: unknown;
    try {
      reply = await this.#ipc.redis.sendCommand(['XPENDING', this.key, this.group]);
    } catch (error) {
      throw toIpcError(error);
    }
    const [count, minId, maxId, consumers] = reply as [unknown, unknown, unknown, unknown];
    return {
      count: Number(count),
      minId: optionalString(minId),
      maxId: optionalString(maxId),
      consumers: Array.isArray(consumers)
        ? consumers.map((pair) => ({ name: String(pair[0]), pending: Number(pair[1]) }))
        : [],
    };
  }

  /** The group's pending events one by one (XPENDING with a range), oldest first. */
  async pendingEntries(options: GroupPendingOptions = {}): Promise<GroupPendingEntry[]> {
    const count = options.count ?? 100;
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidArgumentError('count must be a positive integer');
    const args = ['XPENDING', this.key, this.group];
    if (options.minIdleMs !== undefined)
      args.push('IDLE', String(Math.max(0, Math.floor(options.minIdleMs))));
    args.push(
      normalizeBound(options.from ?? '-', 'from'),
      normalizeBound(options.to ?? '+', 'to'),
      String(count),
    );
    if (options.consumer !== undefined) args.push(validateMember(options.consumer, 'consumer'));
    let reply: unknown;
    try {
      reply = await this.#ipc.redis.sendCommand(args);
    } catch (error) {
      throw toIpcError(error);
    }
    return (reply as unknown[][]).map(([id, consumer, idle, deliveries]) => ({
      id: String(id),
      consumer: String(consumer),
      idleMs: Number(idle),
      deliveries: Number(deliveries),
    }));
  }

  /** Entries of the dead-letter stream (shared by every group of this stream), oldest first. */
  async deadLetters(options: StreamDeadLetterOptions = {}): Promise<StreamDeadLetter[]> {
    const count = options.count ?? 100;
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidArgumentError('count must be a positive integer');
    let reply: unknown;
    try {
      reply = await this.#client(this.#ipc.redis).sendCommand([
        'XRANGE',
        this.deadLetterKey,
        normalizeBound(options.from ?? '-', 'from'),
        '+',
        'COUNT',
        String(count),
      ]);
    } catch (error) {
      throw toIpcError(error);
    }
    return replyEntries(reply).map((entry) => {
      const fields = entry[1] ?? [];
      return {
        id: entryId(entry),
        sourceId: fieldOf(fields, 'source-id') ?? '',
        group: fieldOf(fields, 'group') ?? '',
        consumer: fieldOf(fields, 'consumer') ?? '',
        deliveries: Number(fieldOf(fields, 'deliveries') ?? 0),
        reason: fieldOf(fields, 'reason') ?? '',
        error: fieldOf(fields, 'error') ?? '',
        content: contentOf(entry),
      };
    });
  }

  /**
   * Stops this consumer: no new events are taken, running handlers get `timeoutMs` to finish, their
   * acknowledgements are sent, then timers stop. Events fetched but not handed out stay pending and
   * are reclaimed by other consumers after `minIdleMs`. Does not close the client. Idempotent.
   */
  close(options: GroupCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(validateTimeout(options.timeoutMs ?? 10_000));
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#closeController.abort(new ClosedError('The consumer group is closed'));
    if (this.#reclaimTimer) clearInterval(this.#reclaimTimer);
    if (this.#running.busy > 0) await within(this.#running.idle(), timeoutMs);
    await this.#lock.drained().catch(() => {});
    await this.#flushAcks(false);
    if (this.#touchTimer) clearInterval(this.#touchTimer);
    this.#buffer = [];
    this.#position = 0;
    this.#reclaimed = [];
  }

  // Takes up to `count` events (at least one), fetching when the buffer is empty. Runs under the lock.
  async #take(
    count: number,
    deadline: number,
    timeoutMs: number,
    signalOf: () => AbortSignal,
  ): Promise<Array<GroupEvent<T>>> {
    const events: Array<GroupEvent<T>> = [];
    while (events.length === 0) {
      if (this.#closing) throw new ClosedError('The consumer group is closed');
      if (this.#position >= this.#buffer.length) await this.#fill(deadline, timeoutMs, signalOf());
      while (events.length < count && this.#position < this.#buffer.length) {
        const item = this.#buffer[this.#position]!;
        if (isGapItem(item)) {
          if (events.length > 0) return events;
          this.#position++;
          throw new GapError(item.gap);
        }
        this.#position++;
        const event = await this.#decode(item);
        if (event) events.push(event);
      }
    }
    return events;
  }

  async #decode(delivery: Delivery): Promise<GroupEvent<T> | undefined> {
    const { id, entry, deliveries } = delivery;
    const content = contentOf(entry);
    try {
      if (content === undefined) {
        throw new DecodeError(`Entry ${id} has no "content" field`, { raw: describeFields(entry), id });
      }
      const value =
        this.#payload.schema === undefined
          ? this.#payload.decodeUnchecked(content, id)
          : await this.#payload.decode(content, id);
      return { id, value, timestamp: timestampOf(id), deliveries };
    } catch (error) {
      if (!isIpcError(error, 'IPC_DECODE')) throw error;
      if (this.listenerCount('decode-error') > 0) this.emit('decode-error', error as DecodeError);
      else this.#reportError(error);
      // Not awaited: if it fails, the entry stays pending and comes back through a reclaim.
      void this.#deadLetter(id, deliveries, 'decode', (error as Error).message);
      return undefined;
    }
  }

  // Fills the empty buffer: reclaimed events first, then new ones, waiting for them if needed. Work
  // on the shared connection is raced against the caller's deadline and signal; a read that comes
  // back too late still lands in the buffer, for the next call.
  async #fill(deadline: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (!this.#groupExists) {
      const lookDeadline = sharedDeadline(deadline, this.#ipc.redis.isReady);
      await waitFor(this.#ensureGroup(), signal, lookDeadline, timeoutMs);
    }
    for (;;) {
      if (this.#position < this.#buffer.length) return;
      if (this.#reclaimed.length > 0) {
        this.#buffer = this.#reclaimed;
        this.#position = 0;
        this.#reclaimed = [];
        return;
      }
      const lookDeadline = sharedDeadline(deadline, this.#ipc.redis.isReady);
      const lastDelivered = await waitFor(this.#startReading(), signal, lookDeadline, timeoutMs);
      if (this.#position < this.#buffer.length) return;
      const remaining = deadline - performance.now();
      if (remaining < 1) throw new TimeoutError(timeoutMs);
      // Waits without consuming (XREAD, not XREADGROUP), then reads through the checked path above.
      const wake = new AbortController();
      this.#wake = wake;
      try {
        await this.#ipc.blocking(
          (redis, wait) =>
            redis.sendCommand([
              'XREAD',
              'COUNT',
              '1',
              'BLOCK',
              String(wait.ms),
              'STREAMS',
              this.key,
              lastDelivered,
            ]),
          {
            timeoutMs: Number.isFinite(timeoutMs) ? remaining : Number.POSITIVE_INFINITY,
            signal: AbortSignal.any([signal, wake.signal]),
          },
        );
      } catch (error) {
        if (isIpcError(error, 'IPC_TIMEOUT')) throw new TimeoutError(timeoutMs, { cause: error });
        // Woken by a reclaim: go and take what it found.
        if (!(wake.signal.aborted && !signal.aborted && isIpcError(error, 'IPC_ABORTED'))) throw error;
      } finally {
        this.#wake = undefined;
      }
    }
  }

  // One read at a time; while a loop runs, a full batch starts the next one at once (a backlog: it
  // is read while this batch is handled, and lands in the buffer behind it).
  #startReading(): Promise<string> {
    if (this.#reading) return this.#reading;
    const reading = this.#readNew().then(
      (position) => {
        this.#reading = undefined;
        const ahead = this.#buffer.length - this.#position;
        if (!this.#caughtUp && this.#loops > 0 && !this.#closing && ahead <= this.#batchSize) {
          this.#startReading().catch(() => {});
        }
        return position;
      },
      (error: unknown) => {
        this.#reading = undefined;
        throw error;
      },
    );
    this.#reading = reading;
    return reading;
  }

  // One atomic XINFO GROUPS + XREADGROUP, then (unless the first entry follows the group's previous
  // position) a look at the stream's state: pipelined right behind unless recent reads began right
  // after the group's position (a busy stream: then it is asked for only when needed). Fills the
  // buffer; returns the group's last-delivered-id.
  async #readNew(): Promise<string> {
    const client = this.#client(this.#ipc.redis);
    let replies: unknown[];
    let early: Promise<StreamState> | undefined;
    try {
      const reading = client
        .multi()
        .addCommand(['XINFO', 'GROUPS', this.key])
        .addCommand([
          'XREADGROUP',
          'GROUP',
          this.group,
          this.consumer,
          'COUNT',
          String(this.#batchSize),
          'STREAMS',
          this.key,
          '>',
        ])
        .exec() as Promise<unknown[]>;
      if (!this.#successive) {
        early = readStreamState(client, this.key);
        early.catch(() => {});
      }
      replies = await reading;
    } catch (error) {
      if (isMissingGroup(error)) {
        this.#groupReady = undefined;
        this.#groupExists = false;
        await this.#ensureGroup();
        return this.#readNew();
      }
      throw toIpcError(error);
    }
    const groups = Array.isArray(replies[0]) ? (replies[0] as unknown[]) : [];
    const mine = groups.find((record) => fieldOf(record, 'name') === this.group);
    const lastBefore = fieldOf(mine, 'last-delivered-id') ?? START_ID;
    const entriesRead = fieldOf(mine, 'entries-read');
    const offset = entriesRead === undefined ? undefined : Number(entriesRead);
    const entries = streamEntriesOf(replies[1]);
    const firstEntry = entries[0];
    const lastEntry = entries[entries.length - 1];
    const first = firstEntry && entryId(firstEntry);
    const last = lastEntry && entryId(lastEntry);
    let position = last ?? lastBefore;
    let gap: StreamGap | undefined;
    let gapIndex = 0;
    this.#caughtUp = entries.length < this.#batchSize;
    this.#successive = first !== undefined && isSuccessor(lastBefore, first);
    if (!this.#successive) {
      const state = await (early ?? readStreamState(client, this.key));
      const judgement = judgeGap(lastBefore, offset, entries, state, false);
      if (judgement.gap) {
        const found = judgement.gap;
        gap = { stream: this.name, after: found.after, before: found.before, count: found.count };
        gapIndex = found.index;
        if (last !== undefined && judgement.offset !== undefined) {
          await FIX_READ_COUNTER.run(
            this.#ipc.redis,
            [this.key],
            [this.group, last, String(judgement.offset)],
          );
        }
      } else if (judgement.unsure && first !== undefined) {
        // The entries are this consumer's already, so no second look: assume the worst only when
        // trimming has reached them.
        if (state.firstId === undefined || compareIds(state.firstId, first) >= 0) {
          gap = { stream: this.name, after: lastBefore, before: first, count: undefined };
        }
      } else if (judgement.unsure) {
        // Nothing left after the group's position, yet entries were added after it: move the group
        // past them, unless another consumer moved it meanwhile (then that one reports it).
        const moved = (await SKIP_GAP.run(this.#ipc.redis, [this.key], [this.group, lastBefore])) as
          | unknown[]
          | null;
        if (Array.isArray(moved)) {
          const lost = offset === undefined ? undefined : Number(moved[1]) - offset;
          gap = { stream: this.name, after: lastBefore, before: undefined, count: lost };
          position = String(moved[0]);
        }
      }
    }
    if (this.#position >= this.#buffer.length) {
      this.#buffer = [];
      this.#position = 0;
    }
    const now = performance.now();
    for (let i = 0; i < entries.length; i++) {
      if (gap && i === gapIndex) this.#buffer.push({ gap });
      const entry = entries[i]!;
      const id = entryId(entry);
      this.#buffer.push({ id, entry, deliveries: 1 });
      this.#held.set(id, now);
    }
    if (gap && gapIndex >= entries.length) this.#buffer.push({ gap });
    return position;
  }

  // Loops' way to get events: waits out outages, ends (undefined) on close or abort.
  async #pull(signal: AbortSignal, count: number): Promise<Array<GroupEvent<T>> | undefined> {
    for (let attempt = 0; ; ) {
      if (signal.aborted || this.#ipc.closed) return undefined;
      try {
        return await this.read({ count, signal, timeoutMs: Number.POSITIVE_INFINITY });
      } catch (error) {
        if (signal.aborted || this.#ipc.closed || isIpcError(error, 'IPC_CLOSED')) return undefined;
        if (isGapError(error)) {
          if (this.listenerCount('gap') === 0) throw error;
          this.emit('gap', error.gap);
          continue;
        }
        if (!isTransientError(error)) throw error;
        this.#reportError(error);
        try {
          await sleep(backoffDelay(attempt++), signal);
        } catch {
          return undefined;
        }
      }
    }
  }

  // Runs one handler; a synchronous one costs no promise at all.
  #dispatch(handler: GroupEventHandler<T>, event: GroupEvent<T>, slots: Slots): void {
    let result: unknown;
    try {
      result = handler(event.value, event);
    } catch (error) {
      this.#track(this.#fail(event, error), slots);
      return;
    }
    if (!isThenable(result)) {
      this.#queueAck([event.id]);
      return;
    }
    this.#track(
      Promise.resolve(result).then(
        () => this.#queueAck([event.id]),
        (error: unknown) => this.#fail(event, error),
      ),
      slots,
    );
  }

  #track(work: Promise<void>, slots: Slots): void {
    slots.take();
    this.#running.take();
    work.then(
      () => {
        slots.release();
        this.#running.release();
      },
      () => {
        slots.release();
        this.#running.release();
      },
    );
  }

  async #fail(event: GroupEvent<T>, error: unknown): Promise<void> {
    this.#held.delete(event.id);
    try {
      if (this.listenerCount('failed') > 0) this.emit('failed', error, event);
    } catch {
      // A throwing listener must not stop the loop.
    }
    if (event.deliveries >= this.#maxDeliveries) {
      const message = error instanceof Error ? error.message : String(error);
      await this.#deadLetter(event.id, event.deliveries, 'failed', message);
    }
  }

  // Events already buffered that decode without waiting, taken at once; undefined when there are
  // none (or the next needs the slow path: a gap, a schema, a decode failure).
  #fastTake(count: number): Array<GroupEvent<T>> | undefined {
    if (this.#lock.busy || this.#closing || this.#payload.schema !== undefined) return undefined;
    let events: Array<GroupEvent<T>> | undefined;
    while ((events?.length ?? 0) < count && this.#position < this.#buffer.length) {
      const item = this.#buffer[this.#position]!;
      if (isGapItem(item)) break;
      const content = contentOf(item.entry);
      if (content === undefined) break;
      let value: T;
      try {
        value = this.#payload.decodeUnchecked(content, item.id);
      } catch {
        break;
      }
      this.#position++;
      events ??= [];
      events.push({ id: item.id, value, timestamp: timestampOf(item.id), deliveries: item.deliveries });
    }
    if (events) this.#activeUntil = performance.now() + 2 * this.#reclaimIntervalMs;
    return events;
  }

  async #deadLetter(
    id: string,
    deliveries: number,
    reason: StreamDeadLetterReason,
    message: string,
  ): Promise<void> {
    this.#held.delete(id);
    try {
      const deadLetterId = await DEAD_LETTER.run(
        this.#ipc.redis,
        [this.key, this.deadLetterKey],
        [this.group, id, this.consumer, String(deliveries), reason, message, this.#deadMaxLen],
      );
      if (deadLetterId !== null && deadLetterId !== undefined && this.listenerCount('dead-letter') > 0) {
        this.emit('dead-letter', {
          sourceId: id,
          deadLetterId: String(deadLetterId),
          reason,
          error: message,
        });
      }
    } catch (error) {
      // Still pending: it will be reclaimed and dead-lettered again later.
      this.#reportError(error);
    }
  }

  #queueAck(ids: string[], waiter?: AckWaiter): void {
    for (const id of ids) {
      this.#held.delete(id);
      this.#acks.push(id);
    }
    if (waiter) this.#ackWaiters.push(waiter);
    if (!this.#ackScheduled) {
      this.#ackScheduled = true;
      setImmediate(() => {
        this.#ackScheduled = false;
        void this.#flushAcks(true);
      });
    }
  }

  async #flushAcks(retry: boolean): Promise<void> {
    const ids = this.#acks;
    const waiters = this.#ackWaiters;
    if (ids.length === 0 && waiters.length === 0) return;
    this.#acks = [];
    this.#ackWaiters = [];
    try {
      const sending: Array<Promise<unknown>> = [];
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        sending.push(
          this.#ipc.redis.sendCommand(['XACK', this.key, this.group, ...ids.slice(i, i + ID_CHUNK)]),
        );
      }
      await Promise.all(sending);
      this.#ackAttempt = 0;
      for (const waiter of waiters) waiter.resolve();
    } catch (raw) {
      const error = toIpcError(raw);
      if (retry && isTransientError(error) && !this.#ipc.closed) {
        this.#reportError(error);
        this.#acks.unshift(...ids);
        this.#ackWaiters.unshift(...waiters);
        setTimeout(() => void this.#flushAcks(true), backoffDelay(this.#ackAttempt++)).unref();
        return;
      }
      if (waiters.length === 0) this.#reportError(error);
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  // Starts the background work of an active consumer: reclaiming and refreshing.
  #start(): void {
    this.#activeUntil = performance.now() + 2 * this.#reclaimIntervalMs;
    if (this.#reclaimTimer || this.#closing) return;
    this.#reclaimTimer = setInterval(() => void this.#reclaim(), this.#reclaimIntervalMs);
    this.#reclaimTimer.unref();
    this.#touchTimer = setInterval(() => void this.#touch(), this.#touchIntervalMs);
    this.#touchTimer.unref();
    void this.#reclaim();
  }

  async #reclaim(): Promise<void> {
    if (this.#reclaiming || this.#closing) return;
    if (this.#loops === 0 && this.#reads === 0 && performance.now() > this.#activeUntil) return;
    // Enough work at hand: leave the orphans to idler consumers.
    if (this.#buffer.length - this.#position + this.#reclaimed.length >= this.#batchSize) return;
    this.#reclaiming = true;
    try {
      await this.#ensureGroup();
      const reply = (await RECLAIM.run(
        this.#client(this.#ipc.redis),
        [this.key, this.deadLetterKey],
        [
          this.group,
          this.consumer,
          String(this.#minIdleMs),
          this.#reclaimCursor,
          String(this.#batchSize),
          Number.isFinite(this.#maxDeliveries) ? String(this.#maxDeliveries) : '0',
          this.#deadMaxLen,
        ],
      )) as [unknown, unknown[][], unknown[][], unknown[]];
      this.#reclaimCursor = String(reply[0]);
      const claimed: Delivery[] = reply[1].map(([id, fields, deliveries]) => ({
        id: String(id),
        entry: [id, fields] as unknown as ReplyEntry,
        deliveries: Number(deliveries),
      }));
      if (this.listenerCount('dead-letter') > 0) {
        for (const [sourceId, deadLetterId] of reply[2]) {
          this.emit('dead-letter', {
            sourceId: String(sourceId),
            deadLetterId: String(deadLetterId),
            reason: 'max-deliveries',
            error: `delivered more than ${this.#maxDeliveries} times without an acknowledgement`,
          });
        }
      }
      const trimmed = reply[3].map(String);
      if (trimmed.length > 0 && this.listenerCount('trimmed') > 0) this.emit('trimmed', trimmed);
      if (claimed.length === 0) return;
      if (this.#closing) return;
      const now = performance.now();
      for (const delivery of claimed) this.#held.set(delivery.id, now);
      this.#reclaimed.push(...claimed);
      if (this.listenerCount('reclaimed') > 0)
        this.emit(
          'reclaimed',
          claimed.map((delivery) => delivery.id),
        );
      this.#wake?.abort();
    } catch (error) {
      if (isMissingGroup(error)) {
        this.#groupReady = undefined;
        this.#groupExists = false;
      } else this.#reportError(error);
    } finally {
      this.#reclaiming = false;
    }
  }

  // Refreshes the idle time of the events this consumer holds, so nobody reclaims them while it lives.
  async #touch(): Promise<void> {
    if (this.#touching || this.#held.size === 0) return;
    const now = performance.now();
    const due: string[] = [];
    for (const [id, touched] of this.#held) {
      if (now - touched >= this.#touchIntervalMs) due.push(id);
    }
    if (due.length === 0) return;
    this.#touching = true;
    try {
      // Claims only entries idle for a while, so an entry another consumer has just reclaimed stays
      // with it; JUSTID leaves the delivery count alone.
      const minIdle = String(Math.floor(this.#touchIntervalMs / 2));
      for (let i = 0; i < due.length; i += ID_CHUNK) {
        const chunk = due.slice(i, i + ID_CHUNK);
        const kept = (await this.#ipc.redis.sendCommand([
          'XCLAIM',
          this.key,
          this.group,
          this.consumer,
          minIdle,
          ...chunk,
          'JUSTID',
        ])) as unknown[];
        const stamp = performance.now();
        const still = new Set(kept.map(String));
        for (const id of chunk) {
          if (!this.#held.has(id)) continue;
          if (still.has(id)) this.#held.set(id, stamp);
          else this.#held.delete(id);
        }
      }
    } catch (error) {
      this.#reportError(error);
    } finally {
      this.#touching = false;
    }
  }

  #ensureGroup(): Promise<void> {
    this.#groupReady ??= CREATE_GROUP.run(this.#ipc.redis, [this.key], [this.group, this.#startId]).then(
      () => {
        this.#groupExists = true;
      },
      (error: unknown) => {
        this.#groupReady = undefined;
        throw toIpcError(error);
      },
    );
    return this.#groupReady;
  }

  #client(redis: RedisClient): RedisClient {
    return this.#payload.binary ? (redis.withTypeMapping(BUFFER_TYPES) as unknown as RedisClient) : redis;
  }

  #reportError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', toIpcError(error));
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isGapItem(item: Item): item is GapItem {
  return (item as GapItem).gap !== undefined;
}

// NOGROUP, or the stream itself is gone (XINFO GROUPS: "no such key"), also inside a MULTI.
function isMissingGroup(error: unknown): boolean {
  const messages: string[] = [];
  if (error instanceof Error) messages.push(error.message);
  const replies = (error as { replies?: unknown[] } | undefined)?.replies;
  if (Array.isArray(replies)) {
    for (const reply of replies) if (reply instanceof Error) messages.push(reply.message);
  }
  return messages.some((message) => message.startsWith('NOGROUP') || message.includes('no such key'));
}

function validateMember(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw new InvalidNameError(String(value), `a ${what} name must have 1 to 200 characters`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new InvalidNameError(value, `a ${what} name must not contain control characters`);
  }
  return value;
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError(`${option} must be a positive integer`);
  return value;
}

/**
 * Makes one consumer (`consumer`) of the consumer group `group` on the stream `name`. The group (and
 * the stream) are created on first use if missing. Consumer names should be stable and unique among
 * live consumers (the host and process id, say). Throws InvalidNameError / InvalidArgumentError.
 *
 * @example
 * const mailers = createConsumerGroup<Order>(ipc, 'orders', 'mailer', `mailer-${process.pid}`);
 * await mailers.process(async (order) => sendMail(order), { concurrency: 8 });
 */
export function createConsumerGroup<T>(
  ipc: IpcClient,
  name: string,
  group: string,
  consumer: string,
  options?: ConsumerGroupOptions<T>,
): ConsumerGroup<T> {
  return new ConsumerGroup<T>(ipc, name, group, consumer, options);
}
