import type { DeadLetterNotice, IpcClient } from '@redis-ipc/core';
import { DEAD_LETTER } from '../scripts/dead-letter.js';
import type { StreamKeys } from '../stream-keys.js';
import type { GroupSettings } from './options.js';

/** Why an event was moved to the dead-letter stream. */
export type StreamDeadLetterReason = 'decode' | 'failed' | 'max-deliveries';

/** Emitted when this consumer moved an event to the dead-letter stream. */
export interface StreamDeadLetterNotice extends DeadLetterNotice {
  /** The event's id in the stream. */
  readonly id: string;
  /** Why. */
  readonly reason: StreamDeadLetterReason;
  /** Deliveries before it was dead-lettered. */
  readonly deliveries: number;
  /** The error message (decode error, handler error, or the delivery count). */
  readonly error: string;
  /** The dead letter's id in the dead-letter stream. */
  readonly deadLetterId: string;
  /** The consumer that last held the event. */
  readonly consumer: string;
}

/**
 * Moves one consumer's events to the dead-letter stream (atomically with their acknowledgement) and
 * tells of it.
 */
export class DeadLetters {
  readonly #ipc: IpcClient;
  readonly #keys: StreamKeys;
  readonly #group: string;
  readonly #consumer: string;
  readonly #settings: GroupSettings;
  readonly #notify: (notice: StreamDeadLetterNotice) => void;
  readonly #reportError: (error: unknown) => void;

  constructor(
    ipc: IpcClient,
    keys: StreamKeys,
    group: string,
    consumer: string,
    settings: GroupSettings,
    notify: (notice: StreamDeadLetterNotice) => void,
    reportError: (error: unknown) => void,
  ) {
    this.#ipc = ipc;
    this.#keys = keys;
    this.#group = group;
    this.#consumer = consumer;
    this.#settings = settings;
    this.#notify = notify;
    this.#reportError = reportError;
  }

  /** Whether an event on its `deliveries`-th delivery is dead-lettered when it fails. */
  isLast(deliveries: number): boolean {
    return this.#settings.maxDeliveries > 0 && deliveries >= this.#settings.maxDeliveries;
  }

  /**
   * Moves the event. Never rejects: if it fails, the event stays pending, comes back through a
   * reclaim and is dead-lettered then.
   */
  async move(id: string, deliveries: number, reason: StreamDeadLetterReason, error: string): Promise<void> {
    try {
      const deadLetterId = await DEAD_LETTER.run(this.#ipc.redis, {
        key: this.#keys.main,
        deadKey: this.#keys.dead,
        group: this.#group,
        id,
        consumer: this.#consumer,
        deliveries,
        reason,
        error,
        maxLen: this.#settings.deadMaxLen,
      });
      if (deadLetterId !== undefined) {
        this.#notify({ id, deadLetterId, reason, deliveries, error, consumer: this.#consumer });
      }
    } catch (failure) {
      this.#reportError(failure);
    }
  }
}
