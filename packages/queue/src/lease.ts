import { type IpcClient, type IpcError, isTransientError, toIpcError } from '@redis-ipc/core';
import type { QueueKeys, ReaderKeys } from './queue-keys.js';
import { heartbeatScript } from './scripts/heartbeat.js';
import { type ReclaimReply, reclaimScript } from './scripts/reclaim.js';

/** What a {@link Lease} tells its reader. */
export interface LeaseEvents {
  /**
   * Another reader reclaimed this reader's deliveries (it was cut off, or its event loop blocked, for
   * longer than the lease): every delivery of the previous generation is gone.
   */
  readonly lost: () => void;
  /** This reader returned the tasks of readers whose lease had expired. */
  readonly recovered: (reply: ReclaimReply) => void;
  /** Runs on every timer tick (before the renewal). */
  readonly tick: () => void;
  readonly error: (error: IpcError) => void;
}

/** Settings of a {@link Lease}. */
export interface LeaseOptions {
  readonly ipc: IpcClient;
  readonly keys: QueueKeys;
  readonly reader: ReaderKeys;
  readonly consumerId: string;
  readonly leaseMs: number;
  readonly maxDeliveries: number;
  readonly events: LeaseEvents;
}

/**
 * An at-least-once reader's lease and the identity of its deliveries. Tokens are the reader's own
 * sequence numbers, never reused; a generation counts the leases lost, so a delivery taken under an
 * older one is known to be gone. One timer, every `leaseMs / 3`, renews the lease (which covers every
 * delivery held, so a long handler keeps its task), promotes due retries, and returns the tasks of
 * readers whose lease expired; it fires earlier when a retry falls due sooner.
 */
export class Lease {
  readonly #options: LeaseOptions;
  readonly #intervalMs: number;
  #nextSeq = 1;
  #generation = 0;
  #registered = false;
  #timer: NodeJS.Timeout | undefined;
  #dueAt = Number.POSITIVE_INFINITY;
  #renewing = false;
  #stopped = false;
  // After being cut off from Redis, others (cut off too, likely) need one lease period to renew
  // their own leases before anyone is reclaimed.
  #cutOff = false;
  #reclaimAfter = 0;
  // When the last successful renewal was sent (a reply read late, after a stall, says nothing of now).
  #renewedAt = 0;
  // Waiting for a renewal sent at or after `#confirmSince`, asked for by confirm().
  #confirming: Promise<void> | undefined;
  #confirmed: (() => void) | undefined;
  #confirmSince = 0;

  constructor(options: LeaseOptions) {
    this.#options = options;
    this.#intervalMs = Math.max(10, Math.floor(options.leaseMs / 3));
  }

  /** Leases lost so far: a delivery taken under an older generation is no longer this reader's. */
  get generation(): number {
    return this.#generation;
  }

  /** Whether the reader has registered (taken under a lease) at all. */
  get registered(): boolean {
    return this.#registered;
  }

  /**
   * Whether the lease may have lapsed: no renewal has succeeded for two timer periods (the process
   * stood still, its event loop was blocked, or Redis was slow to answer). Others may have reclaimed
   * its deliveries by now, so none should start before {@link Lease.confirm} has looked.
   */
  get stale(): boolean {
    return this.#registered && !this.#stopped && performance.now() - this.#renewedAt > 2 * this.#intervalMs;
  }

