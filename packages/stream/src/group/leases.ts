import { TimeoutError } from '@redis-ipc/core';
import { StringMap } from '@redis-ipc/core/internal';
import { HOLD } from '../scripts/hold.js';
import type { GroupScope } from './group-scope.js';

// XCLAIM argument lists are cut into chunks of this many ids.
const ID_CHUNK = 1000;

/**
 * An event handed out and being worked on. The object that runs it (a handler's run, a delivered
 * event) carries the lease fields itself, so holding an event allocates nothing more.
 */
export interface Held {
  /** When it was delivered or last refreshed (`performance.now()`); set by {@link Leases}. */
  refreshedAt: number;
  /** When this consumer gives it up if it is still unacknowledged; set by {@link Leases}. */
  deadline: number;
  /** The hold limit that applies, for the TimeoutError; set by {@link Leases}. */
  timeoutMs: number;
  /** Called once when the hold limit passes. */
  expire(error: TimeoutError): void;
}

/** An entry given back to the group, with the deliveries it had. */
export interface GivenBack {
  readonly id: string;
  readonly deliveries: number;
}

/** What the leases need from the consumer around them. */
export interface LeasesHost {
  /** Takes the entries fetched but not handed out out of the buffer: the consumer is not taking any. */
  dropWaiting(): GivenBack[];
  /** A refresh failed. */
  reportError(error: unknown): void;
  /** Entries this consumer held were deleted (trimmed) from the stream: they left the pending list. */
  trimmed(ids: string[]): void;
  /** `held` passed its hold limit (its `expire` has been called). */
  expired(held: Held): void;
}

/**
 * The events one consumer holds, and their idle time in the group: only events someone is working
 * on (handed out, within their hold limit) and events waiting in a buffer that is being drained are
 * refreshed, every `minIdleMs / 3`. An event past its hold limit is given up; so is the buffer of a
 * consumer that handed nothing out for a whole period (its handlers are stuck or busy): those events
 * are given back at once, uncounted, for another consumer to reclaim.
 */
export class Leases {
  readonly #scope: GroupScope;
  readonly #host: LeasesHost;
  // Every event this consumer holds: when it was last refreshed while it waits in a buffer, or what
  // is working on it once handed out. Set and deleted per event: a StringMap, not a Map (see StringMap).
  readonly #holds = new StringMap<number | Held>();
  #timer: NodeJS.Timeout | undefined;
  #refreshing = false;
  // Events handed out so far, and at the last refresh: equal means the buffer did not move.
  #handedOut = 0;
  #handedOutBefore = 0;

  constructor(scope: GroupScope, host: LeasesHost) {
    this.#scope = scope;
    this.#host = host;
  }

  /** Events held. */
  get size(): number {
    return this.#holds.size;
  }

  /** Whether this consumer still holds `id` (not acknowledged, not given up). */
  holds(id: string): boolean {
    return this.#holds.has(id);
  }

  /** Entries just delivered to this consumer (fetched or reclaimed), not handed out yet. */
  fetched(ids: readonly string[]): void {
    const now = performance.now();
    for (const id of ids) this.#holds.set(id, now);
  }

  /** An event handed out and settled at once: counted (the buffer moves), not held. */
  handedOut(): void {
    this.#handedOut++;
  }

  /**
   * An event handed out: held by `held` until settled or until `timeoutMs` passes, then
   * `held.expire` is called and the event is no longer refreshed.
   */
  work(id: string, held: Held, timeoutMs: number): void {
    this.#handedOut++;
    const previous = this.#holds.get(id);
    // Given back meanwhile (or never this consumer's): nothing to hold.
    if (previous === undefined) return;
    const now = performance.now();
    held.refreshedAt = typeof previous === 'number' ? previous : previous.refreshedAt;
    held.deadline = now + timeoutMs;
    held.timeoutMs = timeoutMs;
    this.#holds.set(id, held);
  }

  /** Stops holding `id` (acknowledged, failed, dead-lettered or given up); true if it was held. */
  settle(id: string): boolean {
    return this.#holds.delete(id);
  }

