import type { DecodeError, IpcError } from '@redis-ipc/core';
import type { GroupEvent, StreamGap } from '../stream-event.js';
import type { StreamDeadLetterNotice } from './dead-letters.js';

/** The handler of {@link ConsumerGroup.process}. */
export type GroupEventHandler<T> = (value: T, event: GroupEvent<T>) => unknown;

/** Events of a {@link ConsumerGroup}. */
export interface ConsumerGroupEvents<T> {
  /**
   * A background failure (acks, reclaims, refreshes, a loop retrying), or the group found missing.
   * Only emitted when listened to.
   */
  error: [error: IpcError];
  /** Events the group had not delivered yet were deleted (trimmed) before it got to them. */
  gap: [gap: StreamGap];
  /** An event could not be decoded (or failed the schema); it was dead-lettered. */
  'decode-error': [error: DecodeError];
  /** An event was moved to the dead-letter stream. */
  'dead-letter': [notice: StreamDeadLetterNotice];
  /**
   * A handler of `process` threw or ran past its `timeoutMs` (the error is then a TimeoutError; a
   * handler that returns after its limit has timed out too, its outcome ignored), or the body of
   * `events` kept an event past its `timeoutMs`: the event stays pending and is
   * delivered again after `minIdleMs` (dead-lettered instead on its `maxDeliveries`-th delivery).
   */
  failed: [error: unknown, event: GroupEvent<T>];
  /** This consumer took over events of consumers that had been silent for `minIdleMs`. */
  reclaimed: [ids: string[]];
  /**
   * Pending events (delivered, not acknowledged) were trimmed or deleted from the stream: their
   * content is gone, so they are neither delivered again nor dead-lettered, and they leave the
   * pending list. Reported by the consumer that finds them gone (holding or reclaiming them); with no
   * listener, as a process warning. Events trimmed before the group delivered them are a `'gap'`.
   */
  trimmed: [ids: string[]];
}
