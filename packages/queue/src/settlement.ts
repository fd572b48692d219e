import { type IpcClient, toIpcError } from '@redis-ipc/core';
import { AckBatcher, durationOption, retryTransient } from '@redis-ipc/core/internal';
import { describeFailure } from './dead-letter.js';
import type { QueueKeys, ReaderKeys } from './queue-keys.js';
import { nackScript } from './scripts/nack.js';
import { type RepeatedAck, settleScript } from './scripts/settle.js';
import type { AckOutcome, NackOptions, NackOutcome, QueueTask, TaskOwner } from './task.js';

/** What a {@link Settlement} needs from its reader. */
export interface SettlementHost {
  /** The lease generation now: deliveries of an older one are lost. */
  readonly generation: number;
  /** A nacked task waits for its retry delay: the timer must fire by then. */
  delayed(delayMs: number): void;
  /** A nack moved a task to the dead-letter list. */
  deadLettered(task: QueueTask<unknown>, error: unknown, reason: string): void;
  reportError(error: unknown): void;
}

// One entry of an ack batch: an ack, or (task undefined) a request to store the started mark and the
// nack outcomes read since the last batch.
interface Settling {
  readonly task: QueueTask<unknown> | undefined;
  lost: boolean;
  // Times its batch was sent: a retried batch may have been stored already by an attempt whose reply
  // was lost.
  attempts: number;
}

// The field of the in-flight hash holding the started mark (see lua/includes/held-tasks.lua).
const STARTED_MARK = '^';
// Most tokens one command carries.
const TOKENS_PER_COMMAND = 1000;
const LOST: Promise<AckOutcome> = Promise.resolve('lost');
const IGNORED: Promise<AckOutcome> = Promise.resolve('ignored');

/**
 * Acks, nacks and the started mark of an at-least-once reader. Acks made in one turn of the event loop
 * go in one command. The started mark (every token up to it has reached a handler) is written before
 * the handlers it covers run: a crash then counts a delivery only for the tasks that had started, even
 * a crash in the handler's first synchronous instant. It travels with the acks, and a burst of fast
 * handlers marks a few dozen tasks ahead, so marking costs about one command per batch, not per task.
 * Every settlement acts on its delivery's token only: a late ack or nack after the lease was lost
 * changes nothing and says `'lost'`.
 */
export class Settlement<T> implements TaskOwner<T> {
  readonly #ipc: IpcClient;
  readonly #keys: QueueKeys;
  readonly #reader: ReaderKeys;
  readonly #consumerId: string;
  readonly #maxDeliveries: number;
  readonly #host: SettlementHost;
  readonly #batcher: AckBatcher<Settling>;
  /** Deliveries handed out and not yet settled: given back when the reader closes. */
  readonly held = new Set<QueueTask<T>>();
  // Being nacked: out of `held`, still in the in-flight hash until the nack script has run.
  readonly #nacking = new Set<QueueTask<T>>();
  // The started mark asked for, and the highest one written to the connection (sent).
  #markWanted = 0;
  #markSent = 0;
  #flushRequested = false;
  // Resolves once the mark asked for has been written to the connection.
  #markWritten: Promise<void> | undefined;
  #resolveMarkWritten: (() => void) | undefined;
  // Tokens whose nack outcome was read: the outcome kept beside them can go.
  #readOutcomes: number[] = [];

