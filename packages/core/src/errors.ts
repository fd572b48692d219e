import {
  ErrorReply,
  AbortError as RedisAbortError,
  ClientClosedError as RedisClientClosedError,
  TimeoutError as RedisTimeoutError,
} from 'redis';

/**
 * Every code an {@link IpcError} can carry. Codes are stable: match on them, not on messages.
 */
export type IpcErrorCode =
  | 'IPC_TIMEOUT'
  | 'IPC_ABORTED'
  | 'IPC_CONNECTION'
  | 'IPC_CLOSED'
  | 'IPC_COMMAND'
  | 'IPC_DECODE'
  | 'IPC_INVALID_NAME'
  | 'IPC_INVALID_ARGUMENT'
  | 'IPC_PAYLOAD_TOO_LARGE'
  | 'IPC_GAP'
  | 'IPC_UNEXPECTED';

/** Options every {@link IpcError} accepts. */
export interface IpcErrorOptions {
  /**
   * The underlying error, usually the one node-redis raised.
   * @default undefined
   */
  cause?: unknown;
}

/**
 * Base class of every error redis-ipc raises. Check `code` (or use {@link isIpcError}) rather than
 * `instanceof`, so that two copies of the package in one process still agree.
 */
export class IpcError extends Error {
  override name = 'IpcError';
  /** A stable, machine-readable code. */
  readonly code: IpcErrorCode;

  constructor(code: IpcErrorCode, message: string, options?: IpcErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A blocking read or a wait reached its timeout with nothing to return. */
export class TimeoutError extends IpcError {
  override name = 'TimeoutError';
  /** The timeout that passed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: IpcErrorOptions) {
    super('IPC_TIMEOUT', `Timed out after ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's `AbortSignal` aborted the operation. `cause` holds the signal's reason. */
export class AbortError extends IpcError {
  override name = 'AbortError';

  constructor(options?: IpcErrorOptions) {
    super('IPC_ABORTED', 'The operation was aborted', options);
  }
}

/** Redis could not be reached, or the connection broke while a command was in flight. */
export class ConnectionError extends IpcError {
  override name = 'ConnectionError';

  constructor(message: string, options?: IpcErrorOptions) {
    super('IPC_CONNECTION', message, options);
  }
}

/** The client (or the structure) was closed before or during the operation. */
export class ClosedError extends IpcError {
  override name = 'ClosedError';

  constructor(message = 'The client is closed', options?: IpcErrorOptions) {
    super('IPC_CLOSED', message, options);
  }
}

/** Redis answered with an error reply. The connection itself is fine. */
export class CommandError extends IpcError {
  override name = 'CommandError';

  constructor(message: string, options?: IpcErrorOptions) {
    super('IPC_COMMAND', message, options);
  }
}

/** A stored payload could not be decoded, or it failed the schema. The raw payload is kept. */
export class DecodeError extends IpcError {
  override name = 'DecodeError';
  /** The payload exactly as it was read from Redis. */
  readonly raw: string | Buffer;
  /** The id of the item (task id, stream entry id, cache key) when there is one. */
  readonly id: string | undefined;
  /** The schema's issues, when a schema rejected the value. */
  readonly issues: ReadonlyArray<{ readonly message: string }> | undefined;

  constructor(
    message: string,
    details: { raw: string | Buffer; id?: string; issues?: ReadonlyArray<{ readonly message: string }> },
    options?: IpcErrorOptions,
  ) {
    super('IPC_DECODE', message, options);
    this.raw = details.raw;
    this.id = details.id;
    this.issues = details.issues;
  }
}

/** A structure name, key prefix or key does not fit the naming scheme. */
export class InvalidNameError extends IpcError {
  override name = 'InvalidNameError';
  /** The rejected value. */
  readonly value: string;

  constructor(value: string, reason: string) {
    super('IPC_INVALID_NAME', `Invalid name ${JSON.stringify(value.slice(0, 80))}: ${reason}`);
    this.value = value;
  }
}

/** An argument is out of range or of the wrong kind. */
export class InvalidArgumentError extends IpcError {
  override name = 'InvalidArgumentError';

  constructor(message: string, options?: IpcErrorOptions) {
    super('IPC_INVALID_ARGUMENT', message, options);
  }
}

/** An encoded payload is larger than `maxPayloadBytes`; nothing was sent. */
export class PayloadTooLargeError extends IpcError {
  override name = 'PayloadTooLargeError';
  /** Size of the encoded payload in bytes. */
  readonly size: number;
  /** The configured limit in bytes. */
  readonly limit: number;

  constructor(size: number, limit: number) {
    super('IPC_PAYLOAD_TOO_LARGE', `Payload of ${size} bytes exceeds maxPayloadBytes (${limit})`);
    this.size = size;
    this.limit = limit;
  }
}

/**
 * Is `error` an {@link IpcError} (optionally with the given code)? Checks the `code` field, so it
 * recognises errors from another copy of this package too.
 */
export function isIpcError<C extends IpcErrorCode>(
  error: unknown,
  code?: C,
): error is IpcError & { readonly code: C } {
  if (!(error instanceof Error)) return false;
  const actual = (error as { code?: unknown }).code;
  if (typeof actual !== 'string' || !actual.startsWith('IPC_')) return false;
  return code === undefined || actual === code;
}

const CONNECTION_ERROR_NAMES = new Set([
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'ClientOfflineError',
  'SocketTimeoutError',
  'ReconnectStrategyError',
]);

const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// Replies that mean "the server is not ready yet", not "your command is wrong".
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY) /;

/**
 * Turns anything thrown by node-redis (or by us) into the matching {@link IpcError}: a server reply
 * becomes a {@link CommandError}, a broken or refused socket a {@link ConnectionError}, a closed
 * client a {@link ClosedError}. The original error is kept as `cause`.
 */
export function toIpcError(error: unknown): IpcError {
  if (isIpcError(error)) return error as IpcError;
  if (error instanceof ErrorReply) {
    return TRANSIENT_REPLY.test(error.message)
      ? new ConnectionError(`Redis is not ready: ${error.message}`, { cause: error })
      : new CommandError(error.message, { cause: error });
  }
  if (error instanceof RedisClientClosedError) return new ClosedError(undefined, { cause: error });
  if (error instanceof RedisAbortError) return new AbortError({ cause: error });
  if (error instanceof RedisTimeoutError) return new ConnectionError('Command timed out', { cause: error });
  if (error instanceof Error) {
    // What commands still waiting get when their client is destroyed: it was closed, not cut off.
    if (error.constructor.name === 'DisconnectsClientError')
      return new ClosedError(undefined, { cause: error });
    const errno = (error as NodeJS.ErrnoException).code;
    if (CONNECTION_ERROR_NAMES.has(error.constructor.name) || (errno && CONNECTION_ERRNO.has(errno))) {
      return new ConnectionError(error.message, { cause: error });
    }
    return new IpcError('IPC_UNEXPECTED', error.message, { cause: error });
  }
  return new IpcError('IPC_UNEXPECTED', String(error), { cause: error });
}

/**
 * Is it worth trying again later? True for connection failures (including "server still loading"),
 * false for reply errors, decode errors, aborts and a closed client.
 */
export function isTransientError(error: unknown): boolean {
  return isIpcError(error, 'IPC_CONNECTION');
}
