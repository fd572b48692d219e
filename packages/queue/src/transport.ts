import type { BlockingWait, IpcClient, RedisClient } from '@redis-ipc/core';
import { toIpcError } from '@redis-ipc/core';
import type { QueueKeys, ReaderScriptKeys } from './queue-keys.js';
import type { ReadSettings } from './read-options.js';
import { releaseScript } from './scripts/release.js';
import { type TakeInput, type TakeReply, takeScript } from './scripts/take.js';
import type { QueueTask } from './task.js';

/**
 * How a reader moves tasks between Redis and itself. A {@link LeasedTransport} (at-least-once) leases
 * every delivery under a token of its own and gives back what it does not run; a
 * {@link PoppedTransport} (at-most-once) pops plainly. The pump, the settlement and the façade see only
 * this interface.
 */
export interface Transport<T> {
  /** Something must be settled before the next blocking wait: take (which does it) first. */
  readonly mustTakeFirst: boolean;
  /** Takes up to `want` tasks without waiting. */
  take(want: number): Promise<TakeReply>;
  /**
   * Waits in one blocking command until tasks arrive (then takes up to `want`), `timeoutMs` passes or
   * `signal` aborts; rejects with the core's TimeoutError / AbortError then. What a wait brings after it
   * has rejected is given back by itself.
   */
  wait(want: number, timeoutMs: number, signal: AbortSignal): Promise<TakeReply>;
  /** Gives back, at the head of the queue and in order, taken tasks that never reached a taker. */
  giveBack(reply: TakeReply): Promise<void>;
  /** Gives back buffered tasks (never handed out) to the head of the queue, in order. */
  giveBackBuffered(tasks: readonly QueueTask<T>[]): Promise<void>;
  /**
   * The reader is closing: gives back the tasks still held (their handlers did not finish: counted
   * as deliveries) and the buffered ones (not counted), and unregisters the reader.
   */
  close(held: readonly QueueTask<T>[], buffered: readonly QueueTask<T>[]): Promise<void>;
}

/** What a {@link LeasedTransport} needs from its reader. */
export interface LeaseHost {
  /** Allocates `count` consecutive delivery tokens; returns the first. */
  allocate(count: number): number;
  /** Takes note of a take's reply: its registration (a reader found unregistered had lost its lease) and the mark it stored. */
  noteTaken(reply: TakeReply): void;
  /** Whether handlers run in a burst of quick ones: takes then mark what they take as started. */
  readonly burst: boolean;
  /** Whether the reader has registered (taken a lease) at all. */
  readonly registered: boolean;
  /** Calls `visit` with the token of every delivery the reader knows it holds (buffered, handed out, settling). */
  forEachKnown(visit: (seq: number) => void): void;
  /** Reports a background failure. */
  reportError(error: unknown): void;
}

// Most waiting items a skipOwn take looks at past the reader's own.
const SCAN_LIMIT = 1000;
const EMPTY: TakeReply = {
  status: 'empty',
  nextDueMs: -1,
  newlyRegistered: false,
  markedThrough: 0,
  items: [],
  firstSeq: -1,
  deliveries: undefined,
  suspects: undefined,
};

// Shared by both transports when a take goes through the script (always when leased; at-most-once
// readers only with skipOwn).
class ScriptTaker {
  readonly #keys: ReaderScriptKeys;
  readonly #consumerId: string;
  readonly #leaseMs: number;
  readonly #skipProducer: string;

  constructor(keys: QueueKeys, consumerId: string, settings: ReadSettings) {
    this.#keys = keys.forReader(consumerId);
    this.#consumerId = consumerId;
    this.#leaseMs = settings.atLeastOnce ? settings.leaseMs : 0;
    this.#skipProducer = settings.skipProducer;
  }

  input(count: number, afterWait: boolean, firstSeq: number, markTaken = false): TakeInput {
    const keys = this.#keys;
    // Spelled out rather than spread: one shape for every take.
    return {
      main: keys.main,
      consumers: keys.consumers,
      inflight: keys.inflight,
      landing: keys.landing,
      deliveries: keys.deliveries,
      delayed: keys.delayed,
      consumerId: this.#consumerId,
      count,
      leaseMs: this.#leaseMs,
      skipProducer: this.#skipProducer,
      scanLimit: SCAN_LIMIT,
      afterWait,
      firstSeq,
      markTaken: markTaken && this.#leaseMs > 0,
    };
  }

  take(redis: RedisClient, input: TakeInput): Promise<TakeReply> {
    return takeScript.run(redis, input);
  }

