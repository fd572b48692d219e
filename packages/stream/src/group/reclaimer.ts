import type { IpcClient } from '@redis-ipc/core';
import { entryClient } from '../entry-decoder.js';
import { type ClaimedDeadLetter, type ClaimedEntry, RECLAIM } from '../scripts/reclaim.js';
import { START_ID } from '../stream-id.js';
import type { StreamKeys } from '../stream-keys.js';
import type { GroupSettings } from './options.js';

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
  readonly #ipc: IpcClient;
  readonly #keys: StreamKeys;
  readonly #group: string;
  readonly #consumer: string;
  readonly #settings: GroupSettings;
  readonly #binary: boolean;
  readonly #host: ReclaimerHost;
  #timer: NodeJS.Timeout | undefined;
  #cursor = START_ID;
  #running = false;

  constructor(
    ipc: IpcClient,
    keys: StreamKeys,
    group: string,
    consumer: string,
    settings: GroupSettings,
    binary: boolean,
    host: ReclaimerHost,
  ) {
    this.#ipc = ipc;
    this.#keys = keys;
    this.#group = group;
    this.#consumer = consumer;
    this.#settings = settings;
    this.#binary = binary;
    this.#host = host;
  }

  /** Starts the timer (and one round now). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.run(), this.#settings.reclaimIntervalMs);
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
      const reply = await RECLAIM.run(entryClient(this.#ipc.redis, this.#binary), {
        key: this.#keys.main,
        deadKey: this.#keys.dead,
        group: this.#group,
        consumer: this.#consumer,
        minIdleMs: this.#settings.minIdleMs,
        cursor: this.#cursor,
        count: this.#settings.batchSize,
        maxDeliveries: this.#settings.maxDeliveries,
        deadMaxLen: this.#settings.deadMaxLen,
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
