import type { BlockingWait } from './blocking-connection.js';
import type { AcquireOptions, BlockingPool } from './blocking-pool.js';
import {
  ClosedError,
  ConnectionError,
  type IpcError,
  isIpcError,
  isTransientError,
  TimeoutError,
  toIpcError,
} from './errors.js';
import { onAbort } from './internal/report-error.js';
import { abortErrorFrom, backoffDelay, sleep, validateTimeout } from './internal/timing.js';
import type { RedisClient } from './redis-client.js';

/** Options of {@link IpcClient.blocking}. */
export interface BlockingOptions<T> {
  /**
   * How long to wait in total, in ms, across reconnections; `Infinity` waits for ever.
   * @default Infinity
   */
  timeoutMs?: number;
  /**
   * Aborts the wait: the call rejects with {@link AbortError} and the server-side wait ends.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * Receives a value that arrived after the call had already rejected (aborted, timed out or closed
   * while the reply was on its way), so the structure can put it back instead of losing it.
   * @default undefined
   */
  onLateValue?: (value: T) => void;
}

/** The names {@link BlockingOptions} knows. */
export const BLOCKING_OPTION_NAMES: readonly string[] = ['timeoutMs', 'signal', 'onLateValue'];

/**
 * A dedicated connection lent for one server-side wait: to one server (a pooled connection), or on a
 * cluster to the master owning the key the command names (picked when the command is sent).
 */
export interface BlockingLease {
  /** Runs `command`; {@link BlockingLease.interrupt} can end it early. */
  run<T>(command: BlockingCommand<T>, wait: BlockingWait): Promise<T | null | undefined>;
  /** Ends the running command and resolves once the server no longer waits on its behalf. */
  interrupt(): Promise<void>;
  /** Gives the connection back. */
  release(): void;
}

/** Lends the dedicated connections of one client; rejects like {@link BlockingPool.acquire}. */
export type BlockingLender = (options: AcquireOptions) => Promise<BlockingLease>;

/** What a blocking call needs from its client. */
export interface BlockingHost {
  /** The shared connection: tells whether Redis is reachable. */
  readonly redis: RedisClient;
  /** Lends the dedicated connections. */
  readonly lend: BlockingLender;
  /** Longest server-side wait of one command, in ms. */
  readonly sliceMs: number;
  /** Aborts when the client closes (ends backoff pauses). */
  readonly closeSignal: AbortSignal;
  /** Registers the call's canceller with the client's close(); returns the remover. */
  track(cancel: (error: IpcError) => Promise<void>): () => void;
}

/** A blocking command: gets a dedicated connection and how long the server may block. */
export type BlockingCommand<T> = (redis: RedisClient, wait: BlockingWait) => Promise<T | null | undefined>;

/**
 * The lender of a single server: connections from `pool`, their waits ended with `CLIENT UNBLOCK` sent
 * on `control`.
 */
export function poolLender(pool: BlockingPool, control: RedisClient): BlockingLender {
  return async (options) => {
    const conn = await pool.acquire(options);
    return {
      run: (command, wait) => conn.run(command, wait),
      interrupt: () => conn.interrupt(control),
      release: () => pool.release(conn),
    };
  };
}

// The client-side guard fires this long after the server-side timeout should have answered.
const TIMEOUT_GRACE_MS = 50;

/**
 * Runs `command` on dedicated connections until it returns something other than `null`: see
 * {@link IpcClient.blocking}. Each command blocks at most `host.sliceMs` on the server; after an empty
 * slice the connection goes back to the pool, where a waiter queued for it takes it first, so more
 * waiters than connections take turns rather than starve.
 */
