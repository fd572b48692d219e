import {
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  ReconnectStrategyError,
  AbortError as RedisAbortError,
  ClientClosedError as RedisClientClosedError,
  TimeoutError as RedisTimeoutError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
} from 'redis';

/**
 * Every code an {@link IpcError} can carry. Codes are stable: match on them, not on messages.
 */
export type IpcErrorCode =
  | 'IPC_TIMEOUT'
  | 'IPC_ABORTED'
  | 'IPC_CONNECTION'
  | 'IPC_UNAVAILABLE'
  | 'IPC_AUTH'
  | 'IPC_CLOSED'
  | 'IPC_COMMAND'
  | 'IPC_DECODE'
  | 'IPC_INVALID_NAME'
  | 'IPC_INVALID_ARGUMENT'
  | 'IPC_PAYLOAD_TOO_LARGE'
  | 'IPC_GAP'
  | 'IPC_LEASE_LOST'
  | 'IPC_GROUP_MISSING'
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

/**
 * Redis could not be reached (refused, unreachable, TLS handshake failed, offline longer than
 * `offlineTimeoutMs`), or the connection broke while a command was in flight: the outcome of that
 * command is unknown.
 */
export class ConnectionError extends IpcError {
  override name = 'ConnectionError';

  constructor(message: string, options?: IpcErrorOptions) {
    super('IPC_CONNECTION', message, options);
  }
}

/**
 * The server refused the command for now and did not run it: it is loading its data (`LOADING`), busy
 * with a script (`BUSY`), a read-only replica (`READONLY`), or its cluster or master is down
 * (`MASTERDOWN`, `CLUSTERDOWN`, `TRYAGAIN`). Trying again later makes sense.
 */
export class UnavailableError extends IpcError {
  override name = 'UnavailableError';
  /** The reply's first word, e.g. `'LOADING'`. */
  readonly reply: string;

  constructor(reply: string, message: string, options?: IpcErrorOptions) {
    super('IPC_UNAVAILABLE', message, options);
    this.reply = reply;
  }
}

/**
 * Redis refused the credentials (`WRONGPASS`), or wants some and got none (`NOAUTH`). Retrying with the
 * same settings does not help.
 */
export class AuthError extends IpcError {
  override name = 'AuthError';

  constructor(message: string, options?: IpcErrorOptions) {
    super('IPC_AUTH', message, options);
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

// node-redis's connection errors. The classes come from the `redis` this package imports; a client
// from another copy of node-redis throws its own classes, recognised by their fixed messages.
const CONNECTION_ERROR_CLASSES = [
  SocketClosedUnexpectedlyError,
  ConnectionTimeoutError,
  ClientOfflineError,
  SocketTimeoutError,
  ReconnectStrategyError,
  RedisTimeoutError,
];
// The last two: no root node of a cluster, no sentinel, could be reached (the cluster and sentinel
// clients' own errors on connect).
const CONNECTION_ERROR_MESSAGE =
  /^(Socket closed unexpectedly|Connection timeout|The client is offline|Socket timeout |All the root nodes are unavailable|None of the sentinels are available)/;
const CLOSED_ERROR_MESSAGE = /^(The client is closed|Disconnects client)$/;
const ABORT_ERROR_MESSAGE = /^The command was aborted$/;

// Socket and TLS failures, by their `code`: none of them is an answer from Redis.
const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const TLS_ERROR_CODE =
  /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$)/;

// First words of Redis error replies, for replies thrown by another copy of node-redis.
const REPLY_WORD =
  /^(ERR|WRONGTYPE|NOSCRIPT|NOAUTH|WRONGPASS|NOPERM|LOADING|BUSY|BUSYKEY|BUSYGROUP|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MOVED|ASK|CROSSSLOT|EXECABORT|NOGROUP|NOREPLICAS|OOM|MISCONF|UNBLOCKED|NOPROTO|UNKILLABLE|NOTBUSY|INVALIDOBJ)\b/;
// Replies that mean "not now": the command did not run.
const UNAVAILABLE_REPLY = new Set(['LOADING', 'BUSY', 'MASTERDOWN', 'TRYAGAIN', 'CLUSTERDOWN', 'READONLY']);
// Replies that mean the credentials are wrong or missing.
const AUTH_REPLY = new Set(['NOAUTH', 'WRONGPASS']);

/** The first word of a Redis error reply (`'ERR'`, `'NOSCRIPT'`, …), or `undefined` if it is none. */
export function replyWord(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.message !== 'string') return undefined;
  if (error instanceof ErrorReply) return /^\S+/.exec(error.message)?.[0] ?? '';
  // Another copy of node-redis: a reply has no `code` of its own and starts with a known word.
  if ((error as { code?: unknown }).code !== undefined) return undefined;
  return REPLY_WORD.exec(error.message)?.[1];
}

function isConnectionFailure(error: Error): boolean {
  if (CONNECTION_ERROR_CLASSES.some((type) => error instanceof type)) return true;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && (CONNECTION_ERRNO.has(code) || TLS_ERROR_CODE.test(code))) return true;
  return CONNECTION_ERROR_MESSAGE.test(error.message);
}

/**
 * Turns anything thrown by node-redis (or by us) into the matching {@link IpcError}: a server reply
 * becomes a {@link CommandError} — or an {@link UnavailableError} ("not now") or {@link AuthError}
 * (credentials) — a broken, refused or untrusted socket a {@link ConnectionError}, a closed client a
 * {@link ClosedError}. Errors are recognised by the classes `redis` exports, and by their reply text
 * or fixed message when they come from another copy of node-redis — never by class name. The original
 * error is kept as `cause`.
 */
export function toIpcError(error: unknown): IpcError {
  if (isIpcError(error)) return error as IpcError;
  if (!(error instanceof Error)) return new IpcError('IPC_UNEXPECTED', String(error), { cause: error });
  const word = replyWord(error);
  if (word !== undefined) {
    if (UNAVAILABLE_REPLY.has(word)) {
      return new UnavailableError(word, `Redis cannot run commands now: ${error.message}`, { cause: error });
    }
    if (AUTH_REPLY.has(word)) {
      return new AuthError(`Authentication failed: ${error.message}`, { cause: error });
    }
    return new CommandError(error.message, { cause: error });
  }
  // What commands still waiting get when their client is closed or destroyed: not cut off.
  if (
    error instanceof RedisClientClosedError ||
    error instanceof DisconnectsClientError ||
    CLOSED_ERROR_MESSAGE.test(error.message)
  ) {
    return new ClosedError(undefined, { cause: error });
  }
  if (error instanceof RedisAbortError || ABORT_ERROR_MESSAGE.test(error.message)) {
    return new AbortError({ cause: error });
  }
  if (isConnectionFailure(error)) return new ConnectionError(error.message, { cause: error });
  return new IpcError('IPC_UNEXPECTED', error.message, { cause: error });
}

/**
 * Is it worth trying again later? True for connection failures and for a server that cannot run
 * commands now ({@link UnavailableError}); false for other replies, wrong credentials, decode errors,
 * aborts and a closed client.
 */
export function isTransientError(error: unknown): boolean {
  return isIpcError(error, 'IPC_CONNECTION') || isIpcError(error, 'IPC_UNAVAILABLE');
}

/**
 * Throws {@link toIpcError} of `error`: the rejection handler of a command's promise, so a hot path
 * can map node-redis errors without an async frame of its own.
 */
export function throwAsIpcError(error: unknown): never {
  throw toIpcError(error);
}
