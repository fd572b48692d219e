import { EventEmitter } from 'node:events';
import { ClosedError, type IpcClient, isIpcError, PayloadCodec, toIpcError } from '@redis-ipc/core';
import {
  AckBatcher,
  DEFAULT_CLOSE_TIMEOUT_MS,
  integerOption,
  PAYLOAD_OPTION_NAMES,
  rejectUnknownOptions,
  reportError,
  SerialLock,
  Slots,
  throwIfAborted,
  validateTimeout,
  within,
} from '@redis-ipc/core/internal';
import type { GapError } from './gap-error.js';
import { DeadLetters, type StreamDeadLetterNotice } from './group/dead-letters.js';
import type { GroupDelivery } from './group/delivery.js';
import { EventTaker } from './group/event-taker.js';
import type { ConsumerGroupEvents, GroupEventHandler } from './group/events.js';
import { GroupReader } from './group/group-reader.js';
import type { GroupScope } from './group/group-scope.js';
import { Leases } from './group/leases.js';
import {
  type ConsumerGroupOptions,
  type GroupCloseOptions,
  type GroupIterateOptions,
  type GroupProcessOptions,
  type GroupReadOptions,
  type GroupSettings,
  groupSettings,
  validateMember,
} from './group/options.js';
import {
  type GroupPendingEntry,
  type GroupPendingOptions,
  type GroupPendingSummary,
  GroupQueries,
  type StreamDeadLetter,
  type StreamDeadLetterOptions,
} from './group/queries.js';
import { Reclaimer } from './group/reclaimer.js';
import { GroupRunner } from './group/runner.js';
import { ThrottledWarning } from './group/throttled-warning.js';
import type { GroupEvent } from './stream-event.js';
import { normalizeId } from './stream-id.js';
import { StreamKeys } from './stream-keys.js';

// At most one process warning about gaps (or trimmed pending events) per this many ms, when nobody
// listens for 'gap' ('trimmed').
const WARNING_PERIOD_MS = 10_000;
// XACK argument lists are cut into chunks of this many ids.
const ID_CHUNK = 1000;

