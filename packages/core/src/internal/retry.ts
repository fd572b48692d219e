import { type IpcError, isTransientError, toIpcError } from '../errors.js';
import { backoffDelay, sleep } from './timing.js';

/** Settings of {@link retryTransient}. */
export interface RetryOptions {
  /** Stops retrying: the last failure is thrown. */
  readonly signal?: AbortSignal;
  /** Told of every failure, the retried ones included. */
  readonly onError?: (error: IpcError) => void;
  /** First delay, in ms. @default 50 */
  readonly baseMs?: number;
  /** Longest delay, in ms. @default 1000 */
  readonly maxMs?: number;
}

/**
 * Runs `op` until it succeeds, retrying with {@link backoffDelay} while it fails because Redis is
 * unreachable ({@link isTransientError}). A failure of any other kind, or one after `signal` aborted,
 * is thrown as an {@link IpcError}. `op` gets the attempt number, from 0.
 */
export async function retryTransient<R>(
  op: (attempt: number) => Promise<R>,
  options: RetryOptions = {},
): Promise<R> {
  const { signal, onError, baseMs, maxMs } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (raw) {
      const error = toIpcError(raw);
      onError?.(error);
      if (!isTransientError(error) || signal?.aborted) throw error;
      try {
        await sleep(backoffDelay(attempt, baseMs, maxMs), signal);
      } catch {
        throw error;
      }
    }
  }
}
