import { EventEmitter } from 'node:events';
import { ClosedError, type DecodeError, type IpcClient, isIpcError, PayloadCodec } from '@redis-ipc/core';
import {
  integerOption,
  PAYLOAD_OPTION_NAMES,
  rejectUnknownOptions,
  reportError,
  SerialLock,
  throwIfAborted,
  validateTimeout,
} from '@redis-ipc/core/internal';
import { type ConsumerGroup, createConsumerGroup } from './consumer-group.js';
import { GapError } from './gap-error.js';

import type { ConsumerGroupOptions } from './group/options.js';
import { Deliverer } from './read/deliverer.js';
import { StreamFetcher } from './read/fetcher.js';
import { BufferFiller } from './read/filler.js';
import { StreamQueries, type StreamRangeOptions } from './read/queries.js';
import { readLoop } from './read/read-loop.js';
import type { StreamEvent } from './stream-event.js';
import { normalizeId, START_ID } from './stream-id.js';
import { StreamKeys } from './stream-keys.js';

export type {
  ReadStreamEvents,
  ReadStreamOptions,
  StreamBatchReadOptions,
  StreamIterateOptions,
  StreamReadOptions,
} from './read/options.js';
export type { StreamRangeOptions } from './read/queries.js';

import type {
  ReadStreamEvents,
  ReadStreamOptions,
  StreamBatchReadOptions,
  StreamIterateOptions,
  StreamReadOptions,
} from './read/options.js';

/**
 * Reads a stream (fan-out: every reader sees every event). Blocking reads keep a cursor that moves
 * only past events handed to the caller, so nothing is skipped between calls, after a timeout, or
 * when a saved cursor is resumed; events deleted before this reader got to them are reported (as
 * {@link GapError} or a `'gap'` event), never skipped silently, and so are events it cannot decode.
 * Make it with {@link createReadStream}.
 */
export class ReadStream<T> extends EventEmitter<ReadStreamEvents> {
  /** The stream's name, as given. */
  readonly name: string;
  /** The stream's Redis key. */
  readonly key: string;
  readonly #ipc: IpcClient;
  readonly #options: ReadStreamOptions<T>;
  readonly #keys: StreamKeys;
  readonly #payload: PayloadCodec<T>;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #fetcher: StreamFetcher;
  readonly #queries: StreamQueries<T>;
  readonly #deliverer: Deliverer<T>;
  readonly #lock = new SerialLock();
  readonly #closeController = new AbortController();
  readonly #filler: BufferFiller<T>;
  #closed = false;