/**
 * One consumer of a Redis consumer group: the group's consumers share the stream's events, each
 * event going to one of them. Delivery is at least once: an event stays pending until acknowledged,
 * a consumer that dies, hangs or keeps an event past its hold limit has it reclaimed by the others
 * after `minIdleMs`, and an event that keeps failing or cannot be decoded is moved to the
 * dead-letter stream (`keys.sub('dead')`) rather than lost. The group is made when the consumer is
 * made; if it disappears later, reads reject with {@link GroupMissingError}. Make it with
 * {@link createConsumerGroup} or {@link ReadStream.group}.
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
  readonly #settings: GroupSettings;
  readonly #reader: GroupReader;
  readonly #leases: Leases;
  readonly #reclaimer: Reclaimer;
  readonly #deadLetters: DeadLetters;
  readonly #queries: GroupQueries;
  readonly #runner: GroupRunner<T>;
  readonly #taker: EventTaker<T>;
  readonly #acks: AckBatcher<string>;
  readonly #lock = new SerialLock();
  readonly #closeController = new AbortController();
  readonly #ackStop = new AbortController();
  readonly #running = new Slots();
  #loops = 0;
  #hungry = 0;
  #reads = 0;
  // A `read()` caller counts as wanting work until this time (it reads again after handling).
  #activeUntil = 0;
  #started = false;
  #closing: Promise<void> | undefined;
  readonly #gapWarning = new ThrottledWarning(WARNING_PERIOD_MS);
  readonly #trimmedWarning = new ThrottledWarning(WARNING_PERIOD_MS);

  /** Use {@link createConsumerGroup}. */
  constructor(
    ipc: IpcClient,
    name: string,
    group: string,
    consumer: string,
    options: ConsumerGroupOptions<T> = {},
  ) {
    super();
    rejectUnknownOptions(
      options,
      [
        ...PAYLOAD_OPTION_NAMES,
        'startId',
        'batchSize',
        'minIdleMs',
        'reclaimIntervalMs',
        'maxDeliveries',
        'deadLetterMaxLen',
        'timeoutMs',
        'ackTimeoutMs',
      ],
      'createConsumerGroup',
    );
    const keys = new StreamKeys(ipc, name);
    this.name = name;
    this.key = keys.main;
    this.deadLetterKey = keys.dead;
    this.group = validateMember(group, 'group');
    this.consumer = validateMember(consumer, 'consumer');
    this.#ipc = ipc;
    this.#payload = new PayloadCodec(options);
    this.#settings = groupSettings(options);
    const binary = this.#payload.binary;
    const scope: GroupScope = {
      ipc,
      keys,
      group: this.group,
      consumer: this.consumer,
      settings: this.#settings,
      binary,
    };
    this.#reader = new GroupReader(scope, {
      fetched: (ids) => this.#leases.fetched(ids),
      looping: () => this.#loops > 0,
      closing: () => this.#closing !== undefined,
      missing: (error) => {
        // The consumer cannot go on: no more reclaims; loops and reads reject with it.
        this.#reclaimer.stop();
        reportError(this, error);
      },
    });
    this.#leases = new Leases(scope, {
      dropWaiting: () => this.#reader.dropWaiting(),
      reportError: (error) => this.#backgroundError(error),
      trimmed: (ids) => this.#reportTrimmed(ids),
    });
    this.#reclaimer = new Reclaimer(scope, {
      wantsWork: () => this.#wantsWork(),
      ready: () => this.#reader.ensureGroup(),
      claimed: (entries) => {
        if (this.#closing) return;
        this.#leases.fetched(entries.map((entry) => entry.id));
        this.#reader.addReclaimed(entries);
        if (this.listenerCount('reclaimed') > 0)
          this.emit(
            'reclaimed',
            entries.map((entry) => entry.id),
          );
      },
      deadLettered: (entries) => {
        for (const { id, deadLetterId, deliveries, consumer: holder } of entries) {
          this.#notifyDeadLetter({
            id,
            deadLetterId,
            reason: 'max-deliveries',
            deliveries,
            error: `delivered ${deliveries} times without an acknowledgement`,
            consumer: holder,
          });
        }
      },
      deleted: (ids) => this.#reportTrimmed(ids),
      failed: (error) => this.#backgroundError(error),
    });
    this.#deadLetters = new DeadLetters(
      scope,
      (notice) => this.#notifyDeadLetter(notice),
      (error) => this.#backgroundError(error),
    );
    this.#queries = new GroupQueries(ipc, keys, this.group, binary);
    this.#taker = new EventTaker<T>(this.#reader, this.#payload, this.#leases, this.#deadLetters, {
      closing: () => this.#closing !== undefined,
      decodeError: (error) => {
        if (this.listenerCount('decode-error') > 0) this.emit('decode-error', error);
        else reportError(this, error);
      },
    });
    this.#acks = new AckBatcher<string>({
      send: (ids) => this.#sendAcks(ids),
      onError: (error) => reportError(this, error),
      stop: this.#ackStop.signal,
    });
    this.#runner = new GroupRunner<T>({
      closeSignal: this.#closeController.signal,
      ackTimeoutMs: this.#settings.ackTimeoutMs,
      running: this.#running,
      ended: () => this.#closing !== undefined || this.#ipc.closed,
      takeReady: (count) => (this.#lock.busy || this.#closing ? undefined : this.#taker.takeReady(count)),
      read: (count, signal) => this.#read(count, Number.POSITIVE_INFINITY, signal),
      work: (event, held, timeoutMs) => this.#leases.work(event.id, held, timeoutMs),
      handedOut: () => this.#leases.handedOut(),
      ack: (event) => this.#ack(event.id),
      fail: (event, error) => void this.#fail(event, error),
      release: (event) => {
        if (this.#leases.settle(event.id)) void this.#leases.giveBack([event], false);
      },
      gap: (error) => this.#reportGap(error),
      reportError: (error) => reportError(this, error),
      looping: (started) => {
        this.#loops += started ? 1 : -1;
        if (started) this.#start();
      },
      hungry: (waiting) => {
        this.#hungry += waiting ? 1 : -1;
      },
    });
    this.#reader.ensureGroup().catch(() => {});
  }

  /** True once {@link ConsumerGroup.close} has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Resolves once the group exists (it is made, with the stream, when this consumer is made).
   * Rejects with GroupMissingError once the group has disappeared.
   */
  async ready(): Promise<this> {
    await this.#reader.ensureGroup();
    if (this.#reader.missing) throw this.#reader.missing;
    return this;
  }

  /**
   * Waits for at least one event for this consumer, then returns those already there, up to
   * `count`. Events reclaimed from silent consumers come first. Returned events are this consumer's
   * until {@link ConsumerGroup.ack}ed or until the group's `ackTimeoutMs` passes (then they are given
   * up for another consumer to reclaim, and their `signal` aborts). Undecodable events are
   * dead-lettered and reported as `'decode-error'`, not returned. Rejects with TimeoutError,
   * AbortError, ClosedError, GroupMissingError when the group has disappeared, or GapError once when
   * events the group had not delivered were trimmed.
   */
  async read(options: GroupReadOptions = {}): Promise<Array<GroupEvent<T>>> {
    const count = integerOption(options.count ?? this.#settings.batchSize, 'count', 1);
    const timeoutMs = validateTimeout(options.timeoutMs ?? this.#settings.timeoutMs);
    if (this.#closing) throw new ClosedError('The consumer group is closed');
    throwIfAborted(options.signal);
    this.#start();
    this.#reads++;
    try {
      const events = await this.#read(count, timeoutMs, options.signal);
      const limit = this.#settings.ackTimeoutMs;
      for (const event of events) this.#leases.work(event.id, event, limit);
      return events;
    } finally {
      this.#reads--;
      this.#activeUntil = performance.now() + 2 * this.#settings.reclaimIntervalMs;
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
    const list = (Array.isArray(events) ? events : [events]) as ReadonlyArray<string | GroupEvent<T>>;
    const ids: string[] = [];
    try {
      for (const item of list) ids.push(typeof item === 'string' ? normalizeId(item) : item.id);
    } catch (error) {
      return Promise.reject(error);
    }
    if (ids.length === 0) return Promise.resolve();
    let stored: Promise<void> = Promise.resolve();
    for (const id of ids) stored = this.#ack(id);
    // Acks of one call share a batch: the last one's promise settles with it.
    return stored;
  }

  /**
   * Runs `handler` for every event delivered to this consumer, at most `concurrency` at a time, until
   * `signal` aborts or the group (or client) closes; then resolves once the running handlers have
   * finished (or run out of time). An event is acknowledged when its handler returns (or its promise
   * resolves) within `timeoutMs`. When the handler throws, or runs past `timeoutMs` (returning late
   * counts as timing out), `'failed'` is emitted and the event
   * stays pending, to be delivered again after `minIdleMs`; on its `maxDeliveries`-th delivery it is
   * dead-lettered instead. Redis outages are waited out (reported as `'error'`). A gap (events
   * trimmed before the group read them) is reported as `'gap'` (a process warning when nobody
   * listens) and the worker goes on, unless `onGap: 'stop'`: then `process` rejects with GapError.
   * Rejects with GroupMissingError when the group disappears.
   */
  process(handler: GroupEventHandler<T>, options: GroupProcessOptions = {}): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('The consumer group is closed'));
    return this.#runner.process(handler, options);
  }

  /**
   * Iterates over the events delivered to this consumer until `signal` aborts or the group closes.
   * An event is acknowledged when the loop body finishes and asks for the next one; if the body
   * throws or breaks out, that event is not acknowledged but given back at once, for this or another
   * consumer to reclaim (unless you {@link ConsumerGroup.ack} it first). A body that keeps one event
   * past `timeoutMs` loses it to other consumers (it is failed, not acknowledged, even if the body
   * asks for the next event soon after). Gaps and errors are handled as in
   * {@link ConsumerGroup.process}.
   */
  events(options: GroupIterateOptions = {}): AsyncIterableIterator<GroupEvent<T>, undefined, undefined> {
    return this.#runner.events(options);
  }

  /** Same as {@link ConsumerGroup.events} with no options. */
  [Symbol.asyncIterator](): AsyncIterableIterator<GroupEvent<T>, undefined, undefined> {
    return this.events();
  }

  /** The group's pending (delivered, unacknowledged) events in summary (XPENDING). */
  pending(): Promise<GroupPendingSummary> {
    return this.#queries.pending();
  }

  /** The group's pending events one by one (XPENDING with a range), oldest first. */
  pendingEntries(options: GroupPendingOptions = {}): Promise<GroupPendingEntry[]> {
    return this.#queries.pendingEntries(options);
  }

  /** Entries of the dead-letter stream (shared by every group of this stream), oldest first. */
  deadLetters(options: StreamDeadLetterOptions = {}): Promise<StreamDeadLetter[]> {
    return this.#queries.deadLetters(options);
  }

  /**
   * Stops this consumer: no new events are taken, running handlers get `timeoutMs` to finish, their
   * acknowledgements are sent, then timers stop. Events fetched but not handed out are given back to
   * the group at once (their delivery uncounted), for other consumers to reclaim. Does not close the
   * client. Idempotent.
   */
  close(options: GroupCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(validateTimeout(options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS));
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    this.#closeController.abort(new ClosedError('The consumer group is closed'));
    this.#reclaimer.stop();
    if (this.#running.busy > 0) await within(this.#running.idle(), timeoutMs);
    await this.#lock.drained().catch(() => {});
    const waiting = this.#reader.dropWaiting();
    if (waiting.length > 0 && !this.#ipc.closed) {
      await within(this.#leases.giveBack(waiting, true), Math.max(0, deadline - performance.now()));
    }
    await within(this.#acks.drain(), Math.max(0, deadline - performance.now())).catch(() => false);
    this.#ackStop.abort();
    this.#leases.stop();
  }

  // Starts the background work of an active consumer: reclaiming and refreshing.
  #start(): void {
    if (this.#started || this.#closing) return;
    this.#started = true;
    this.#leases.start();
    this.#reclaimer.start();
  }

  #wantsWork(): boolean {
    if (this.#closing || this.#reader.missing) return false;
    // Enough at hand: leave the orphans to idler consumers.
    if (this.#reader.waiting >= this.#settings.batchSize) return false;
    // A loop whose slots are all busy is not waiting for events: it does not reclaim.
    return this.#hungry > 0 || this.#reads > 0 || performance.now() < this.#activeUntil;
  }

  // Takes up to `count` events (at least one), fetching when the buffer is empty; one read at a time.
  async #read(
    count: number,
    timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<Array<GroupDelivery<T>>> {
    const deadline = performance.now() + timeoutMs;
    if (!this.#lock.busy && this.#reader.buffer.size > 0) {
      return this.#lock.run(() => this.#taker.take(count, deadline, timeoutMs, this.#closeController.signal));
    }
    const signal = callerSignal
      ? AbortSignal.any([callerSignal, this.#closeController.signal])
      : this.#closeController.signal;
    try {
      return await this.#lock.run(
        () => this.#taker.take(count, deadline, timeoutMs, signal),
        signal,
        deadline,
        timeoutMs,
      );
    } catch (error) {
      if (this.#closing && isIpcError(error, 'IPC_ABORTED') && !callerSignal?.aborted) {
        throw new ClosedError('The consumer group is closed');
      }
      throw error;
    }
  }

  #ack(id: string): Promise<void> {
    this.#leases.settle(id);
    return this.#acks.add(id);
  }

  async #sendAcks(ids: readonly string[]): Promise<void> {
    const sending: Array<Promise<unknown>> = [];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      sending.push(
        this.#ipc.redis.sendCommand(['XACK', this.key, this.group, ...ids.slice(i, i + ID_CHUNK)]),
      );
    }
    await Promise.all(sending);
  }

  async #fail(event: GroupDelivery<T>, error: unknown): Promise<void> {
    this.#leases.settle(event.id);
    try {
      if (this.listenerCount('failed') > 0) this.emit('failed', error, event);
    } catch {
      // A throwing listener must not stop the loop.
    }
    if (this.#deadLetters.isLast(event.deliveries)) {
      const message = error instanceof Error ? error.message : String(error);
      await this.#deadLetters.move(event.id, event.deliveries, 'failed', message);
    }
  }

  #notifyDeadLetter(notice: StreamDeadLetterNotice): void {
    if (this.listenerCount('dead-letter') > 0) this.emit('dead-letter', notice);
  }

  // Loud but not fatal: a listener decides; with none, a process warning says it on stderr — at most
  // one a period, counting the others, so a worker at the trimming edge does not flood stderr.
  #reportGap(error: GapError): void {
    if (this.listenerCount('gap') > 0) this.emit('gap', error.gap);
    else this.#gapWarning.warn(error, 'gaps');
  }

  // Pending events deleted from the stream: they can be neither delivered again nor dead-lettered
  // (their content is gone), so they are reported — to a listener, or else as a process warning.
  #reportTrimmed(ids: string[]): void {
    if (this.listenerCount('trimmed') > 0) {
      this.emit('trimmed', ids);
      return;
    }
    const warning = new Error(
      `${ids.length} pending event(s) of group '${this.group}' on stream '${this.name}' were trimmed before anyone acknowledged them (first: ${ids[0]})`,
    );
    warning.name = 'TrimmedPendingWarning';
    this.#trimmedWarning.warn(warning, 'trims');
  }

  // A background failure; a missing group is reported once, by the reader.
  #backgroundError(error: unknown): void {
    if (!this.#reader.noteMissing(error)) reportError(this, toIpcError(error));
  }
}

/**
 * Makes one consumer (`consumer`) of the consumer group `group` on the stream `name`. The group (and
 * the stream) are created now if missing; a group that disappears later is not made again (reads
 * reject with GroupMissingError). Consumer names should be stable and unique among live consumers
 * (the host and process id, say). Throws InvalidNameError / InvalidArgumentError.
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
