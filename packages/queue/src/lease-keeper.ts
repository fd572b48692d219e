import { type IpcClient, type IpcError, isTransientError, toIpcError } from '@redis-ipc/core';
import type { QueueKeys } from './queue-keys.js';
import { scripts } from './scripts.js';

/** What one renewal reported. */
export interface HeartbeatResult {
  /** The reader was missing from the consumers set: its lease had been reclaimed. */
  readonly registered: boolean;
  readonly requeued: number;
  readonly deadLettered: number;
  /** ms until the earliest delayed retry is due; -1 when none. */
  readonly nextDueMs: number;
}

/** Settings of a {@link LeaseKeeper}. */
export interface LeaseKeeperOptions {
  readonly ipc: IpcClient;
  readonly keys: QueueKeys;
  readonly consumerId: string;
  readonly leaseMs: number;
  readonly maxDeliveries: number;
  readonly onResult: (result: HeartbeatResult) => void;
  readonly onError: (error: IpcError) => void;
}

/**
 * The one timer of an at-least-once reader. Every `leaseMs / 3` it renews the reader's lease (which
 * covers every task it holds, so a long handler keeps its task), returns the tasks of readers whose
 * lease expired, and promotes due delayed retries. It fires earlier when a retry falls due sooner.
 */
export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #dueAt = Number.POSITIVE_INFINITY;
  #running = false;
  #stopped = false;
  // After being cut off from Redis, others (cut off too, likely) need one lease period to renew
  // their own leases before anyone is reclaimed.
  #cutOff = false;
  #reclaimAfter = 0;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    this.#intervalMs = Math.max(10, Math.floor(options.leaseMs / 3));
    this.#schedule(this.#intervalMs);
  }

  /** Makes the timer fire no later than `delayMs` from now (for a retry falling due then). */
  wake(delayMs: number): void {
    if (this.#stopped) return;
    this.#schedule(Math.max(1, delayMs));
  }

  /** Stops the timer for good. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delay: number): void {
    // It fires every interval anyway; a longer delay would also overflow the Node.js timer.
    const delayMs = Math.min(delay, this.#intervalMs);
    const at = performance.now() + delayMs;
    if (this.#timer && at >= this.#dueAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#dueAt = at;
    this.#timer = setTimeout(() => this.#tick(), delayMs);
    // The timer alone must not keep a process alive.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
    if (this.#stopped) return;
    if (this.#running) return this.#schedule(this.#intervalMs);
    const { ipc, keys, consumerId, leaseMs, maxDeliveries } = this.#options;
    if (ipc.closed) return this.stop();
    // Not queued while disconnected: a renewal sent late could reclaim readers that are merely
    // reconnecting too.
    if (!ipc.redis.isReady) {
      this.#cutOff = true;
      return this.#schedule(this.#intervalMs);
    }
    if (this.#cutOff) {
      this.#cutOff = false;
      this.#reclaimAfter = performance.now() + leaseMs;
    }
    this.#running = true;
    let next = this.#intervalMs;
    try {
      const reply = (await scripts.heartbeat.run(
        ipc.redis,
        [keys.consumers, keys.main, keys.deliveries, keys.delayed, keys.dead],
        [
          consumerId,
          String(leaseMs),
          String(maxDeliveries),
          keys.inflightPrefix,
          keys.landingPrefix,
          performance.now() >= this.#reclaimAfter ? '1' : '0',
        ],
      )) as number[];
      const result: HeartbeatResult = {
        registered: Number(reply[0]) === 1,
        requeued: Number(reply[1]),
        deadLettered: Number(reply[2]),
        nextDueMs: Number(reply[3]),
      };
      if (result.nextDueMs >= 0) next = Math.min(next, Math.max(1, result.nextDueMs));
      if (!this.#stopped) this.#options.onResult(result);
    } catch (error) {
      const failure = toIpcError(error);
      if (isTransientError(failure)) this.#cutOff = true;
      if (!this.#stopped) this.#options.onError(failure);
    } finally {
      this.#running = false;
    }
    if (!this.#stopped) this.#schedule(next);
  }
}
