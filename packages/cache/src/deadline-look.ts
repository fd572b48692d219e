import { waitFor } from '@redis-ipc/core/internal';

/**
 * How long a round trip made at a wait's deadline (waitFor's last look, getOrSet's look at the key and
 * its lock) may take beyond it. A server that answers nothing — stopped, or stalled by a long script —
 * keeps its sockets open: the client still counts as connected, and an unbounded look would hold the
 * caller until the server went on.
 */
export const LOOK_GRACE_MS = 500;

/**
 * Waits for `look`, an answer from Redis, until `LOOK_GRACE_MS` after `deadline` (a `performance.now()`
 * time; now by default, for a look made once the deadline has passed): rejects with TimeoutError of
 * `timeoutMs` (the caller's own) when no answer comes by then, AbortError when `signal` aborts. An
 * infinite deadline waits for the answer (or the signal). The look itself goes on; its caller makes
 * a late answer harmless.
 */
export function lookBeforeGivingUp<T>(
  look: Promise<T>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  deadline = performance.now(),
): Promise<T> {
  return waitFor(look, signal, deadline + LOOK_GRACE_MS, timeoutMs);
}
