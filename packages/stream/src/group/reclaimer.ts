import { entryClient } from '../entry-decoder.js';
import { type ClaimedDeadLetter, type ClaimedEntry, RECLAIM } from '../scripts/reclaim.js';
import { START_ID } from '../stream-id.js';
import type { GroupScope } from './group-scope.js';

/** What the reclaimer needs from the consumer around it. */
export interface ReclaimerHost {
  /** Whether this consumer wants more work now: it is reading and has room (free slots, an empty buffer). */
  wantsWork(): boolean;
  /** Makes sure the group exists (it was made at start-up). */
  ready(): Promise<void>;
  /** Entries now this consumer's. */
  claimed(entries: ClaimedEntry[]): void;
  /** Entries moved to the dead-letter stream instead. */
  deadLettered(entries: ClaimedDeadLetter[]): void;
  /** Pending ids whose entries were deleted from the stream. */
  deleted(ids: string[]): void;
  /** A round failed (a missing group included). */
  failed(error: unknown): void;
}

/**
 * Takes over the events of consumers that have been silent for `minIdleMs` (XAUTOCLAIM), every
 * `reclaimIntervalMs` while this consumer wants work, dead-lettering those delivered too often.
 */
export class Reclaimer {
  readonly #scope: GroupScope;
  readonly #host: ReclaimerHost;
  #timer: NodeJS.Timeout | undefined;
  #cursor = START_ID;
  #running = false;

  constructor(scope: GroupScope, host: ReclaimerHost) {
    this.#scope = scope;
    this.#host = host;
  }

  /** Starts the timer (and one round now). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.run(), this.#scope.settings.reclaimIntervalMs);
    this.#timer.unref();
    void this.run();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round, unless one is running or this consumer has enough work. */
  async run(): Promise<void> {
    if (this.#running || !this.#host.wantsWork()) return;
    this.#running = true;
    try {
      await this.#host.ready();
      const reply = await RECLAIM.run(entryClient(this.#scope.ipc.redis, this.#scope.binary), {
        key: this.#scope.keys.main,
        deadKey: this.#scope.keys.dead,
        startsKey: this.#scope.startsKey,
        group: this.#scope.group,
        consumer: this.#scope.consumer,
        minIdleMs: this.#scope.settings.minIdleMs,
        cursor: this.#cursor,
        count: this.#scope.settings.batchSize,
        maxDeliveries: this.#scope.settings.maxDeliveries,
        deadMaxLen: this.#scope.settings.deadMaxLen,
      });
      this.#cursor = reply.cursor;
      if (reply.deadLetters.length > 0) this.#host.deadLettered(reply.deadLetters);
      if (reply.deleted.length > 0) this.#host.deleted(reply.deleted);
      if (reply.claimed.length > 0) this.#host.claimed(reply.claimed);
    } catch (error) {
      this.#host.failed(error);
    } finally {
      this.#running = false;
    }
  }
}