  /**
   * BLMOVE parks on the queue; the take script pipelined behind it on the same connection runs the
   * moment it returns, so the item is taken without another round trip. An item whose reply was lost
   * (connection cut) stays in the landing list, which the next attempt takes first. `onAttemptFailed`
   * hears of an attempt that threw (its take may have leased tasks whose reply was lost).
   */
  landingCommand(
    want: number,
    allocate: (count: number) => number,
    markTaken: () => boolean,
    drainFirst: boolean,
    onAttemptFailed: () => void,
  ): (redis: RedisClient, wait: BlockingWait) => Promise<TakeReply | null> {
    const { main, landing } = this.#keys;
    let attempts = 0;
    // The last attempt threw: the connection dropped, maybe after its take had leased tasks.
    let failed = false;
    return async (redis, wait) => {
      const lost = failed;
      failed = false;
      try {
        if (attempts++ > 0 || drainFirst) {
          const drained = await this.take(redis, this.input(want, true, allocate(want), markTaken()));
          if (drained.items.length > 0) return drained;
          // End the wait (with nothing) so that tasks leased by the lost reply are reconciled first.
          if (lost && this.#leaseMs > 0) return drained;
        }
        const [moved, taken] = await Promise.all([
          redis.sendCommand(['BLMOVE', main, landing, 'RIGHT', 'LEFT', String(wait.seconds)]),
          this.take(redis, this.input(want, true, allocate(want), markTaken())),
        ]);
        return moved === null && taken.items.length === 0 ? null : taken;
      } catch (error) {
        failed = true;
        onAttemptFailed();
        throw error;
      }
    };
  }
}

/** At-least-once: every delivery leased to this reader under its own token until it is settled. */
export class LeasedTransport<T> implements Transport<T> {
  readonly #ipc: IpcClient;
  readonly #keys: ReaderScriptKeys;
  readonly #consumerId: string;
  readonly #maxDeliveries: number;
  readonly #host: LeaseHost;
  readonly #taker: ScriptTaker;
  // A take failed (its reply may have been lost with the connection, after the script had leased
  // tasks): the in-flight hash must be checked for deliveries this reader never received.
  #mustReconcile = false;
  // A blocking wait ended abnormally: its landing list may hold an item whose reply was lost.
  #landingMayHold = false;
  // Blocking waits in progress: a reconciliation must not run beside one (it could be leasing now).
  #waits = 0;

  constructor(ipc: IpcClient, keys: QueueKeys, consumerId: string, settings: ReadSettings, host: LeaseHost) {
    this.#ipc = ipc;
    this.#keys = keys.forReader(consumerId);
    this.#consumerId = consumerId;
    this.#maxDeliveries = settings.maxDeliveries;
    this.#host = host;
    this.#taker = new ScriptTaker(keys, consumerId, settings);
  }

  get mustTakeFirst(): boolean {
    return this.#mustReconcile;
  }

  async take(want: number): Promise<TakeReply> {
    if (this.#mustReconcile && this.#waits === 0) await this.#reconcile();
    let reply: TakeReply;
    try {
      reply = await this.#taker.take(
        this.#ipc.redis,
        this.#taker.input(want, false, this.#host.allocate(want), this.#host.burst),
      );
    } catch (error) {
      // The script may have run, and leased tasks, before the reply was lost.
      this.#mustReconcile = true;
      throw toIpcError(error);
    }
    this.#host.noteTaken(reply);
    return reply;
  }

  async wait(want: number, timeoutMs: number, signal: AbortSignal): Promise<TakeReply> {
    const drainFirst = this.#landingMayHold;
    this.#landingMayHold = false;
    this.#waits++;
    let completed = false;
    try {
      const command = this.#taker.landingCommand(
        want,
        (count) => this.#host.allocate(count),
        () => this.#host.burst,
        drainFirst,
        () => {
          this.#mustReconcile = true;
        },
      );
      const reply = await this.#ipc.blocking(command, {
        timeoutMs,
        signal,
        onLateValue: (late) => {
          this.#host.noteTaken(late);
          void this.giveBack(late);
        },
      });
      completed = true;
      this.#host.noteTaken(reply);
      return reply;
    } finally {
      this.#waits--;
      // The wait may have ended with a take still landing (aborted, timed out): drain it next time.
      if (!completed) this.#landingMayHold = true;
    }
  }

  async giveBack(reply: TakeReply): Promise<void> {
    if (reply.items.length === 0) return;
    await this.#release(
      false,
      reply.items.map((_, index) => ({ seq: reply.firstSeq + index, deliveries: 0 })),
    ).catch((error: unknown) => this.#releaseFailed(error));
  }

  async giveBackBuffered(tasks: readonly QueueTask<T>[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.#release(
      false,
      tasks.map((task) => ({ seq: task.seq, deliveries: 0 })),
    ).catch((error: unknown) => this.#releaseFailed(error));
  }

  async close(held: readonly QueueTask<T>[], buffered: readonly QueueTask<T>[]): Promise<void> {
    if (!this.#host.registered) return;
    const released = [
      ...held.map((task) => ({ seq: task.seq, deliveries: task.deliveries })),
      ...buffered.map((task) => ({ seq: task.seq, deliveries: 0 })),
    ];
    await this.#release(true, released);
  }

  #release(final: boolean, released: readonly { seq: number; deliveries: number }[]): Promise<number> {
    return releaseScript.run(this.#ipc.redis, {
      ...this.#keys,
      consumerId: this.#consumerId,
      final,
      maxDeliveries: this.#maxDeliveries,
      released,
    });
  }

  // What a failed release left in the in-flight hash is found by the next reconciliation.
  #releaseFailed(error: unknown): void {
    this.#mustReconcile = true;
    this.#host.reportError(error);
  }

  // Gives back the deliveries leased to this reader by a take whose reply was lost: in its in-flight
  // hash, yet neither buffered, handed out, nor being settled. Runs with no take in flight.
  async #reconcile(): Promise<void> {
    this.#mustReconcile = false;
    try {
      const fields = (await this.#ipc.redis.sendCommand(['HKEYS', this.#keys.inflight])) as string[];
      // A blocking take may have leased tasks whose reply is still on its way: look again later.
      if (this.#waits > 0) {
        this.#mustReconcile = true;
        return;
      }
      // Read now that the hash is read: every reply sent before it has been handled by now.
      const known = new Set<number>();
      this.#host.forEachKnown((seq) => known.add(seq));
      const unknown: { seq: number; deliveries: number }[] = [];
      for (const field of fields ?? []) {
        const seq = Number(field);
        if (Number.isInteger(seq) && !known.has(seq)) unknown.push({ seq, deliveries: 0 });
      }
      if (unknown.length > 0) await this.#release(false, unknown);
    } catch (error) {
      this.#mustReconcile = true;
      throw toIpcError(error);
    }
  }
}