  /**
   * Renews at once; resolves once that renewal has ended: by then a lost lease has been reported
   * (`events.lost`). Also resolves when Redis cannot be reached (handlers are not held up by an
   * outage) or the lease stops.
   */
  confirm(): Promise<void> {
    if (!this.#registered || this.#stopped) return Promise.resolve();
    if (!this.#confirming) {
      this.#confirmSince = performance.now();
      this.#confirming = new Promise<void>((resolve) => {
        this.#confirmed = resolve;
      });
    }
    this.#schedule(0);
    return this.#confirming;
  }

  /** Allocates `count` consecutive tokens; returns the first. */
  allocate(count: number): number {
    const first = this.#nextSeq;
    this.#nextSeq += Math.max(1, count);
    return first;
  }

  /** Takes note of a take's or renewal's registration: a reader found missing had lost its lease. */
  noteRegistration(newlyRegistered: boolean): void {
    if (this.#stopped) return;
    if (newlyRegistered) {
      if (this.#registered) this.#lose();
      this.#registered = true;
      this.#renewedAt = performance.now();
    }
    if (!this.#timer && this.#registered) this.#schedule(this.#intervalMs);
  }

  /** Makes the timer fire no later than `delayMs` from now (for a retry falling due then). */
  wake(delayMs: number): void {
    if (this.#stopped || !this.#registered) return;
    this.#schedule(Math.max(1, delayMs));
  }

  /** Stops the timer for good. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#endConfirm();
  }

  // Ends a confirm() wait once a renewal sent since it began has ended (`sentAt` undefined: end it
  // anyway, as when Redis cannot be reached).
  #endConfirm(sentAt?: number): void {
    if (sentAt !== undefined && sentAt < this.#confirmSince) return;
    const confirmed = this.#confirmed;
    this.#confirming = undefined;
    this.#confirmed = undefined;
    confirmed?.();
  }

  #lose(): void {
    this.#generation++;
    this.#options.events.lost();
  }

  #schedule(delay: number): void {
    // It fires every interval anyway; a longer delay would also overflow the Node.js timer.
    const delayMs = Math.min(delay, this.#intervalMs);
    const at = performance.now() + delayMs;
    if (this.#timer && at >= this.#dueAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#dueAt = at;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    // The timer alone must not keep a process alive.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
    if (this.#stopped) return;
    if (this.#renewing) return this.#schedule(this.#intervalMs);
    const { ipc, leaseMs, events } = this.#options;
    if (ipc.closed) return this.stop();
    events.tick();
    // Not queued while disconnected: a renewal sent late could reclaim readers that are merely
    // reconnecting too.
    if (!ipc.redis.isReady) {
      this.#cutOff = true;
      this.#endConfirm();
      return this.#schedule(this.#intervalMs);
    }
    if (this.#cutOff) {
      this.#cutOff = false;
      this.#reclaimAfter = performance.now() + leaseMs;
    }
    this.#renewing = true;
    let next = this.#intervalMs;
    const sentAt = performance.now();
    try {
      next = await this.#renew(sentAt);
      // A lost lease has been reported by now: the waiters may go on.
      this.#endConfirm(sentAt);
    } catch (error) {
      const failure = toIpcError(error);
      if (isTransientError(failure)) this.#cutOff = true;
      if (!this.#stopped) events.error(failure);
      // Handlers are not held up while Redis does not answer.
      this.#endConfirm();
    } finally {
      this.#renewing = false;
    }
    // A renewal sent before confirm() was called does not answer it: renew again at once.
    if (!this.#stopped) this.#schedule(this.#confirming ? 0 : next);
  }

  // Renews, then returns the tasks of expired readers (a second call, given their keys, only when
  // there are some). Resolves with the delay until the next tick.
  async #renew(sentAt: number): Promise<number> {
    const { ipc, keys, consumerId, leaseMs, maxDeliveries, events } = this.#options;
    const reply = await heartbeatScript.run(ipc.redis, {
      consumers: keys.consumers,
      main: keys.main,
      delayed: keys.delayed,
      consumerId,
      leaseMs,
      findExpired: performance.now() >= this.#reclaimAfter,
    });
    if (this.#stopped) return this.#intervalMs;
    if (sentAt > this.#renewedAt) this.#renewedAt = sentAt;
    this.noteRegistration(reply.newlyRegistered);
    if (reply.expired.length > 0) {
      const reclaimed = await reclaimScript.run(ipc.redis, {
        consumers: keys.consumers,
        main: keys.main,
        deliveries: keys.deliveries,
        dead: keys.dead,
        maxDeliveries,
        readers: reply.expired.map((expired) => ({ consumerId: expired, ...keys.reader(expired) })),
      });
      if (reclaimed.requeued > 0 || reclaimed.deadLettered.length > 0) events.recovered(reclaimed);
    }
    return reply.nextDueMs >= 0 ? Math.min(this.#intervalMs, Math.max(1, reply.nextDueMs)) : this.#intervalMs;
  }
}
