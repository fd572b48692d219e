import { TimeoutError } from '../errors.js';
import { abortErrorFrom } from './timing.js';

/**
 * Waits for `work` but gives up when `signal` aborts (AbortError) or `deadline` (a
 * `performance.now()` time) passes (TimeoutError of `timeoutMs`). Commands on the shared connection
 * wait in node-redis' offline queue while Redis is away; this keeps a caller's timeout and signal
 * meaningful meanwhile. `work` itself goes on: callers make sure a late result is harmless.
 */
export function waitFor<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  deadline?: number,
  timeoutMs?: number,
): Promise<T> {
  const timed = deadline !== undefined && Number.isFinite(deadline);
  if (!signal && !timed) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => fail(abortErrorFrom(signal!));
    const cleanUp = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: Error) => {
      cleanUp();
      reject(error);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timed) {
      timer = setTimeout(
        () => fail(new TimeoutError(timeoutMs ?? 0)),
        Math.max(0, deadline - performance.now()),
      );
    }
    work.then(
      (value) => {
        cleanUp();
        resolve(value);
      },
      (error: unknown) => {
        cleanUp();
        reject(error);
      },
    );
  });
}

// A round trip already under way gets this much beyond the caller's deadline while Redis is
// connected: a reply is coming, and cutting it off would turn "nothing yet" into a false timeout.
const ROUND_TRIP_GRACE_MS = 1000;

/**
 * The deadline for work on the shared connection: the caller's own while Redis is unreachable (the
 * command would sit in the offline queue), a little later while it is connected.
 */
export function sharedDeadline(deadline: number, connected: boolean): number {
  return connected ? deadline + ROUND_TRIP_GRACE_MS : deadline;
}
