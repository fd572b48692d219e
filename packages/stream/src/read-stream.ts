import { EventEmitter } from 'node:events';
import {
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
  throwIfAborted,
  toIpcError,
  validateTimeout,
} from '@redis-ipc/core';
import { loopIterator, SerialLock, sharedDeadline, waitFor } from '@redis-ipc/core/internal';
import { RESP_TYPES } from 'redis';
import { type ConsumerGroup, type ConsumerGroupOptions, createConsumerGroup } from './consumer-group.js';
import { judgeGap, readAtomically, readStreamState, type StreamState } from './gap-check.js';
import { GapError, isGapError } from './gap-error.js';
import type { StreamEvent, StreamGap } from './stream-event.js';
import { compareIds, isSuccessor, normalizeBound, normalizeId, START_ID, timestampOf } from './stream-id.js';
import {
  contentOf,
  describeFields,
  entryId,
  type ReplyEntry,
  replyEntries,
  streamEntriesOf,
} from './stream-reply.js';
import { STREAM_KIND } from './write-stream.js';

/** Options of {@link createReadStream}. */
export interface ReadStreamOptions<T> extends PayloadOptions<T> {
  /**
   * Where the reader starts: `'$'` for events published from now on (the position is fixed when the
   * reader is made, so nothing published after that is missed), `'0'` for the oldest event still in
   * the stream, or a saved {@link ReadStream.cursor} to resume right after the last event delivered.
   * @default '$'
   */
  from?: string;
  /**
   * Most events fetched per round trip (`XREAD COUNT`). They wait in the reader until delivered; the
   * cursor only moves past delivered ones.
   * @default 256
   */
  batchSize?: number;
  /**
   * Default wait of {@link ReadStream.next} and {@link ReadStream.nextBatch}, in ms (`Infinity`: wait
   * for ever; `0`: do not wait, just look).
   * @default Infinity
   */
  timeoutMs?: number;
}

/** Options of one blocking read. */
export interface StreamReadOptions {
  /**
   * Longest wait in ms; then the call rejects with TimeoutError. `0` only looks at what is there.
   * @default the reader's `timeoutMs` (Infinity)
   */
  timeoutMs?: number;
  /**
   * Aborts the wait: the call rejects with AbortError.
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of {@link ReadStream.nextBatch}. */
export interface StreamBatchReadOptions extends StreamReadOptions {
  /**
   * Most events returned.
   * @default the reader's `batchSize` (256)
   */
  count?: number;
}

/** Options of {@link ReadStream.range}. */
export interface StreamRangeOptions {
  /**
   * Lowest id, inclusive (`'(<id>'` for exclusive), or `'-'` for the oldest event.
   * @default '-'
   */
  from?: string;
  /**
   * Highest id, inclusive (`'(<id>'` for exclusive), or `'+'` for the newest event.
   * @default '+'
   */
  to?: string;
  /**
   * Most events returned.
   * @default undefined (all of them: mind large streams)
   */
  count?: number;
  /**
   * Newest first.
   * @default false
   */
  reverse?: boolean;
}

/** Options of {@link ReadStream.events}. */
export interface StreamIterateOptions {
  /**
   * Ends the iteration (cleanly, without an error).
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Events of a {@link ReadStream}. */
export interface ReadStreamEvents {
  /** A failure the iterator is retrying (Redis unreachable, …). Only emitted when someone listens. */
  error: [error: IpcError];
  /** The iterator met events it had not read that were deleted; it carries on after them. */
  gap: [gap: StreamGap];
  /** The iterator met an event it could not decode (or the schema rejected); it skipped it. */
  'decode-error': [error: DecodeError];
}

interface GapItem {
  readonly gap: StreamGap;
  readonly resumeAt: string;
}

type Item = ReplyEntry | GapItem;

interface Fetched {
  readonly after: string;
  readonly entries: ReplyEntry[];
  readonly gap: GapItem | undefined;
  // How many of the entries come before the gap.
  readonly gapIndex: number;
  readonly offset: number | undefined;
  // False when accepted without looking at the stream's state (the first id followed the cursor).
  readonly verified: boolean;
}

const BUFFER_TYPES = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

/**
 * Reads a stream (fan-out: every reader sees every event). Blocking reads keep a cursor that moves
 * only past events handed to the caller, so nothing is skipped between calls, after a timeout, or
 * when a saved cursor is resumed; events deleted before this reader got to them are reported (as
 * {@link GapError} or a `'gap'` event), never skipped silently. Make it with {@link createReadStream}.
 */
export class ReadStream<T> extends EventEmitter<ReadStreamEvents> {
  /** The stream's name, as given. */
  readonly name: string;
  /** The stream's Redis key. */
  readonly key: string;
  readonly #ipc: IpcClient;
  readonly #options: ReadStreamOptions<T>;
  readonly #payload: PayloadCodec<T>;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #lock = new SerialLock();
  readonly #closeController = new AbortController();
  // Last id delivered (undefined until '$' is pinned), and last id fetched into the buffer.
  #cursor: string | undefined;
  #fetched: string;
  // Logical offset of #fetched (entries ever added up to it), when known: makes trimming measurable.
  #offset: number | undefined;
  // Batches after this id were accepted unverified: an XDEL there would make #offset wrong.
  #offsetSince: string | undefined;
  // The last batch was full, so more is probably waiting: the next fetch looks without blocking.
  #full = false;
  // The last fetch began right after the cursor (typical of a busy stream).
  #successive = false;
  #prefetch: Promise<Fetched | null> | undefined;
  // The caller asked for the very beginning: what was trimmed before the first read is no gap.
  #fromStart: boolean;
  #pinning: Promise<void> | undefined;
  #buffer: Item[] = [];
  #position = 0;
  #closed = false;