/** At-most-once: plain pops, no bookkeeping in Redis; what a reader took is lost if it dies. */
export class PoppedTransport<T> implements Transport<T> {
  readonly #ipc: IpcClient;
  readonly #keys: QueueKeys;
  // Only with skipOwn: the take script can look past this client's own items.
  readonly #taker: ScriptTaker | undefined;
  readonly #reportError: (error: unknown) => void;

  constructor(
    ipc: IpcClient,
    keys: QueueKeys,
    consumerId: string,
    settings: ReadSettings,
    reportError: (error: unknown) => void,
  ) {
    this.#ipc = ipc;
    this.#keys = keys;
    this.#taker = settings.skipProducer === '' ? undefined : new ScriptTaker(keys, consumerId, settings);
    this.#reportError = reportError;
  }

  readonly mustTakeFirst = false;

  async take(want: number): Promise<TakeReply> {
    try {
      if (this.#taker) return await this.#taker.take(this.#ipc.redis, this.#taker.input(want, false, 0));
      const popped = (await this.#ipc.redis.sendCommand(['RPOP', this.#keys.main, String(want)])) as
        | string[]
        | null;
      return popped ? poppedReply(popped) : EMPTY;
    } catch (error) {
      throw toIpcError(error);
    }
  }

  async wait(want: number, timeoutMs: number, signal: AbortSignal): Promise<TakeReply> {
    const onLateValue = (late: TakeReply) => void this.giveBack(late);
    if (this.#taker) {
      const command = this.#taker.landingCommand(
        want,
        () => 0,
        () => false,
        true,
        () => {},
      );
      return this.#ipc.blocking(command, { timeoutMs, signal, onLateValue });
    }
    const main = this.#keys.main;
    return this.#ipc.blocking(
      async (redis, wait) => {
        const reply = (await redis.sendCommand([
          'BLMPOP',
          String(wait.seconds),
          '1',
          main,
          'RIGHT',
          'COUNT',
          String(want),
        ])) as [string, string[]] | null;
        return reply ? poppedReply(reply[1]) : null;
      },
      { timeoutMs, signal, onLateValue },
    );
  }

  async giveBack(reply: TakeReply): Promise<void> {
    await this.#pushBack(reply.items);
  }

  async giveBackBuffered(tasks: readonly QueueTask<T>[]): Promise<void> {
    await this.#pushBack(tasks.map((task) => task.item));
  }

  async close(_held: readonly QueueTask<T>[], buffered: readonly QueueTask<T>[]): Promise<void> {
    // What was popped but never handed out goes back to the head, in order.
    await this.#pushBack(buffered.map((task) => task.item));
  }

  // Popped items nobody took go back to the head, in order, rather than lost.
  async #pushBack(items: readonly string[]): Promise<void> {
    if (items.length === 0) return;
    try {
      await this.#ipc.redis.sendCommand(['RPUSH', this.#keys.main, ...[...items].reverse()]);
    } catch (error) {
      this.#reportError(error);
    }
  }
}

function poppedReply(items: readonly string[]): TakeReply {
  return {
    status: items.length > 0 ? 'taken' : 'empty',
    nextDueMs: -1,
    newlyRegistered: false,
    markedThrough: 0,
    items,
    firstSeq: -1,
    deliveries: undefined,
    suspects: undefined,
  };
}
