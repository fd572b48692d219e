import type { EventEmitter } from 'node:events';
import type { DecodeError } from '@redis-ipc/core';
import { reportError } from '@redis-ipc/core/internal';
import type { GapError } from '../gap-error.js';
import type { ClaimedDeadLetter } from '../scripts/reclaim.js';
import type { GroupEvent } from '../stream-event.js';
import type { StreamDeadLetterNotice } from './dead-letters.js';
import type { ConsumerGroupEvents } from './events.js';
import { ThrottledWarning } from './throttled-warning.js';

// At most one process warning about gaps (or trimmed pending events) per this many ms, when nobody
// listens for 'gap' ('trimmed').
const WARNING_PERIOD_MS = 10_000;

/** The consumer as the notices see it: an emitter of its events. */
export type NoticeEmitter<T> = Pick<EventEmitter<ConsumerGroupEvents<T>>, 'emit' | 'listenerCount'>;

/**
 * What a consumer tells its listeners, and what it says when nobody listens: an event that matters
 * (a gap, trimmed pending events, a decode failure) becomes a process warning or an `'error'`, the
 * others are emitted only when listened to.
 */
export class GroupNotices<T> {
  readonly #emitter: NoticeEmitter<T>;
  readonly #stream: string;
  readonly #group: string;
  readonly #gapWarning = new ThrottledWarning(WARNING_PERIOD_MS);
  readonly #trimmedWarning = new ThrottledWarning(WARNING_PERIOD_MS);

  constructor(emitter: NoticeEmitter<T>, stream: string, group: string) {
    this.#emitter = emitter;
    this.#stream = stream;
    this.#group = group;
  }

  /** A background failure: `'error'` when listened to. */
  error(error: unknown): void {
    reportError(this.#emitter as EventEmitter, error);
  }

  /**
   * A gap a loop goes on after. Loud but not fatal: a listener decides; with none, a process warning
   * says it on stderr — at most one a period, counting the others, so a worker at the trimming edge
   * does not flood stderr.
   */
  gap(error: GapError): void {
    if (this.#emitter.listenerCount('gap') > 0) this.#emitter.emit('gap', error.gap);
    else this.#gapWarning.warn(error, 'gaps');
  }

  /**
   * Pending events deleted from the stream: they can be neither delivered again nor dead-lettered
   * (their content is gone), so they are reported — to a listener, or else as a process warning.
   */
  trimmed(ids: string[]): void {
    if (this.#emitter.listenerCount('trimmed') > 0) {
      this.#emitter.emit('trimmed', ids);
      return;
    }
    const warning = new Error(
      `${ids.length} pending event(s) of group '${this.#group}' on stream '${this.#stream}' were trimmed before anyone acknowledged them (first: ${ids[0]})`,
    );
    warning.name = 'TrimmedPendingWarning';
    this.#trimmedWarning.warn(warning, 'trims');
  }

  /** An undecodable event (dead-lettered): `'decode-error'`, or `'error'` when nobody listens for it. */
  decodeError(error: DecodeError): void {
    if (this.#emitter.listenerCount('decode-error') > 0) this.#emitter.emit('decode-error', error);
    else this.error(error);
  }

  /** An event moved to the dead-letter stream. */
  deadLetter(notice: StreamDeadLetterNotice): void {
    if (this.#emitter.listenerCount('dead-letter') > 0) this.#emitter.emit('dead-letter', notice);
  }

  /** Events a reclaim moved to the dead-letter stream: delivered `maxDeliveries` times, never acknowledged. */
  deliveredTooOften(entries: readonly ClaimedDeadLetter[]): void {
    for (const { id, deadLetterId, deliveries, consumer } of entries) {
      this.deadLetter({
        id,
        deadLetterId,
        reason: 'max-deliveries',
        deliveries,
        error: `delivered ${deliveries} times without an acknowledgement`,
        consumer,
      });
    }
  }

  /** Events taken over from silent consumers. */
  reclaimed(ids: () => string[]): void {
    if (this.#emitter.listenerCount('reclaimed') > 0) this.#emitter.emit('reclaimed', ids());
  }

  /** A handler failed (or ran out of time). A throwing listener must not stop the loop. */
  failed(error: unknown, event: GroupEvent<T>): void {
    try {
      if (this.#emitter.listenerCount('failed') > 0) this.#emitter.emit('failed', error, event);
    } catch {
      // Ignored: see above.
    }
  }
}
