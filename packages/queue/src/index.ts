export type { DeadLetter } from './dead-letter.js';
export type { DeadLetterEvent, ReadQueueEvents, RecoveredEvent, TaskFailedEvent } from './events.js';
export {
  createReadQueue,
  type DeadLettersOptions,
  type DecodeErrorPolicy,
  type DeliveryMode,
  type IterateOptions,
  type QueueCounts,
  ReadQueue,
  type ReadQueueOptions,
  type RequeueDeadLettersOptions,
  type TakeOptions,
} from './read-queue.js';
export type { NackOptions, NackOutcome, Task } from './task.js';
export type { CloseOptions, ProcessOptions, TaskHandler, Worker } from './worker.js';
export {
  createWriteQueue,
  type PushManyOptions,
  type PushOptions,
  WriteQueue,
  type WriteQueueOptions,
} from './write-queue.js';
