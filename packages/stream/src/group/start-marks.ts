import type { GroupScope } from './group-scope.js';

/** An event as the start marks see it. */
export interface MarkedEvent {
  readonly id: string;
  /** Times it reached a handler, this delivery included. */
  readonly deliveries: number;
}

// The marks hash expires after a week without a new mark: a mark left behind (an event acknowledged
// by a process that died before removing it) does not stay for ever.
const MARKS_TTL_MS = String(7 * 24 * 60 * 60 * 1000);

/**
 * A group's start marks: how many times each unacknowledged event has reached a handler (or a
 * `read()` caller), kept in Redis beside the group. A reclaim counts those, not the times Redis handed
 * the event out, so the events a crashed consumer had fetched and never started cost nothing, and a
 * crash loop converges on the event that crashes.
 *
 * A first delivery carries no mark while it runs (the hot path writes nothing): if it is acknowledged,
 * nothing was needed; if it fails, times out or is given back, its start is marked then. Only when the
 * process dies during its first delivery does that delivery go uncounted. A reclaimed event is marked
 * before it is handed out, one at a time, with a trailing `?` until its verdict is known: a mark
 * still ending in `?` when the event is reclaimed again means the process died (or stalled) while it
 * ran, and that event, a suspect, then runs alone, so a crash is pinned on the event that caused it.
 */
export class StartMarks {
  readonly #scope: GroupScope;
  readonly #reportError: (error: unknown) => void;
  // Events this consumer holds whose mark is stored: acknowledging one removes its mark.
  readonly #marked = new Set<string>();

  constructor(scope: GroupScope, reportError: (error: unknown) => void) {
    this.#scope = scope;
    this.#reportError = reportError;
  }

  /**
   * Marks a reclaimed event as started (its `deliveries`); resolves once Redis has stored the mark.
   * If that fails, the event is handed out all the same (the failure is reported): at worst this one
   * start goes uncounted.
   */
  async mark(event: MarkedEvent): Promise<void> {
    this.#marked.add(event.id);
    try {
      await this.#store(event, '?');
    } catch (error) {
      this.#reportError(error);
    }
  }

  /**
   * An event that was handed out ended without an acknowledgement (it failed, ran out of time, or an
   * iterator gave it back): its start counts. Not awaited: the event stays pending either way.
   */
  counted(event: MarkedEvent): void {
    this.#marked.delete(event.id);
    // The verdict is in: no longer a start in progress.
    this.#store(event, '').catch(this.#reportError);
  }

  /** The event left the group another way (dead-lettered: the script removed its mark). */
  forget(id: string): void {
    this.#marked.delete(id);
  }

  /** Acknowledged events lose their marks; `undefined` when none had one (the usual case). */
  acknowledged(ids: readonly string[]): Promise<unknown> | undefined {
    if (this.#marked.size === 0) return undefined;
    const marked = ids.filter((id) => this.#marked.delete(id));
    if (marked.length === 0) return undefined;
    return this.#scope.ipc.redis.sendCommand(['HDEL', this.#scope.startsKey, ...marked]);
  }

  async #store(event: MarkedEvent, suffix: '?' | ''): Promise<void> {
    const { ipc, startsKey } = this.#scope;
    await Promise.all([
      ipc.redis.sendCommand(['HSET', startsKey, event.id, `${event.deliveries}${suffix}`]),
      ipc.redis.sendCommand(['PEXPIRE', startsKey, MARKS_TTL_MS]),
    ]);
  }
}
