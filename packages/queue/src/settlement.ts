import { type IpcClient, toIpcError } from '@redis-ipc/core';
import { AckBatcher, durationOption, retryTransient, SlotSet } from '@redis-ipc/core/internal';
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

// One entry of an ack batch: the task acked, or undefined for a request to store the started mark and
// the nack outcomes read since the last batch. The task itself is the entry: nothing is made per ack.
type Settling = QueueTask<unknown> | undefined;

// The fields of the in-flight hash holding the exact and tentative marks (see
// lua/includes/held-tasks.lua).
const STARTED_MARK = '^';
const TENTATIVE_MARK = '*';
// Most tokens one command carries.
const TOKENS_PER_COMMAND = 1000;
const LOST: Promise<AckOutcome> = Promise.resolve('lost');
const IGNORED: Promise<AckOutcome> = Promise.resolve('ignored');

/**
 * Acks, nacks and the started marks of an at-least-once reader. Acks made in one turn of the event
 * loop go in one command. The exact started mark (every token up to it has reached a handler) is
 * written before the handlers it covers run: a crash then counts a delivery only for the tasks that had
 * started, even a crash in the handler's first synchronous instant. A burst of quick handlers would
 * pay a wait per task for it, so there the tasks held are marked ahead, tentatively, in one command
 * (or by the take itself), and the exact mark follows lazily with later marks. A crash amid a burst
 * puts the tentatively marked tasks back uncounted, as suspects; a suspect always waits for its exact
 * mark, so a crash loop converges on the task that crashes and counts only its deliveries.
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
  /**
   * Deliveries handed out and not yet settled: given back when the reader closes. Added and removed
   * per task, so not a `Set` (see {@link SlotSet}).
   */
  readonly held = new SlotSet<QueueTask<T>>();
  // Being nacked: out of `held`, still in the in-flight hash until the nack script has run.
  readonly #nacking = new Set<QueueTask<T>>();
  // The marks asked for, and the highest ones written to the connection (sent). The tentative mark
  // is kept at least as high as the exact one.
  #exactWanted = 0;
  #exactSent = 0;
  // The highest token whose handler waits for the exact mark (the rest of `#exactWanted` may lag).
  #exactNeeded = 0;
  #tentativeWanted = 0;
  #tentativeSent = 0;
  #flushRequested = false;
  // Resolves once the mark asked for has been written to the connection.
  #markWritten: Promise<void> | undefined;
  #resolveMarkWritten: (() => void) | undefined;
  // Tokens whose nack outcome was read: the outcome kept beside them can go.
  #readOutcomes: number[] = [];
  // Acks that found their delivery gone (read by ack(), which reports 'lost').
  readonly #lost = new WeakSet<QueueTask<unknown>>();
  // Times each batch was sent: a retried batch may have been stored already by an attempt whose reply
  // was lost. The batcher sends the same array on every attempt.
  readonly #attempts = new WeakMap<readonly Settling[], number>();

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
   * Call before `task` reaches its handler (or caller): `undefined` when the mark it needs is written
   * already, else a promise that resolves once it is (the next turn of the event loop). `burstThrough`
   * (the last token held) when the task runs in a burst of quick handlers: a tentative mark through
   * it will do, unless the task is a suspect; `undefined` when the task needs an exact mark.
   */
  beforeStart(task: QueueTask<T>, burstThrough?: number): Promise<void> | undefined {
    if (task.generation !== this.#host.generation) return undefined;
    if (burstThrough === undefined || task.suspect) {
      if (task.seq <= this.#exactSent) return undefined;
      if (task.seq > this.#exactWanted) this.#exactWanted = task.seq;
      if (task.seq > this.#exactNeeded) this.#exactNeeded = task.seq;
    } else {
      // Handed out in token order: every earlier task has started too. Sent with the next marks.
      if (task.seq > this.#exactWanted) this.#exactWanted = task.seq;
      if (task.seq <= this.#tentativeSent || task.seq <= this.#exactSent) return undefined;
      const through = Math.max(task.seq, burstThrough);
      if (through > this.#tentativeWanted) this.#tentativeWanted = through;
    }
    this.#requestFlush();
    this.#markWritten ??= new Promise<void>((resolve) => {
      this.#resolveMarkWritten = resolve;
    });
    return this.#markWritten;
  }

  /** A take stored the tentative mark through `seq` (every task it took). */
  marked(seq: number): void {
    if (seq > this.#tentativeSent) this.#tentativeSent = seq;
    if (seq > this.#tentativeWanted) this.#tentativeWanted = seq;
  }

  ack(task: QueueTask<T>): Promise<AckOutcome> {
    this.held.delete(task);
    if (task.generation !== this.#host.generation) return LOST;
    return this.#batcher.add(task).then(() => (this.#lost.has(task) ? 'lost' : 'acked'));
  }

  ackQuietly(task: QueueTask<T>): Promise<unknown> {
    this.held.delete(task);
    if (task.generation !== this.#host.generation) return LOST;
    return this.#batcher.add(task);
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

  /** Stops holding every delivery; returns them in the order they were handed out. */
  releaseHeld(): QueueTask<T>[] {
    const held = this.held.values().sort(bySeq);
    this.held.clear();
    return held;
  }

  /** Calls `visit` with the token of every delivery handed out and not yet settled in Redis. */
  forEachHeld(visit: (seq: number) => void): void {
    this.held.forEach((task) => {
      visit(task.seq);
    });
    for (const task of this.#nacking) visit(task.seq);
    this.#batcher.forEachPending((settling) => {
      if (settling) visit(settling.seq);
    });
  }

  /** The lease was lost: the nack outcomes kept in the old hash are gone with it. */
  leaseLost(): void {
    this.#readOutcomes = [];
  }

  #requestFlush(): void {
    if (this.#flushRequested) return;
    this.#flushRequested = true;
    void this.#batcher.add(undefined);
  }

  // Runs in the batcher's flush (process.nextTick), or again after a transient failure.
  async #send(batch: readonly Settling[]): Promise<void> {
    this.#flushRequested = false;
    const generation = this.#host.generation;
    const attempts = (this.#attempts.get(batch) ?? 0) + 1;
    this.#attempts.set(batch, attempts);
    const firstAcks: QueueTask<unknown>[] = [];
    const repeated: QueueTask<unknown>[] = [];
    for (const task of batch) {
      if (!task) continue;
      // Taken under a lease since lost: its token is gone; nothing to send.
      if (task.generation !== generation) this.#lost.add(task);
      // A suspect's flag goes with its ack.
      else if (task.deliveries > 1 || task.suspect) repeated.push(task);
      else firstAcks.push(task);
    }
    // The lazy part of the exact mark rides along only when a mark goes anyway (a waiter needs one).
    const tentative = this.#tentativeWanted > this.#tentativeSent ? this.#tentativeWanted : undefined;
    const exact =
      this.#exactWanted > this.#exactSent && (this.#exactNeeded > this.#exactSent || tentative !== undefined)
        ? this.#exactWanted
        : undefined;
    if (tentative !== undefined) this.#tentativeSent = tentative;
    if (exact !== undefined) this.#exactSent = exact;
    const marking = exact !== undefined || tentative !== undefined;
    const readOutcomes = this.#readOutcomes;
    this.#readOutcomes = [];
    const sends: Promise<void>[] = [];
    if (repeated.length === 0 && readOutcomes.length === 0) {
      // The hot path: plain commands, pipelined.
      if (marking) sends.push(this.#storeMarks(exact, tentative));
      this.#hdel(firstAcks, attempts, sends);
    } else {
      const first = firstAcks.slice(0, TOKENS_PER_COMMAND);
      sends.push(
        settleScript
          .run(this.#ipc.redis, {
            inflight: this.#reader.inflight,
            deliveries: this.#keys.deliveries,
            startedMark: exact,
            tentativeMark: tentative,
            firstAcks: first.map((task) => task.seq),
            repeatedAcks: repeated.map((task): RepeatedAck => ({ seq: task.seq, id: task.id })),
            readOutcomes,
          })
          .then((reply) => {
            this.#markLost(first, reply.firstAcksHeld, attempts);
            repeated.forEach((task, index) => {
              if (reply.repeatedAcksHeld[index]) this.#lost.delete(task);
              else this.#lost.add(task);
            });
          }),
      );
      this.#hdel(firstAcks.slice(TOKENS_PER_COMMAND), attempts, sends);
    }
    // The commands are queued on the connection now; node-redis writes them in its setImmediate, which
    // runs before this one: the handlers waiting for the mark start after it has left.
    const written = this.#resolveMarkWritten;
    if (written && marking) {
      this.#markWritten = undefined;
      this.#resolveMarkWritten = undefined;
      setImmediate(written);
    }
    await Promise.all(sends);
  }

  // One HSET for the marks that moved (at least one did). A reclaim reads the tentative one as at
  // least the exact one.
  #storeMarks(exact: number | undefined, tentative: number | undefined): Promise<void> {
    const command = ['HSET', this.#reader.inflight];
    if (exact !== undefined) command.push(STARTED_MARK, String(exact));
    if (tentative !== undefined) command.push(TENTATIVE_MARK, String(tentative));
    return this.#ipc.redis.sendCommand(command).then(noop);
  }

  // First deliveries are acked with a plain HDEL: the hot path, one command for many acks.
  #hdel(acks: readonly QueueTask<unknown>[], attempts: number, sends: Promise<void>[]): void {
    for (let start = 0; start < acks.length; start += TOKENS_PER_COMMAND) {
      const end = Math.min(acks.length, start + TOKENS_PER_COMMAND);
      const command = ['HDEL', this.#reader.inflight];
      for (let i = start; i < end; i++) command.push(tokenText(acks[i]!.seq));
      const chunk = start === 0 && end === acks.length ? acks : acks.slice(start, end);
      sends.push(
        (this.#ipc.redis.sendCommand(command) as Promise<number>).then((removed) =>
          this.#markLost(chunk, Number(removed), attempts),
        ),
      );
    }
  }

  /**
   * Marks which acks of a chunk found their delivery gone, from how many were removed. Tokens grow
   * with each take, and a reclaim removes all of a reader's deliveries at once, so the ones still held
   * are the newest: the `removed` highest tokens. When the batch is a retry, its first attempt may have
   * been stored already (its reply lost): an ack not removed now counts as lost only if the lease was
   * lost.
   */
  #markLost(chunk: readonly QueueTask<unknown>[], removed: number, attempts: number): void {
    if (removed >= chunk.length) return;
    const generation = this.#host.generation;
    const bySeq = [...chunk].sort((a, b) => a.seq - b.seq);
    const lost = bySeq.length - removed;
    for (let i = 0; i < lost; i++) {
      const task = bySeq[i]!;
      if (attempts === 1 || task.generation !== generation) this.#lost.add(task);
    }
  }
}

function noop(): void {}

function bySeq(a: QueueTask<unknown>, b: QueueTask<unknown>): number {
  return a.seq - b.seq;
}

/**
 * A token in decimal, as the take script named its field. Not `String(seq)`: V8 keeps the text of
 * every number it turns into a string in a cache that lives in the old generation, so each new
 * token's string outlived two young-generation collections and was promoted; at a token per task the
 * old generation (and with it the process's RSS) grew all run long. `toFixed(0)` makes the same text
 * (tokens are integers far below 1e21) without that cache, so the string dies young.
 */
function tokenText(seq: number): string {
  return seq.toFixed(0);
}

/** The owner of popped (at-most-once) tasks: nothing to settle. */
export const poppedOwner: TaskOwner<never> = {
  ack: () => IGNORED,
  ackQuietly: () => IGNORED,
  nack: () => Promise.resolve('ignored'),
};
