import { ClosedError, isIpcError } from '@redis-ipc/core';
import { SerialLock } from '@redis-ipc/core/internal';
import type { GroupDelivery } from './delivery.js';
import type { EventTaker } from './event-taker.js';
import type { GroupReader } from './group-reader.js';

/** What the reads need from the consumer around them. */
export interface SerialReadsHost {
  /** Aborts when the consumer closes. */
  readonly closeSignal: AbortSignal;
  /** Whether the consumer is closing. */
  closing(): boolean;
}

/**
 * A consumer's reads, one at a time: each takes events out of the buffer, fetching (and waiting)
 * when it is empty; events already at hand are taken without waiting when nobody else is reading.
 */
export class SerialReads<T> {
  readonly #lock = new SerialLock();
  readonly #reader: GroupReader;
  readonly #taker: EventTaker<T>;
  readonly #host: SerialReadsHost;

  constructor(reader: GroupReader, taker: EventTaker<T>, host: SerialReadsHost) {
    this.#reader = reader;
    this.#taker = taker;
    this.#host = host;
  }

  /** Events at hand that decode without waiting; `undefined` when there are none or a read runs. */
  takeReady(count: number): Array<GroupDelivery<T>> | undefined {
    return this.#lock.busy || this.#host.closing() ? undefined : this.#taker.takeReady(count);
  }

  /**
   * Takes up to `count` events (at least one), waiting at most `timeoutMs`. Rejects with
   * TimeoutError, AbortError (`signal`), ClosedError, GroupMissingError or GapError.
   */
  async read(
    count: number,
    timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<Array<GroupDelivery<T>>> {
    const deadline = performance.now() + timeoutMs;
    const closeSignal = this.#host.closeSignal;
    if (!this.#lock.busy && this.#reader.buffer.size > 0) {
      return this.#lock.run(() => this.#taker.take(count, deadline, timeoutMs, closeSignal));
    }
    // A loop with no signal of its own passes the close signal itself: no composite signal per read.
    const signal =
      callerSignal && callerSignal !== closeSignal
        ? AbortSignal.any([callerSignal, closeSignal])
        : closeSignal;
    try {
      return await this.#lock.run(
        () => this.#taker.take(count, deadline, timeoutMs, signal),
        signal,
        deadline,
        timeoutMs,
      );
    } catch (error) {
      if (this.#host.closing() && isIpcError(error, 'IPC_ABORTED') && !callerSignal?.aborted) {
        throw new ClosedError('The consumer group is closed');
      }
      throw error;
    }
  }

  /** Resolves once no read runs. */
  drained(): Promise<void> {
    return this.#lock.drained();
  }
}
