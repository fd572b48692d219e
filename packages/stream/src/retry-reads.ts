import { type IpcError, isTransientError } from '@redis-ipc/core';
import { retryTransient } from '@redis-ipc/core/internal';

/**
 * One read of a reading loop (a fan-out reader's `events()`, a group consumer's lanes): `step`, with
 * transient failures (Redis away, a connection cut) reported to `reportError` and retried with backoff
 * under `signal`. A failure once the loop has `ended()` (aborted, closed) resolves `undefined`: the
 * loop just stops.
 */
export async function retryReads<R>(
  step: () => Promise<R>,
  signal: AbortSignal,
  reportError: (error: IpcError) => void,
  ended: () => boolean,
): Promise<R | undefined> {
  try {
    return await retryTransient(step, {
      signal,
      onError: (error) => {
        if (isTransientError(error)) reportError(error);
      },
    });
  } catch (error) {
    if (ended()) return undefined;
    throw error;
  }
}