  /** Use {@link createReadStream}. */
  constructor(ipc: IpcClient, name: string, options: ReadStreamOptions<T> = {}) {
    super();
    this.key = ipc.keys.structure(STREAM_KIND, name).main;
    this.name = name;
    this.#ipc = ipc;
    this.#options = options;
    this.#payload = new PayloadCodec(options);
    this.#batchSize = options.batchSize ?? 256;
    if (!Number.isSafeInteger(this.#batchSize) || this.#batchSize < 1) {
      throw new InvalidArgumentError('batchSize must be a positive integer');
    }
    this.#timeoutMs = validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    const from = options.from ?? '$';
    this.#fromStart = from === '0' || from === START_ID;
    if (from === '$') {
      this.#fetched = START_ID;
      // Pinned now, so events published between now and the first read are not missed.
      this.#pin().catch(() => {});
    } else {
      this.#cursor = this.#fromStart ? START_ID : normalizeId(from, 'from');
      this.#fetched = this.#cursor;
    }
  }

  /**
   * The id of the last event delivered (`'$'` until a reader started at `'$'` has fixed its
   * position). Save it and pass it as `from` to resume right after that event.
   */
  get cursor(): string {
    return this.#cursor ?? '$';
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
    await this.#pin();
    return this;
  }

  /** Number of events in the stream (XLEN; 0 when it does not exist). */
  async len(): Promise<number> {
    try {
      return Number(await this.#ipc.redis.sendCommand(['XLEN', this.key]));
    } catch (error) {
      throw toIpcError(error);
    }
  }

  /**
   * The newest event, or `undefined` when the stream is empty. Does not move the cursor. Rejects with
   * DecodeError when that event cannot be decoded.
   */
  async last(): Promise<StreamEvent<T> | undefined> {
    let reply: unknown;
    try {
      reply = await this.#client(this.#ipc.redis).sendCommand([
        'XREVRANGE',
        this.key,
        '+',
        '-',
        'COUNT',
        '1',
      ]);
    } catch (error) {
      throw toIpcError(error);
    }
    const [entry] = replyEntries(reply);
    return entry ? this.#decode(entry) : undefined;
  }

