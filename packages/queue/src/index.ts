export type { DeadLetter } from './dead-letter.js';
export type { DeadLetterEvent, ReadQueueEvents, RecoveredEvent, TaskFailedEvent } from './events.js';
export { LeaseLostError } from './lease-lost-error.js';
export type { DeadLettersOptions, RequeueDeadLettersOptions } from './queue-admin.js';
export type {
  DecodeErrorPolicy,
  DeliveryMode,
  IterateOptions,
  ReadQueueOptions,
  TakeOptions,
} from './read-options.js';
export { createReadQueue, ReadQueue } from './read-queue.js';
export type { QueueCounts } from './scripts/counts.js';
export type { AckOutcome, NackOptions, NackOutcome, Task } from './task.js';
export type { CloseOptions, ProcessOptions, TaskHandler, Worker } from './worker.js';
export {
  createWriteQueue,
  type PushManyOptions,
  type PushOptions,
  type PushResult,
  WriteQueue,
  type WriteQueueOptions,
} from './write-queue.js';
