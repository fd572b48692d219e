import { EventEmitter } from 'node:events';
import { ClosedError, type IpcClient, PayloadCodec } from '@redis-ipc/core';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  integerOption,
  rejectUnknownOptions,
  Slots,
  throwIfAborted,
  validateTimeout,
  within,
} from '@redis-ipc/core/internal';
import { GroupAcks } from './group/acks.js';
import { DeadLetters } from './group/dead-letters.js';
import { GroupDelivery } from './group/delivery.js';
import { WorkDemand } from './group/demand.js';
import { EventTaker } from './group/event-taker.js';
import type { ConsumerGroupEvents, GroupEventHandler } from './group/events.js';
import { GroupReader } from './group/group-reader.js';
import type { GroupScope } from './group/group-scope.js';
import { Leases } from './group/leases.js';
import { GroupNotices } from './group/notices.js';
import {
  type ConsumerGroupOptions,
  GROUP_OPTION_NAMES,
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
import { SerialReads } from './group/serial-reads.js';
import { StartMarks } from './group/start-marks.js';
import type { GroupEvent } from './stream-event.js';
import { normalizeId } from './stream-id.js';
import { StreamKeys } from './stream-keys.js';

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
  readonly #settings: GroupSettings;
  readonly #reader: GroupReader;
  readonly #leases: Leases;
  readonly #reclaimer: Reclaimer;
  readonly #deadLetters: DeadLetters;
  readonly #marks: StartMarks;
  readonly #queries: GroupQueries;
  readonly #runner: GroupRunner<T>;
  readonly #reads: SerialReads<T>;
  readonly #acks: GroupAcks;
  readonly #notices: GroupNotices<T>;
  readonly #demand: WorkDemand;
  readonly #closeController = new AbortController();
  // Every handler running on this consumer, for `close()`.
  readonly #running = new Slots();
  #started = false;
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
    rejectUnknownOptions(options, GROUP_OPTION_NAMES, 'createConsumerGroup');
    const keys = new StreamKeys(ipc, name);
    this.name = name;
    this.key = keys.main;
    this.deadLetterKey = keys.dead;
    this.group = validateMember(group, 'group');
    this.consumer = validateMember(consumer, 'consumer');
    this.#ipc = ipc;
    const payload = new PayloadCodec(options);
    this.#settings = groupSettings(options);
    const scope: GroupScope = {
      ipc,
      keys,
      group: this.group,
      startsKey: keys.starts(this.group),
      consumer: this.consumer,
      settings: this.#settings,
      binary: payload.binary,
    };
    const closing = () => this.#closing !== undefined;
    this.#notices = new GroupNotices<T>(this, name, this.group);
    this.#demand = new WorkDemand(2 * this.#settings.reclaimIntervalMs);
    this.#reader = new GroupReader(scope, {
      fetched: (ids) => this.#leases.fetched(ids),
      looping: () => this.#demand.looping,
      closing,
      missing: (error) => {
        // The consumer cannot go on: no more reclaims; loops and reads reject with it.
        this.#reclaimer.stop();
        this.#notices.error(error);
      },
    });
    this.#leases = new Leases(scope, {
      dropWaiting: () => this.#reader.dropWaiting(),
      reportError: (error) => this.#backgroundError(error),
      trimmed: (ids) => this.#notices.trimmed(ids),
      // An event a `read()` caller kept past its limit: its start counts. (A handler's or an
      // iterator's is counted as it fails.)
      expired: (held) => {
        if (held instanceof GroupDelivery) this.#marks.counted(held);
      },
    });
    this.#marks = new StartMarks(scope, (error) => this.#backgroundError(error));
    this.#reclaimer = new Reclaimer(scope, {
      wantsWork: () => this.#wantsWork(),
      ready: () => this.#reader.ensureGroup(),
      claimed: (entries) => {
        if (this.#closing) return;
        this.#leases.fetched(entries.map((entry) => entry.id));
        this.#reader.addReclaimed(entries);
        this.#notices.reclaimed(() => entries.map((entry) => entry.id));
      },
      deadLettered: (entries) => this.#notices.deliveredTooOften(entries),
      deleted: (ids) => this.#notices.trimmed(ids),
      failed: (error) => this.#backgroundError(error),
    });
    this.#deadLetters = new DeadLetters(
      scope,
      (notice) => this.#notices.deadLetter(notice),
      (error) => this.#backgroundError(error),
    );
    this.#queries = new GroupQueries(ipc, keys, this.group, payload.binary);
    const parts = { leases: this.#leases, deadLetters: this.#deadLetters, marks: this.#marks };
    const taker = new EventTaker<T>(this.#reader, payload, parts, {
      closing,
      decodeError: (error) => this.#notices.decodeError(error),
      // Bounded: a handler that hangs must not pin a suspect (it runs beside it after minIdleMs).
      handlersSettled: () => within(this.#running.idle(), this.#settings.minIdleMs).then(() => undefined),
    });
    this.#reads = new SerialReads<T>(this.#reader, taker, {
      closeSignal: this.#closeController.signal,
      closing,
    });
    this.#acks = new GroupAcks(scope, this.#leases, this.#marks, (error) => this.#notices.error(error));
    this.#runner = new GroupRunner<T>({
      closeSignal: this.#closeController.signal,
      ackTimeoutMs: this.#settings.ackTimeoutMs,
      running: this.#running,
      ended: () => this.#closing !== undefined || this.#ipc.closed,
      takeReady: (count) => this.#reads.takeReady(count),
      read: (count, signal) => this.#reads.read(count, Number.POSITIVE_INFINITY, signal),
      work: (event, held, timeoutMs) => this.#leases.work(event.id, held, timeoutMs),
      handedOut: () => this.#leases.handedOut(),
      ack: (event) => void this.#acks.ack(event.id),
      fail: (event, error) => void this.#fail(event, error),
      release: (event) => {
        if (!this.#leases.settle(event.id)) return;
        this.#marks.counted(event);
        void this.#leases.giveBack([event], false);
      },
      gap: (error) => this.#notices.gap(error),
      reportError: (error) => this.#notices.error(error),
      looping: (started) => {
        this.#demand.loop(started);
        if (started) this.#start();
      },
      hungry: (waiting) => this.#demand.hungry(waiting),
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
    this.#demand.readStarted();
    try {
      const events = await this.#reads.read(count, timeoutMs, options.signal);
      const limit = this.#settings.ackTimeoutMs;
      for (const event of events) this.#leases.work(event.id, event, limit);
      return events;
    } finally {
      this.#demand.readEnded();
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
    for (const id of ids) stored = this.#acks.ack(id);
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
    await this.#reads.drained().catch(() => {});
    const waiting = this.#reader.dropWaiting();
    if (waiting.length > 0 && !this.#ipc.closed) {
      await within(this.#leases.giveBack(waiting, true), Math.max(0, deadline - performance.now()));
    }
    await within(this.#acks.drain(), Math.max(0, deadline - performance.now())).catch(() => false);
    this.#acks.stop();
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
    return this.#demand.wanted;
  }

  async #fail(event: GroupDelivery<T>, error: unknown): Promise<void> {
    this.#leases.settle(event.id);
    this.#notices.failed(error, event);
    if (this.#deadLetters.isLast(event.deliveries)) {
      this.#marks.forget(event.id);
      const message = error instanceof Error ? error.message : String(error);
      await this.#deadLetters.move(event.id, event.deliveries, 'failed', message);
    } else {
      this.#marks.counted(event);
    }
  }

  // A background failure; a missing group is reported once, by the reader.
  #backgroundError(error: unknown): void {
    if (!this.#reader.noteMissing(error)) this.#notices.error(error);
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
