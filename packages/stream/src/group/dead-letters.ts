import type { DeadLetterNotice } from '@redis-ipc/core';
import { DEAD_LETTER } from '../scripts/dead-letter.js';
import type { GroupScope } from './group-scope.js';

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
  readonly #scope: GroupScope;
  readonly #notify: (notice: StreamDeadLetterNotice) => void;
  readonly #reportError: (error: unknown) => void;

  constructor(
    scope: GroupScope,
    notify: (notice: StreamDeadLetterNotice) => void,
    reportError: (error: unknown) => void,
  ) {
    this.#scope = scope;
    this.#notify = notify;
    this.#reportError = reportError;
  }

  /** Whether an event on its `deliveries`-th delivery is dead-lettered when it fails. */
  isLast(deliveries: number): boolean {
    return this.#scope.settings.maxDeliveries > 0 && deliveries >= this.#scope.settings.maxDeliveries;
  }

  /**
   * Moves the event. Never rejects: if it fails, the event stays pending, comes back through a
   * reclaim and is dead-lettered then.
   */
  async move(id: string, deliveries: number, reason: StreamDeadLetterReason, error: string): Promise<void> {
    try {
      const deadLetterId = await DEAD_LETTER.run(this.#scope.ipc.redis, {
        key: this.#scope.keys.main,
        deadKey: this.#scope.keys.dead,
        startsKey: this.#scope.startsKey,
        group: this.#scope.group,
        id,
        consumer: this.#scope.consumer,
        deliveries,
        reason,
        error,
        maxLen: this.#scope.settings.deadMaxLen,
      });
      if (deadLetterId !== undefined) {
        this.#notify({ id, deadLetterId, reason, deliveries, error, consumer: this.#scope.consumer });
      }
    } catch (failure) {
      this.#reportError(failure);
    }
  }
}
