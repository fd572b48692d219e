import type { SlotMember } from '@redis-ipc/core/internal';

/** What {@link Task.ack} found. */
export type AckOutcome =
  /** Done: removed from the reader's in-flight set. */
  | 'acked'
  /**
   * This reader no longer held the delivery (its lease was lost and the task went back to the queue):
   * nothing was changed, and the task may run again elsewhere.
   */
  | 'lost'
  /** Nothing to do: the task was already nacked, or the reader is at-most-once. */
  | 'ignored';

/** What {@link Task.nack} did with the task. */
export type NackOutcome =
  /** Back at the head of the queue: the next reader takes it. */
  | 'requeued'
  /** Waiting for its retry delay. */
  | 'delayed'
  /** Delivered `maxDeliveries` times: moved to the dead-letter list with the error. */
  | 'dead-lettered'
  /** This reader no longer held it (its lease had been reclaimed): nothing was changed. */
  | 'lost'
  /** Nothing to do: the task was already acked or nacked, or the reader is at-most-once. */
  | 'ignored';

/** Options of {@link Task.nack}. */
export interface NackOptions {
  /**
   * How long the task waits before it may be taken again, in ms; 0 puts it back at the head at once.
   * @default 0
   */
  delayMs?: number;
  /**
   * Why it failed: kept as the reason in the dead-letter list if this was its last delivery.
   * @default undefined ('nacked')
   */
  error?: unknown;
}

/** One delivery of a task taken from a queue. */
export interface Task<T> {
  /**
   * The task id: the item's `uuid` (a random UUID, or the id given to `push`). Ids may repeat (a
   * caller-given id pushed again after the dedupe window, a replayed raw item): each delivery is still
   * acked and nacked on its own.
   */
  readonly id: string;
  /** The decoded value. */
  readonly value: T;
  /**
   * How many times it has reached a handler (or a caller of `pop`/`take`/the iterator), this time
   * included: 1 on the first delivery. Deliveries that a crashed reader had only buffered are not
   * counted, nor those that may not have started when it crashed amid a burst of quick handlers.
   */
  readonly deliveries: number;
  /** Client id of the writer that pushed it (prefixed mode), `undefined` when unknown. */
  readonly producer: string | undefined;
  /**
   * Marks the task done; it is removed from the reader's in-flight set. Acks are batched: all those
   * made in the same turn of the event loop go in one command. Resolves once Redis has them, with
   * `'acked'`, or `'lost'` when this reader no longer held the delivery (its lease was lost: nothing
   * was changed, the task went back to the queue). Safe not to await: a failure is retried, and
   * reported as an `error` event of the reader.
   */
  ack(): Promise<AckOutcome>;
  /** Gives the task back (see {@link NackOptions}); resolves with what happened to it. */
  nack(options?: NackOptions): Promise<NackOutcome>;
  /**
   * Aborts when a `process` handler running this task has run past the worker's `timeoutMs` (the
   * reason is a {@link @redis-ipc/core!TimeoutError}; the task has then been nacked already), when the
   * reader lost its lease (the reason is a {@link LeaseLostError}; the task went back to the queue and
   * may run elsewhere: stop, an ack would be `'lost'`), or when the reader closed while the task was
   * still held, past the close deadline (the reason is a {@link @redis-ipc/core!ClosedError}; the task
   * has been given back to the queue). A handler that does slow work passes it on (to `fetch`, say), so
   * the work stops with it.
   */
  readonly signal: AbortSignal;
}

/** What a {@link QueueTask} needs from its reader. */
export interface TaskOwner<T> {
  ack(task: QueueTask<T>): Promise<AckOutcome>;
  /** Acks without making a promise of the outcome. */
  ackQuietly(task: QueueTask<T>): Promise<unknown>;
  nack(task: QueueTask<T>, options: NackOptions): Promise<NackOutcome>;
}

/** The reader's implementation of {@link Task}: one delivery. */
export class QueueTask<T> implements Task<T>, SlotMember {
  readonly id: string;
  readonly value: T;
  readonly deliveries: number;
  readonly producer: string | undefined;
  /** The item exactly as stored. */
  readonly item: string;
  /** The delivery's token: the reader's sequence number for it; -1 for a popped (at-most-once) item. */
  readonly seq: number;
  /** The reader's lease generation when the delivery was taken: an older one is lost. */
  readonly generation: number;
  /**
   * Given back uncounted after its reader died amid a burst of quick handlers, not knowing whether
   * it had started: it runs with an exact started mark, and its ack forgets the suspicion.
   */
  readonly suspect: boolean;
  /** @internal Its place among the deliveries its reader holds (a SlotSet), -1 when not held. */
  slot = -1;
  readonly #owner: TaskOwner<T>;
  #settled: Promise<unknown> | undefined;
  #acked: Promise<AckOutcome> | undefined;
  // Made on first use: most handlers never look at the signal.
  #abort: AbortController | undefined;

  constructor(
    owner: TaskOwner<T>,
    item: string,
    seq: number,
    deliveries: number,
    generation: number,
    id: string,
    value: T,
    producer: string | undefined,
    suspect = false,
  ) {
    this.#owner = owner;
    this.id = id;
    this.item = item;
    this.seq = seq;
    this.deliveries = deliveries;
    this.generation = generation;
    this.value = value;
    this.producer = producer;
    this.suspect = suspect;
  }

  /** Whether ack or nack has been called. */
  get settled(): boolean {
    return this.#settled !== undefined;
  }

  get signal(): AbortSignal {
    this.#abort ??= new AbortController();
    return this.#abort.signal;
  }

  /** Whether {@link QueueTask.signal} has aborted (without making it). */
  get aborted(): boolean {
    return this.#abort?.signal.aborted ?? false;
  }

  /** Aborts {@link QueueTask.signal} with `reason`. */
  abort(reason: unknown): void {
    this.#abort ??= new AbortController();
    this.#abort.abort(reason);
  }

  ack(): Promise<AckOutcome> {
    if (this.#acked) return this.#acked;
    // Already nacked: nothing to do, whatever the nack's fate.
    if (this.#settled) return this.#settled.then(ignored, ignored);
    const acked = this.#owner.ack(this);
    this.#settled = acked;
    this.#acked = acked;
    return acked;
  }

  /** Acks without making a promise of the outcome (a worker's ack on return: nobody reads it). */
  ackQuietly(): void {
    if (this.#settled) return;
    this.#settled = this.#owner.ackQuietly(this);
  }

  nack(options: NackOptions = {}): Promise<NackOutcome> {
    if (this.#settled) return this.#settled.then(ignored, ignored);
    const nacked = this.#owner.nack(this, options);
    // A caller that does not await must not get an unhandled rejection: failures are also reported
    // as the reader's `error` event.
    nacked.catch(noop);
    this.#settled = nacked;
    return nacked;
  }
}

function noop(): undefined {
  return undefined;
}

function ignored(): 'ignored' {
  return 'ignored';
}