  constructor(
    ipc: IpcClient,
    keys: QueueKeys,
    reader: ReaderKeys,
    consumerId: string,
    maxDeliveries: number,
    host: SettlementHost,
  ) {
    this.#ipc = ipc;
    this.#keys = keys;
    this.#reader = reader;
    this.#consumerId = consumerId;
    this.#maxDeliveries = maxDeliveries;
    this.#host = host;
    this.#batcher = new AckBatcher<Settling>({
      send: (batch) => this.#send(batch),
      onError: (error) => host.reportError(error),
      stop: ipc.closeSignal,
    });
  }

  /** A delivery was handed out (to a handler or a caller): it is held until settled. */
  started(task: QueueTask<T>): void {
    this.held.add(task);
  }

  /**
   * Call before `task` reaches its handler (or caller): `undefined` when the started mark covering it
   * is written already, else a promise that resolves once it is (the next turn of the event loop).
   * `through` marks later tokens too, for a burst of fast handlers.
   */
  beforeStart(task: QueueTask<T>, through = task.seq): Promise<void> | undefined {
    if (task.seq <= this.#markSent || task.generation !== this.#host.generation) return undefined;
    if (through > this.#markWanted) this.#markWanted = through;
    this.#requestFlush();
    this.#markWritten ??= new Promise<void>((resolve) => {
      this.#resolveMarkWritten = resolve;
    });
    return this.#markWritten;
  }

  /** A take stored the started mark through `seq` (every task it took). */
  marked(seq: number): void {
    if (seq > this.#markSent) this.#markSent = seq;
  }

  ack(task: QueueTask<T>): Promise<AckOutcome> {
    this.held.delete(task);
    if (task.generation !== this.#host.generation) return LOST;
    const settling: Settling = { task, lost: false, attempts: 0 };
    return this.#batcher.add(settling).then(() => (settling.lost ? 'lost' : 'acked'));
  }

  ackQuietly(task: QueueTask<T>): Promise<unknown> {
    this.held.delete(task);
    if (task.generation !== this.#host.generation) return LOST;
    return this.#batcher.add({ task, lost: false, attempts: 0 });
  }

  async nack(task: QueueTask<T>, options: NackOptions): Promise<NackOutcome> {
    const delayMs = Math.round(durationOption(options.delayMs ?? 0, 'delayMs'));
    this.held.delete(task);
    if (task.generation !== this.#host.generation) return 'lost';
    this.#nacking.add(task);
    const reason = describeFailure(options.error, 'nacked');
    try {
      const result = await retryTransient(
        () =>
          nackScript.run(this.#ipc.redis, {
            inflight: this.#reader.inflight,
            deliveries: this.#keys.deliveries,
            main: this.#keys.main,
            delayed: this.#keys.delayed,
            dead: this.#keys.dead,
            seq: task.seq,
            delivered: task.deliveries,
            delayMs,
            maxDeliveries: this.#maxDeliveries,
            reason,
            consumerId: this.#consumerId,
          }),
        { signal: this.#ipc.closeSignal },
      ).catch((error: unknown) => {
        const failure = toIpcError(error);
        this.#host.reportError(failure);
        throw failure;
      });
      if (result !== 'lost') {
        this.#readOutcomes.push(task.seq);
        this.#requestFlush();
      }
      if (result === 'delayed') this.#host.delayed(delayMs);
      if (result === 'dead-lettered') this.#host.deadLettered(task, options.error, reason);
      return result;
    } finally {
      this.#nacking.delete(task);
    }
  }

  /** Sends what is pending and resolves once every batch has settled. */
  drain(): Promise<void> {
    return this.#batcher.drain();
  }

  /** Calls `visit` with the token of every delivery handed out and not yet settled in Redis. */
  forEachHeld(visit: (seq: number) => void): void {
    for (const task of this.held) visit(task.seq);
    for (const task of this.#nacking) visit(task.seq);
    this.#batcher.forEachPending((settling) => {
      if (settling.task) visit(settling.task.seq);
    });
  }

  /** The lease was lost: the nack outcomes kept in the old hash are gone with it. */
  leaseLost(): void {
    this.#readOutcomes = [];
  }

  #requestFlush(): void {
    if (this.#flushRequested) return;
    this.#flushRequested = true;
    void this.#batcher.add({ task: undefined, lost: false, attempts: 0 });
  }

  // Runs in the batcher's flush (process.nextTick), or again after a transient failure.
  async #send(batch: readonly Settling[]): Promise<void> {
    this.#flushRequested = false;
    const generation = this.#host.generation;
    const firstAcks: Settling[] = [];
    const repeated: Settling[] = [];
    for (const settling of batch) {
      settling.attempts++;
      const task = settling.task;
      if (!task) continue;
      // Taken under a lease since lost: its token is gone; nothing to send.
      if (task.generation !== generation) settling.lost = true;
      else if (task.deliveries > 1) repeated.push(settling);
      else firstAcks.push(settling);
    }
    const mark = this.#markWanted > this.#markSent ? this.#markWanted : undefined;
    if (mark !== undefined) this.#markSent = mark;
    const readOutcomes = this.#readOutcomes;
    this.#readOutcomes = [];
    const sends: Promise<void>[] = [];
    if (repeated.length === 0 && readOutcomes.length === 0) {
      // The hot path: plain commands, pipelined.
      if (mark !== undefined) {
        sends.push(
          this.#ipc.redis.sendCommand(['HSET', this.#reader.inflight, STARTED_MARK, String(mark)]).then(noop),
        );
      }
      this.#hdel(firstAcks, sends);
    } else {
      const first = firstAcks.slice(0, TOKENS_PER_COMMAND);
      sends.push(
        settleScript
          .run(this.#ipc.redis, {
            inflight: this.#reader.inflight,
            deliveries: this.#keys.deliveries,
            startedMark: mark,
            firstAcks: first.map((settling) => settling.task!.seq),
            repeatedAcks: repeated.map(
              (settling): RepeatedAck => ({ seq: settling.task!.seq, id: settling.task!.id }),
            ),
            readOutcomes,
          })
          .then((reply) => {
            markLost(first, reply.firstAcksHeld, this.#host.generation);
            repeated.forEach((settling, index) => {
              settling.lost = !reply.repeatedAcksHeld[index];
            });
          }),
      );
      this.#hdel(firstAcks.slice(TOKENS_PER_COMMAND), sends);
    }
    // The commands are queued on the connection now; node-redis writes them in its setImmediate, which
    // runs before this one: the handlers waiting for the mark start after it has left.
    const written = this.#resolveMarkWritten;
    if (written && mark !== undefined) {
      this.#markWritten = undefined;
      this.#resolveMarkWritten = undefined;
      setImmediate(written);
    }
    await Promise.all(sends);
  }

  // First deliveries are acked with a plain HDEL: the hot path, one command for many acks.
  #hdel(acks: readonly Settling[], sends: Promise<void>[]): void {
    for (let i = 0; i < acks.length; i += TOKENS_PER_COMMAND) {
      const chunk = acks.slice(i, i + TOKENS_PER_COMMAND);
      const tokens = chunk.map((settling) => String(settling.task!.seq));
      sends.push(
        (this.#ipc.redis.sendCommand(['HDEL', this.#reader.inflight, ...tokens]) as Promise<number>).then(
          (removed) => markLost(chunk, Number(removed), this.#host.generation),
        ),
      );
    }
  }
}

/**
 * Marks which acks of a chunk found their delivery gone, from how many were removed. Tokens grow with
 * each take, and a reclaim removes all of a reader's deliveries at once, so the ones still held are
 * the newest: the `removed` highest tokens. When the batch is a retry, its first attempt may have been
 * stored already (its reply lost): an ack not removed now counts as lost only if the lease was lost.
 */
function markLost(chunk: readonly Settling[], removed: number, generation: number): void {
  if (removed >= chunk.length) return;
  const bySeq = [...chunk].sort((a, b) => a.task!.seq - b.task!.seq);
  const lost = bySeq.length - removed;
  for (let i = 0; i < lost; i++) {
    const settling = bySeq[i]!;
    settling.lost = settling.attempts === 1 || settling.task!.generation !== generation;
  }
}

function noop(): void {}

/** The owner of popped (at-most-once) tasks: nothing to settle. */
export const poppedOwner: TaskOwner<never> = {
  ack: () => IGNORED,
  ackQuietly: () => IGNORED,
  nack: () => Promise.resolve('ignored'),
};