export function blockingCall<T>(
  host: BlockingHost,
  command: BlockingCommand<T>,
  options: BlockingOptions<T>,
): Promise<T> {
  const { signal, onLateValue } = options;
  let timeoutMs: number;
  try {
    timeoutMs = validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    if (signal?.aborted) throw abortErrorFrom(signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const forever = timeoutMs === Number.POSITIVE_INFINITY;
  const deadline = performance.now() + timeoutMs;

  return new Promise<T>((resolve, reject) => {
    // 'cancelling': an abort, timeout or close was decided; the server-side wait is being ended.
    let state: 'waiting' | 'cancelling' | 'settled' = 'waiting';
    let current: BlockingLease | undefined;
    let lastConnectionError: IpcError | undefined;
    let guard: NodeJS.Timeout | undefined;
    // Withdraws a request still queued for a connection once the call has been decided.
    const withdraw = new AbortController();

    const timedOut = () =>
      lastConnectionError && !host.redis.isReady
        ? new ConnectionError(`Redis unreachable for the whole ${timeoutMs} ms wait`, {
            cause: lastConnectionError,
          })
        : new TimeoutError(timeoutMs);

    const settle = (error: IpcError | undefined, value?: T) => {
      if (state === 'settled') return;
      state = 'settled';
      // A value means the lend and the command are both over: no request is left to withdraw, and
      // an abort (an event and an AbortError with its stack, ~20 µs) would delay every hand-off.
      detach(error !== undefined);
      if (error) reject(error);
      else resolve(value as T);
    };
    // Rejects only once the wait has really ended, so nothing is consumed after the caller moved on.
    const cancel = (error: IpcError): Promise<void> => {
      if (state !== 'waiting') return Promise.resolve();
      state = 'cancelling';
      detach();
      const conn = current;
      if (!conn) {
        settle(error);
        return Promise.resolve();
      }
      return conn.interrupt().then(
        () => settle(error),
        () => settle(error),
      );
    };
    const removeAbortListener = onAbort(signal, () => void cancel(abortErrorFrom(signal!)));
    const untrack = host.track(cancel);
    const detach = (withdrawRequests = true) => {
      if (guard) clearTimeout(guard);
      removeAbortListener();
      untrack();
      if (withdrawRequests) withdraw.abort();
    };
    if (!forever) guard = setTimeout(() => cancel(timedOut()), timeoutMs + TIMEOUT_GRACE_MS);

    // After a failure: true to try again (a lost connection, after a backoff), false when settled.
    let attempt = 0;
    const retryAfter = async (raw: unknown): Promise<boolean> => {
      if (state !== 'waiting') return false;
      const error = toIpcError(raw);
      if (isIpcError(error, 'IPC_TIMEOUT')) {
        settle(timedOut());
        return false;
      }
      if (!isTransientError(error)) {
        settle(error);
        return false;
      }
      lastConnectionError = error;
      try {
        await sleep(backoffDelay(attempt++), host.closeSignal);
      } catch {
        cancel(new ClosedError());
        return false;
      }
      return true;
    };

    const loop = async () => {
      while (state === 'waiting') {
        if (!forever && deadline - performance.now() < 1) return settle(timedOut());
        let conn: BlockingLease;
        try {
          conn = await host.lend({ deadline, signal: withdraw.signal });
        } catch (error) {
          if (await retryAfter(error)) continue;
          return;
        }
        if (state !== 'waiting') return conn.release();
        current = conn;
        // Measured once a connection is ours: waiting for one may have taken a while.
        const remaining = forever ? host.sliceMs : Math.max(1, deadline - performance.now());
        const ms = Math.ceil(Math.min(remaining, host.sliceMs));
        let reply: T | null | undefined;
        try {
          reply = await conn.run(command, { ms, seconds: ms / 1000 });
        } catch (raw) {
          current = undefined;
          conn.release();
          if (await retryAfter(raw)) continue;
          return;
        }
        current = undefined;
        conn.release();
        if (reply !== null && reply !== undefined) {
          if (state === 'waiting') return settle(undefined, reply);
          return onLateValue?.(reply);
        }
      }
    };
    loop().catch((error) => settle(toIpcError(error)));
  });
}
