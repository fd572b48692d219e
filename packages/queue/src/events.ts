import type { DeadLetterNotice, DecodeError, IpcError } from '@redis-ipc/core';
import type { NackOutcome, Task } from './task.js';

/** Payload of the `dead-letter` event. */
export interface DeadLetterEvent extends DeadLetterNotice {
  /**
   * Why: `'decode'` (undecodable item), `'failed'` (nacked on its last delivery: its handler failed,
   * or `task.nack()`), `'max-deliveries'` (delivered `maxDeliveries` times without an ack: its readers
   * kept dying or losing their lease).
   */
  readonly reason: 'decode' | 'failed' | 'max-deliveries';
}

/** Payload of the `failed` event. */
export interface TaskFailedEvent<T> {
  /** The task whose handler failed. */
  readonly task: Task<T>;
  /** What the handler threw. */
  readonly error: unknown;
  /** What happened to the task. */
  readonly outcome: NackOutcome;
  /** The retry delay it was given, in ms. */
  readonly delayMs: number;
}

/** Payload of the `recovered` event. */
export interface RecoveredEvent {
  /** Tasks of expired readers put back at the head of the queue. */
  readonly requeued: number;
  /** Tasks of expired readers moved to the dead-letter list (delivered `maxDeliveries` times). */
  readonly deadLettered: number;
}

/** Events of a {@link ReadQueue}. */
export interface ReadQueueEvents<T> {
  /**
   * A background operation failed (lease renewal, a batch of acks, …); it is retried by itself.
   * Emitted only when someone listens, so an unhandled `error` never crashes the process.
   */
  error: [error: IpcError];
  /** An item could not be decoded or failed the schema; it has been moved to the dead-letter list. */
  'decode-error': [error: DecodeError];
  /** This reader moved a task to the dead-letter list. */
  'dead-letter': [event: DeadLetterEvent];
  /** A `process` handler threw (or rejected, or ran past `timeoutMs`); the task was nacked. */
  failed: [event: TaskFailedEvent<T>];
  /** This reader returned the tasks of readers whose lease had expired. */
  recovered: [event: RecoveredEvent];
  /**
   * This reader's own lease had expired and its tasks were given to others (it was cut off from
   * Redis, or its event loop was blocked, for longer than `leaseMs`). Its buffered tasks are dropped,
   * the `task.signal` of every task it still ran aborts with a {@link LeaseLostError}, and their acks
   * resolve `'lost'` without changing anything.
   */
  'lease-lost': [];
}