  /** Starts refreshing. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#tick(), this.#scope.settings.refreshIntervalMs);
    this.#timer.unref();
  }

  /** Stops refreshing: whatever is still held idles and is reclaimed by others after `minIdleMs`. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Gives entries back to the group at once: they stay pending, idle for `minIdleMs` (so any
   * consumer's next reclaim takes them) and, with `uncount`, with the delivery that never reached a
   * handler taken off their count.
   */
  async giveBack(entries: readonly GivenBack[], uncount: boolean): Promise<void> {
    const byCount = new Map<number, string[]>();
    for (const { id, deliveries } of entries) {
      this.#holds.delete(id);
      const count = uncount ? Math.max(0, deliveries - 1) : deliveries;
      const ids = byCount.get(count);
      if (ids) ids.push(id);
      else byCount.set(count, [id]);
    }
    const sending: Array<Promise<void>> = [];
    for (const [count, ids] of byCount) {
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        sending.push(
          this.#claim(ids.slice(i, i + ID_CHUNK), 0, this.#scope.settings.minIdleMs, count).then(() => {}),
        );
      }
    }
    try {
      await Promise.all(sending);
    } catch (error) {
      // Still pending: they idle out and are reclaimed after `minIdleMs` all the same.
      this.#host.reportError(error);
    }
  }

  async #tick(): Promise<void> {
    const now = performance.now();
    // Before anything that waits for Redis: a hold limit is kept even while Redis does not answer.
    this.#expireOverdue(now);
    if (this.#refreshing) return;
    if (this.#handedOut === this.#handedOutBefore) {
      const waiting = this.#host.dropWaiting();
      if (waiting.length > 0) void this.giveBack(waiting, true);
    }
    this.#handedOutBefore = this.#handedOut;
    // Everything not refreshed in this tick's half period is due: the timer's period is the refresh
    // period, and the stamp is the tick's start, so no entry waits two periods.
    const dueBefore = now - this.#scope.settings.refreshIntervalMs / 2;
    const due: string[] = [];
    const dueStamps: number[] = [];
    this.#holds.forEach((hold, id) => {
      const refreshedAt = refreshedAtOf(hold);
      if (refreshedAt > dueBefore) return;
      due.push(id);
      dueStamps.push(refreshedAt);
    });
    if (due.length === 0) return;
    this.#refreshing = true;
    try {
      await this.#refresh(due, dueStamps, now);
    } catch (error) {
      this.#host.reportError(error);
    } finally {
      this.#refreshing = false;
    }
  }

  #expireOverdue(now: number): void {
    this.#holds.forEach((hold, id) => {
      if (typeof hold === 'number' || hold.deadline > now) return;
      this.#holds.delete(id);
      try {
        hold.expire(new TimeoutError(hold.timeoutMs));
        this.#host.expired(hold);
      } catch (error) {
        this.#host.reportError(error);
      }
    });
  }

  // Claims only entries idle for half a period at least, so one another consumer has just reclaimed
  // stays with it; JUSTID leaves the delivery count alone. The answer concerns the deliveries that
  // were due: one fetched anew meanwhile (this consumer reclaimed it again while the claim waited for
  // a stalled server) has another stamp and is left alone.
  async #refresh(due: string[], dueStamps: number[], stamp: number): Promise<void> {
    const minIdle = Math.floor(this.#scope.settings.refreshIntervalMs / 2);
    for (let i = 0; i < due.length; i += ID_CHUNK) {
      const chunk = due.slice(i, i + ID_CHUNK);
      const still = new Set(await this.#claim(chunk, minIdle, undefined, undefined));
      for (let at = 0; at < chunk.length; at++) {
        const id = chunk[at]!;
        const hold = this.#holds.get(id);
        if (hold === undefined || refreshedAtOf(hold) !== dueStamps[i + at]) continue;
        if (!still.has(id)) this.#holds.delete(id);
        else if (typeof hold === 'number') this.#holds.set(id, stamp);
        else hold.refreshedAt = stamp;
      }
    }
  }

  // XCLAIM of entries this consumer holds; those deleted from the stream meanwhile are no longer held
  // and are reported (XCLAIM alone would drop them from the pending list silently).
  async #claim(
    ids: readonly string[],
    minIdleMs: number,
    idleMs: number | undefined,
    deliveries: number | undefined,
  ): Promise<string[]> {
    const reply = await HOLD.run(this.#scope.ipc.redis, {
      key: this.#scope.keys.main,
      startsKey: this.#scope.startsKey,
      group: this.#scope.group,
      consumer: this.#scope.consumer,
      minIdleMs,
      idleMs,
      deliveries,
      ids,
    });
    if (reply.deleted.length > 0) {
      for (const id of reply.deleted) this.#holds.delete(id);
      this.#host.trimmed(reply.deleted);
    }
    return reply.claimed;
  }
}

// When a held event was delivered or last refreshed.
function refreshedAtOf(hold: number | Held): number {
  return typeof hold === 'number' ? hold : hold.refreshedAt;
}
