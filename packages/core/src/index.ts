export type { BlockingCommand, BlockingOptions } from './blocking-call.js';
export type { BlockingWait } from './blocking-connection.js';
export { createClient, IPC_CLIENT_BRAND, IpcClient, type IpcClientEvents, isIpcClient } from './client.js';
export type { IpcClientOptions, IpcClusterOptions, IpcSentinelOptions } from './client-options.js';
export { bufferCodec, type Codec, jsonCodec, safeJsonParse, stringCodec } from './codec.js';
export type { DeadLetterNotice } from './dead-letter-notice.js';
export {
  AbortError,
  AuthError,
  ClosedError,
  CommandError,
  ConnectionError,
  DecodeError,
  InvalidArgumentError,
  InvalidNameError,
  IpcError,
  type IpcErrorCode,
  type IpcErrorOptions,
  isIpcError,
  isTransientError,
  PayloadTooLargeError,
  replyWord,
  TimeoutError,
  toIpcError,
  UnavailableError,
} from './errors.js';
export {
  isWellFormedText,
  Keyspace,
  type KeyspaceOptions,
  MAX_NAME_LENGTH,
  MAX_PREFIX_LENGTH,
  StructureKeys,
  validateName,
  validatePrefix,
} from './keyspace.js';
export { LuaScript, type ScriptArgument } from './lua-script.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, PayloadCodec, type PayloadOptions } from './payload.js';
export type { RedisClient } from './redis-client.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export { type MessageListener, type SubscribeOptions, Subscriber } from './subscriber.js';
export type { RedisCluster } from './topology/cluster-redis.js';
export type { RedisSentinel } from './topology/sentinel-redis.js';