  /** Use {@link createReadStream}. */
  constructor(ipc: IpcClient, name: string, options: ReadStreamOptions<T> = {}) {
    super();
    rejectUnknownOptions(
      options,
      [...PAYLOAD_OPTION_NAMES, 'from', 'batchSize', 'timeoutMs'],
      'createReadStream',
    );
    this.#keys = new StreamKeys(ipc, name);
    this.key = this.#keys.main;
    this.name = name;
    this.#ipc = ipc;
    this.#options = options;
    this.#payload = new PayloadCodec(options);
    this.#batchSize = integerOption(options.batchSize ?? 256, 'batchSize', 1);
    this.#timeoutMs = validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    this.#fetcher = new StreamFetcher(ipc, this.#keys, this.#batchSize, this.#payload.binary);
    this.#queries = new StreamQueries(ipc, this.#keys, this.#payload);
    this.#deliverer = new Deliverer(this.#payload, {
      gapListened: () => this.listenerCount('gap') > 0,
      gap: (gap) => this.emit('gap', gap),
      decodeListened: () => this.#hasDecodeListener(),
      decodeError: (error) => this.#reportDecodeError(error),
    });
    this.#filler = new BufferFiller(ipc, this.key, this.#fetcher, this.#deliverer, () => this.#closed);
    const from = options.from ?? '$';
    if (from === '$') {
      // Pinned now, so events published between now and the first read are not missed.
      this.#filler.pin().catch(() => {});
    } else {
      const fromStart = from === '0' || from === START_ID;
      this.#deliverer.cursor = fromStart ? START_ID : normalizeId(from, 'from');
      this.#fetcher.start(this.#deliverer.cursor, fromStart ? 0 : undefined, fromStart);
    }
  }

  /**
   * The id of the last event delivered (`'$'` until a reader started at `'$'` has fixed its
   * position). Save it and pass it as `from` to resume right after that event.
   */
  get cursor(): string {
    return this.#deliverer.cursor ?? '$';
  }

  /** True once {@link ReadStream.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves once the reader's starting position is fixed (a reader started at `'$'` asks Redis for
   * the stream's last id). Events published after that are certain to be delivered.
   */
  async ready(): Promise<this> {
    await this.#filler.pin();
    return this;
  }

  /** Number of events in the stream (XLEN; 0 when it does not exist). */
  len(): Promise<number> {
    return this.#queries.len();
  }

  /**
   * The newest event, or `undefined` when the stream is empty. Does not move the cursor. Rejects with
   * DecodeError when that event cannot be decoded.
   */
  last(): Promise<StreamEvent<T> | undefined> {
    return this.#queries.last();
  }

  /**
   * Existing events between two ids (XRANGE / XREVRANGE), without blocking and without moving the
   * cursor; empty when there are none. Events that cannot be decoded are left out and reported as
   * `'decode-error'` (or `'error'`) events; when nobody listens for either, the call rejects with
   * DecodeError instead.
   */
  range(options: StreamRangeOptions = {}): Promise<Array<StreamEvent<T>>> {
    return this.#queries.range(options, (error) => this.#reportDecodeError(error));
  }

  /**
   * The next event after the cursor, waiting for one if needed; the cursor then moves past it.
   * Concurrent calls are served one after the other, in order. Rejects with TimeoutError when
   * `timeoutMs` passes (the cursor stays put), AbortError when `signal` aborts, ClosedError once the
   * reader or client is closed, DecodeError (carrying the id) for an event that cannot be decoded and
   * GapError when unread events were deleted: in both cases the cursor has moved past the problem,
   * so the next call goes on with the following event.
   */
  next(options: StreamReadOptions = {}): Promise<StreamEvent<T>> {
    if (!this.#lock.busy && this.#deliverer.buffer.size > 0 && !this.#closed) {
      // Already fetched and nobody else reading: no promise chain, no signal plumbing.
      try {
        if (options.timeoutMs !== undefined) validateTimeout(options.timeoutMs);
        throwIfAborted(options.signal);
        return Promise.resolve(this.#deliverer.takeOne(true));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#read(options.signal, options.timeoutMs, async () => this.#deliverer.takeOne(true));
  }

  /**
   * Waits for at least one event, then returns those that are already there, up to `count`, and moves
   * the cursor past them. Stops before an undecodable event or a gap, which the following call
   * reports (DecodeError / GapError). Rejects like {@link ReadStream.next}.
   */
  nextBatch(options: StreamBatchReadOptions = {}): Promise<Array<StreamEvent<T>>> {
    let count: number;
    try {
      count = integerOption(options.count ?? this.#batchSize, 'count', 1);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#read(options.signal, options.timeoutMs, () => this.#deliverer.takeMany(count));
  }

  /**
   * Iterates over events as they come, for ever, until the reader or client closes or `signal`
   * aborts (then the loop just ends). While Redis is unreachable the loop waits and retries,
   * reporting `'error'`. Deleted unread events are reported as a `'gap'` event when someone listens
   * for it; otherwise the loop throws GapError (the cursor is then past the gap). Undecodable events
   * are skipped and reported as `'decode-error'` (or `'error'`) when someone listens; otherwise the
   * loop throws DecodeError with the cursor still before that event, so a reader resumed from the
   * saved cursor meets it again.
   */
  events(options: StreamIterateOptions = {}): AsyncIterableIterator<StreamEvent<T>, undefined, undefined> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closeController.signal])
      : this.#closeController.signal;
    return readLoop<T>(
      {
        clientClosed: () => this.#ipc.closed,
        next: (loopSignal) =>
          this.#read(loopSignal, Number.POSITIVE_INFINITY, async () => this.#deliverer.takeOne(false), true),
        ready: () => (this.#lock.busy ? undefined : this.#deliverer.fastNext()),
        skipUndecodable: () => this.#deliverer.skipUndecodable(),
        decodeError: (error) => this.#reportDecodeError(error),
        gap: (gap) => this.listenerCount('gap') > 0 && this.emit('gap', gap),
        reportError: (error) => reportError(this, error),
      },
      signal,
    );
  }

  /** Same as {@link ReadStream.events} with no options: `for await (const event of reader)`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<StreamEvent<T>, undefined, undefined> {
    return this.events();
  }

  /**
   * A consumer of the consumer group `group` on this stream (load-balanced: each event goes to one
   * consumer of the group). It uses this reader's codec, schema and payload limit unless `options`
   * says otherwise. See {@link createConsumerGroup}.
   */
  group(group: string, consumer: string, options: ConsumerGroupOptions<T> = {}): ConsumerGroup<T> {
    const { codec, schema, maxPayloadBytes } = this.#options;
    return createConsumerGroup<T>(this.#ipc, this.name, group, consumer, {
      codec,
      schema,
      maxPayloadBytes,
      ...options,
    });
  }

  /**
   * Stops the reader: waiting calls reject with ClosedError, iterators end. Fetched but undelivered
   * events are dropped; the cursor still says where to resume. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeController.abort(new ClosedError('The reader is closed'));
    this.#deliverer.buffer.clear();
    this.#fetcher.dropAhead();
    await this.#lock.drained().catch(() => {});
  }

  // `combined`: the signal already includes the reader's close signal (the iterator's).
  async #read<R>(
    callerSignal: AbortSignal | undefined,
    timeout: number | undefined,
    take: () => Promise<R>,
    combined = false,
  ): Promise<R> {
    const timeoutMs = validateTimeout(timeout ?? this.#timeoutMs);
    if (this.#closed) throw new ClosedError('The reader is closed');
    throwIfAborted(callerSignal);
    // Events already fetched and nobody else reading: no waiting, no signal plumbing.
    if (!this.#lock.busy && this.#deliverer.buffer.size > 0) return this.#lock.run(take);
    const deadline = performance.now() + timeoutMs;
    const signal =
      combined || !callerSignal
        ? (callerSignal ?? this.#closeController.signal)
        : AbortSignal.any([callerSignal, this.#closeController.signal]);
    try {
      return await this.#lock.run(
        async () => {
          while (this.#deliverer.buffer.size === 0) {
            if (this.#closed) throw new ClosedError('The reader is closed');
            await this.#filler.fill(deadline, timeoutMs, signal);
          }
          return take();
        },
        signal,
        deadline,
        timeoutMs,
      );
    } catch (error) {
      if (this.#closed && isIpcError(error, 'IPC_ABORTED') && !(callerSignal?.aborted && !combined)) {
        throw new ClosedError('The reader is closed');
      }
      throw error;
    }
  }

  #hasDecodeListener(): boolean {
    return this.listenerCount('decode-error') > 0 || this.listenerCount('error') > 0;
  }

  // Tells a listener about an undecodable event; false when nobody listens.
  #reportDecodeError(error: DecodeError): boolean {
    if (this.listenerCount('decode-error') > 0) {
      this.emit('decode-error', error);
      return true;
    }
    if (this.listenerCount('error') > 0) {
      reportError(this, error);
      return true;
    }
    return false;
  }
}

/**
 * Makes a {@link ReadStream} on the stream `name` (key `ipc:{name}:s`, or `name` itself in raw mode).
 * Throws InvalidNameError / InvalidArgumentError for bad names, ids or options.
 *
 * @example
 * const reader = createReadStream<Order>(ipc, 'orders', { from: savedCursor ?? '$' });
 * for await (const event of reader) {
 *   handle(event.value);
 *   await save(reader.cursor);
 * }
 */
export function createReadStream<T>(
  ipc: IpcClient,
  name: string,
  options?: ReadStreamOptions<T>,
): ReadStream<T> {
  return new ReadStream<T>(ipc, name, options);
}