  /**
   * Existing events between two ids (XRANGE / XREVRANGE), without blocking and without moving the
   * cursor; empty when there are none. Events that cannot be decoded are left out and reported as
   * `'decode-error'` events.
   */
  async range(options: StreamRangeOptions = {}): Promise<Array<StreamEvent<T>>> {
    const from = normalizeBound(options.from ?? '-', 'from');
    const to = normalizeBound(options.to ?? '+', 'to');
    const args = options.reverse ? ['XREVRANGE', this.key, to, from] : ['XRANGE', this.key, from, to];
    if (options.count !== undefined) {
      if (!Number.isSafeInteger(options.count) || options.count < 0) {
        throw new InvalidArgumentError('count must be a non-negative integer');
      }
      if (options.count === 0) return [];
      args.push('COUNT', String(options.count));
    }
    let reply: unknown;
    try {
      reply = await this.#client(this.#ipc.redis).sendCommand(args);
    } catch (error) {
      throw toIpcError(error);
    }
    const events: Array<StreamEvent<T>> = [];
    for (const entry of replyEntries(reply)) {
      try {
        events.push(await this.#decode(entry));
      } catch (error) {
        if (!isIpcError(error, 'IPC_DECODE')) throw error;
        this.#reportDecodeError(error as DecodeError);
      }
    }
    return events;
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
    if (!this.#lock.busy && this.#position < this.#buffer.length && !this.#closed) {
      // Already fetched and nobody else reading: no promise chain, no signal plumbing.
      try {
        if (options.timeoutMs !== undefined) validateTimeout(options.timeoutMs);
        throwIfAborted(options.signal);
        return Promise.resolve(this.#takeOne());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#read(options.signal, options.timeoutMs, async () => this.#takeOne());
  }

  /**
   * Waits for at least one event, then returns those that are already there, up to `count`, and moves
   * the cursor past them. Stops before an undecodable event or a gap, which the following call
   * reports (DecodeError / GapError). Rejects like {@link ReadStream.next}.
   */
  nextBatch(options: StreamBatchReadOptions = {}): Promise<Array<StreamEvent<T>>> {
    const count = options.count ?? this.#batchSize;
    if (!Number.isSafeInteger(count) || count < 1) {
      return Promise.reject(new InvalidArgumentError('count must be a positive integer'));
    }
    return this.#read(options.signal, options.timeoutMs, () => this.#takeMany(count));
  }

  /**
   * Iterates over events as they come, for ever, until the reader or client closes or `signal`
   * aborts (then the loop just ends). Undecodable events are skipped and reported as
   * `'decode-error'`; while Redis is unreachable the loop waits and retries, reporting `'error'`.
   * Deleted unread events are reported as a `'gap'` event when someone listens for it; otherwise the
   * loop throws GapError (the cursor is then past the gap).
   */
  events(options: StreamIterateOptions = {}): AsyncIterableIterator<StreamEvent<T>, undefined, undefined> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closeController.signal])
      : this.#closeController.signal;
    let attempt = 0;
    const slow = async (): Promise<StreamEvent<T> | undefined> => {
      while (!signal.aborted && !this.#ipc.closed) {
        try {
          const event = await this.#read(signal, Number.POSITIVE_INFINITY, async () => this.#takeOne(), true);
          attempt = 0;
          return event;
        } catch (error) {
          if (signal.aborted || this.#ipc.closed || isIpcError(error, 'IPC_CLOSED')) return undefined;
          if (isIpcError(error, 'IPC_DECODE')) {
            this.#reportDecodeError(error as DecodeError);
            continue;
          }
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
      return undefined;
    };
    return loopIterator({ fast: () => (signal.aborted ? undefined : this.#fastNext()), slow });
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
    this.#buffer = [];
    this.#position = 0;
    this.#prefetch = undefined;
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
    if (!this.#lock.busy && this.#position < this.#buffer.length) return this.#lock.run(take);
    const deadline = performance.now() + timeoutMs;
    const signal =
      combined || !callerSignal
        ? (callerSignal ?? this.#closeController.signal)
        : AbortSignal.any([callerSignal, this.#closeController.signal]);
    try {
      return await this.#lock.run(
        async () => {
          while (this.#position >= this.#buffer.length) {
            if (this.#closed) throw new ClosedError('The reader is closed');
            await this.#fill(deadline, timeoutMs, signal);
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

  async #pin(): Promise<void> {
    if (this.#cursor !== undefined) return;
    this.#pinning ??= readStreamState(this.#ipc.redis, this.key).then(
      (state) => {
        if (this.#cursor !== undefined) return;
        this.#cursor = state.lastId ?? START_ID;
        this.#fetched = this.#cursor;
        this.#offset = state.added ?? 0;
      },
      (error: unknown) => {
        this.#pinning = undefined;
        throw toIpcError(error);
      },
    );
    await this.#pinning;
  }

  // Fetches at least one item into the (empty) buffer, or rejects.
  // Work on the shared connection is raced against the caller's deadline and signal (a result that
  // comes too late is dropped: XREAD consumes nothing, and the cursor has not moved).
  async #fill(deadline: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const lookDeadline = sharedDeadline(deadline, this.#ipc.redis.isReady);
    if (this.#cursor === undefined) await waitFor(this.#pin(), signal, lookDeadline, timeoutMs);
    // A backlog: the next batch is probably there already (or on its way), no need to block for it.
    const ahead = this.#prefetch ?? (this.#full ? this.#fetchAhead() : undefined);
    this.#prefetch = undefined;
    if (ahead) {
      const fetched = await waitFor(ahead, signal, lookDeadline, timeoutMs);
      if (fetched && this.#accept(fetched)) return;
    }
    const remaining = deadline - performance.now();
    let fetched: Fetched | null;
    if (remaining < 1) {
      fetched = await waitFor(this.#fetch(this.#ipc.redis, undefined), signal, lookDeadline, timeoutMs);
      if (!fetched) throw new TimeoutError(timeoutMs);
    } else {
      try {
        fetched = await this.#ipc.blocking((redis, wait) => this.#fetch(redis, wait.ms), {
          timeoutMs: Number.isFinite(timeoutMs) ? remaining : Number.POSITIVE_INFINITY,
          signal,
        });
      } catch (error) {
        // Report the caller's timeout, not what was left of it.
        if (isIpcError(error, 'IPC_TIMEOUT')) throw new TimeoutError(timeoutMs, { cause: error });
        throw error;
      }
    }
    this.#accept(fetched);
  }

  #accept(fetched: Fetched): boolean {
    // Fetched from an older position (a late reply): it will be read again.
    if (fetched.after !== this.#fetched || this.#closed) return false;
    if (this.#position > 0) {
      this.#buffer = [];
      this.#position = 0;
    }
    const { entries } = fetched;
    for (let i = 0; i < entries.length; i++) {
      if (i === fetched.gapIndex && fetched.gap) this.#buffer.push(fetched.gap);
      this.#buffer.push(entries[i]!);
    }
    if (fetched.gap && fetched.gapIndex >= entries.length) this.#buffer.push(fetched.gap);
    const last = entries[entries.length - 1];
    this.#fetched = last ? entryId(last) : (fetched.gap?.resumeAt ?? this.#fetched);
    this.#offset = fetched.offset;
    this.#offsetSince = fetched.verified ? undefined : (this.#offsetSince ?? fetched.after);
    this.#fromStart = false;
    this.#full = entries.length >= this.#batchSize;
    // Reads the next batch while this one is being delivered.
    if (this.#full) this.#prefetch = this.#fetchAhead();
    return true;
  }

  // A non-blocking read on the shared connection, checked only when the first id does not follow
  // the cursor. Never rejects: on failure the blocking path takes over.
  #fetchAhead(): Promise<Fetched | null> {
    const after = this.#fetched;
    const client = this.#client(this.#ipc.redis);
    const read = async (): Promise<Fetched | null> => {
      const reply = await client.sendCommand([
        'XREAD',
        'COUNT',
        String(this.#batchSize),
        'STREAMS',
        this.key,
        after,
      ]);
      const entries = streamEntriesOf(reply);
      if (entries.length === 0) return null;
      if (!this.#fromStart && isSuccessor(after, entryId(entries[0]!))) {
        const offset = this.#offset === undefined ? undefined : this.#offset + entries.length;
        return { after, entries, gap: undefined, gapIndex: 0, offset, verified: false };
      }
      return this.#conclude(client, after, entries, await readStreamState(client, this.key));
    };
    return read().catch(() => null);
  }

  // One XREAD (blocking when `blockMs` is given). The stream-state check is pipelined right behind
  // it unless recent reads began right after the cursor (a busy stream: then the check is asked for
  // only when needed); a plain look always carries it.
  async #fetch(redis: RedisClient, blockMs: number | undefined): Promise<Fetched | null> {
    const after = this.#fetched;
    const client = this.#client(redis);
    const count = String(this.#batchSize);
    const args =
      blockMs === undefined
        ? ['XREAD', 'COUNT', count, 'STREAMS', this.key, after]
        : ['XREAD', 'COUNT', count, 'BLOCK', String(blockMs), 'STREAMS', this.key, after];
    const reading = client.sendCommand(args);
    const checking =
      blockMs === undefined || !this.#successive ? readStreamState(client, this.key) : undefined;
    checking?.catch(() => {});
    const entries = streamEntriesOf(await reading);
    const first = entries[0];
    this.#successive = first !== undefined && isSuccessor(after, entryId(first));
    if (!checking && this.#successive && !this.#fromStart) {
      const offset = this.#offset === undefined ? undefined : this.#offset + entries.length;
      return { after, entries, gap: undefined, gapIndex: 0, offset, verified: false };
    }
    return this.#conclude(client, after, entries, await (checking ?? readStreamState(client, this.key)));
  }

  // Decides about gaps for entries read after `after`, with the state read after them.
  async #conclude(
    client: RedisClient,
    after: string,
    read: ReplyEntry[],
    checked: StreamState,
  ): Promise<Fetched | null> {
    let entries = read;
    let state = checked;
    let offset = this.#offset;
    // An XDEL inside batches taken unverified makes the counted offset wrong.
    const since = this.#offsetSince;
    if (
      since !== undefined &&
      state.maxDeletedId !== undefined &&
      compareIds(state.maxDeletedId, since) > 0
    ) {
      offset = undefined;
    }
    let judgement = judgeGap(after, offset, entries, state, false);
    if (judgement.unsure) {
      ({ entries, state } = await readAtomically(client, this.key, after, this.#batchSize));
      judgement = judgeGap(after, offset, entries, state, true);
    }
    let found = judgement.gap;
    // Starting from the beginning, history trimmed before the first read is not a gap.
    if (found && found.index === 0 && this.#fromStart && after === START_ID) found = undefined;
    if (!found) {
      if (entries.length === 0) return null;
      return { after, entries, gap: undefined, gapIndex: 0, offset: judgement.offset, verified: true };
    }
    const gap: StreamGap = {
      stream: this.name,
      after: found.after,
      before: found.before,
      count: found.count,
    };
    return {
      after,
      entries,
      gap: { gap, resumeAt: found.resumeAt },
      gapIndex: found.index,
      offset: judgement.offset,
      verified: true,
    };
  }

  // Takes the next buffered item; throws GapError / DecodeError at once (the cursor moves past it).
  #takeOne(): StreamEvent<T> | Promise<StreamEvent<T>> {
    const item = this.#buffer[this.#position++]!;
    if (isGapItem(item)) {
      this.#cursor = item.resumeAt;
      throw new GapError(item.gap);
    }
    this.#cursor = entryId(item);
    return this.#decode(item);
  }

  async #takeMany(count: number): Promise<Array<StreamEvent<T>>> {
    const events: Array<StreamEvent<T>> = [];
    while (events.length < count && this.#position < this.#buffer.length) {
      const item = this.#buffer[this.#position]!;
      if (isGapItem(item)) {
        if (events.length > 0) break;
        this.#position++;
        this.#cursor = item.resumeAt;
        throw new GapError(item.gap);
      }
      let event: StreamEvent<T>;
      try {
        event = await this.#decode(item);
      } catch (error) {
        if (events.length > 0) break;
        this.#position++;
        this.#cursor = entryId(item);
        throw error;
      }
      this.#position++;
      this.#cursor = event.id;
      events.push(event);
    }
    return events;
  }

  // The iterator's fast path: the next event when it is buffered and decodes without waiting;
  // decode errors (and gaps, when someone listens) are reported on the way. Never throws.
  #fastNext(): StreamEvent<T> | undefined {
    while (!this.#lock.busy && this.#position < this.#buffer.length && this.#payload.schema === undefined) {
      const item = this.#buffer[this.#position]!;
      if (isGapItem(item)) {
        if (this.listenerCount('gap') === 0) return undefined;
        this.#position++;
        this.#cursor = item.resumeAt;
        this.emit('gap', item.gap);
        continue;
      }
      this.#position++;
      const id = entryId(item);
      this.#cursor = id;
      try {
        return this.#decode(item) as StreamEvent<T>;
      } catch (error) {
        this.#reportDecodeError(error as DecodeError);
      }
    }
    return undefined;
  }

  #decode(entry: ReplyEntry): Promise<StreamEvent<T>> | StreamEvent<T> {
    const id = entryId(entry);
    const content = contentOf(entry);
    if (content === undefined) {
      throw new DecodeError(`Entry ${id} has no "content" field`, { raw: describeFields(entry), id });
    }
    if (this.#payload.schema === undefined) {
      return { id, value: this.#payload.decodeUnchecked(content, id), timestamp: timestampOf(id) };
    }
    return this.#payload.decode(content, id).then((value) => ({ id, value, timestamp: timestampOf(id) }));
  }

  #client(redis: RedisClient): RedisClient {
    return this.#payload.binary ? (redis.withTypeMapping(BUFFER_TYPES) as unknown as RedisClient) : redis;
  }

  #reportDecodeError(error: DecodeError): void {
    if (this.listenerCount('decode-error') > 0) this.emit('decode-error', error);
    else this.#reportError(error);
  }

  #reportError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', toIpcError(error));
  }
}

function isGapItem(item: Item): item is GapItem {
  return !Array.isArray(item);
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
