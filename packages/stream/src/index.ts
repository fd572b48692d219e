export {
  ConsumerGroup,
  createConsumerGroup,
} from './consumer-group.js';
export { GAP_ERROR_CODE, GapError, isGapError } from './gap-error.js';
export type { StreamDeadLetterNotice, StreamDeadLetterReason } from './group/dead-letters.js';
export type { ConsumerGroupEvents, GroupEventHandler } from './group/events.js';
export type {
  ConsumerGroupOptions,
  GapPolicy,
  GroupCloseOptions,
  GroupIterateOptions,
  GroupProcessOptions,
  GroupReadOptions,
} from './group/options.js';
export type {
  GroupPendingEntry,
  GroupPendingOptions,
  GroupPendingSummary,
  StreamDeadLetter,
  StreamDeadLetterOptions,
} from './group/queries.js';
export { GROUP_MISSING_ERROR_CODE, GroupMissingError, isGroupMissingError } from './group-missing-error.js';
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
export { StreamKeys } from './stream-keys.js';
export { createWriteStream, WriteStream, type WriteStreamOptions } from './write-stream.js';
