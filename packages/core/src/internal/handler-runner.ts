/** Whether `value` is a promise or another thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * How long handlers may run back to back, in ms, before the loop that runs them gives way to the
 * event loop. Synchronous handlers, and async ones that never wait for I/O, complete in microtasks:
 * without a yield a burst of them keeps timers (lease renewal) and I/O (ack replies) waiting for as
 * long as the buffer lasts, and a live reader looks dead.
 */
export const HANDLER_SLICE_MS = 5;

// performance.now() when the current slice of back-to-back handler runs began; -1 when the event
// loop has turned since (a marker setImmediate resets it).
let sliceStart = -1;
const endSlice = () => {
  sliceStart = -1;
};
const yieldNow = (resolve: () => void) => setImmediate(resolve);

/**
 * Returns a promise to await before running the next handler when handlers in this process have run
 * for more than {@link HANDLER_SLICE_MS} since the event loop last turned, and `undefined` otherwise
 * (the common case costs one clock read). Shared by every loop in the process: the budget is the
 * event loop's, not a reader's.
 */
export function yieldIfBusy(): Promise<void> | undefined {
  const now = performance.now();
  if (sliceStart < 0) {
    sliceStart = now;
    setImmediate(endSlice);
    return undefined;
  }
  if (now - sliceStart < HANDLER_SLICE_MS) return undefined;
  return new Promise<void>(yieldNow);
}

/** What {@link runHandler} calls when the handler has finished. */
export interface HandlerOutcome {
  /** The handler returned, or its promise resolved. */
  returned(): void;
  /** The handler threw, or its promise rejected. */
  threw(error: unknown): void;
}

/**
 * Runs `handler(...args)` and reports how it ended. Returns a promise only when the handler returned
 * one (it settles after the outcome was reported, and never rejects), so a synchronous handler costs
 * no extra turn of the event loop; callers then await {@link yieldIfBusy} before the next run.
 */
export function runHandler<A extends unknown[]>(
  handler: (...args: A) => unknown,
  args: A,
  outcome: HandlerOutcome,
): Promise<void> | undefined {
  let result: unknown;
  try {
    result = handler(...args);
  } catch (error) {
    outcome.threw(error);
    return undefined;
  }
  if (!isThenable(result)) {
    outcome.returned();
    return undefined;
  }
  return Promise.resolve(result).then(
    () => outcome.returned(),
    (error: unknown) => outcome.threw(error),
  );
}
