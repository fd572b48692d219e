import { AbortError, InvalidArgumentError } from '../errors.js';
import { MAX_TIMER_MS } from './options.js';

/**
 * Delay before retry number `attempt` (0-based) of an operation that failed because Redis was
 * unreachable: exponential from `baseMs`, capped at `maxMs`, with up to 20 % jitter so that many
 * clients do not retry in step.
 */
export function backoffDelay(attempt: number, baseMs = 50, maxMs = 1000): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(delay * (0.8 + Math.random() * 0.2));
}

/** Resolves after `ms`; rejects with {@link AbortError} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortErrorFrom(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortErrorFrom(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The {@link AbortError} for an aborted signal; its reason becomes the cause. */
export function abortErrorFrom(signal: AbortSignal): AbortError {
  return new AbortError({ cause: signal.reason });
}

/** Throws {@link AbortError} when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortErrorFrom(signal);
}

/**
 * Validates a `timeoutMs` option: a non-negative number of milliseconds, `Infinity` to wait for ever.
 * Returns the value to use: above {@link MAX_TIMER_MS} it is `Infinity`.
 */
export function validateTimeout(timeoutMs: number, option = 'timeoutMs'): number {
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new InvalidArgumentError(`${option} must be a non-negative number of milliseconds or Infinity`);
  }
  return timeoutMs > MAX_TIMER_MS ? Number.POSITIVE_INFINITY : timeoutMs;
}

/**
 * Waits for `work`, `timeoutMs` at most: resolves with `true` once it has resolved, with `false` when
 * the time passed first, and rejects if it rejects first. `Infinity` waits for `work` alone (a
 * Node.js timer cannot wait that long). No timer is left behind.
 */
export function within(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  if (timeoutMs === Number.POSITIVE_INFINITY) return work.then(() => true);
  return new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
