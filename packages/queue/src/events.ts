import type { DecodeError, IpcError } from '@redis-ipc/core';
import type { NackOutcome, Task } from './task.js';

/** Payload of the `dead-letter` event. */
export interface DeadLetterEvent {
  /** The task id. */
  readonly id: string;
  /** Why it was dead-lettered. */
  readonly reason: string;
  /** How many times it had been delivered. */
  readonly deliveries: number;
}

/** Payload of the `task-failed` event. */
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
  /** A `process` handler threw (or rejected); the task was nacked with a retry delay. */
  'task-failed': [event: TaskFailedEvent<T>];
  /** This reader returned the tasks of readers whose lease had expired. */
  recovered: [event: RecoveredEvent];
  /**
   * This reader's own lease had expired and its tasks were given to others (it was cut off from
   * Redis, or its event loop was blocked for longer than `leaseMs`). Its buffered tasks are dropped;
   * handlers still running may run a task that another reader also runs.
   */
  'lease-lost': [];
}
