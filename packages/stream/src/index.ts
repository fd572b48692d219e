export {
  ConsumerGroup,
  type ConsumerGroupEvents,
  type ConsumerGroupOptions,
  createConsumerGroup,
  type GroupCloseOptions,
  type GroupEventHandler,
  type GroupIterateOptions,
  type GroupPendingEntry,
  type GroupPendingOptions,
  type GroupPendingSummary,
  type GroupProcessOptions,
  type GroupReadOptions,
  type StreamDeadLetter,
  type StreamDeadLetterNotice,
  type StreamDeadLetterOptions,
  type StreamDeadLetterReason,
} from './consumer-group.js';
export { GAP_ERROR_CODE, GapError, isGapError } from './gap-error.js';
export {
  createReadStream,
  ReadStream,
  type ReadStreamEvents,
  type ReadStreamOptions,
  type StreamBatchReadOptions,
  type StreamIterateOptions,
  type StreamRangeOptions,
  type StreamReadOptions,
} from './read-stream.js';
export type { GroupEvent, StreamEvent, StreamGap } from './stream-event.js';
export {
  compareIds as compareStreamIds,
  normalizeId as normalizeStreamId,
  timestampOf as streamIdTimestamp,
} from './stream-id.js';
export { createWriteStream, WriteStream, type WriteStreamOptions } from './write-stream.js';
