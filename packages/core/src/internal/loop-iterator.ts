const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/** The two ways a loop gets its next value. */
export interface LoopSteps<V> {
  /** Returns the next value at once when it is at hand, `undefined` otherwise. Must not throw. */
  fast(): V | undefined;
  /** Waits for the next value; `undefined` ends the loop. May reject (the loop then ends). */
  slow(): Promise<V | undefined>;
  /** Called once when the loop ends, however it ends. */
  finish?(): void;
}

/**
 * An async iterator that hands out values already at hand without an async generator's per-value
 * machinery (most values of a busy stream come out of a buffer), and waits only when it must.
 */
export function loopIterator<V>(steps: LoopSteps<V>): AsyncIterableIterator<V, undefined, undefined> {
  let done = false;
  const end = (): IteratorReturnResult<undefined> => {
    if (!done) {
      done = true;
      steps.finish?.();
    }
    return DONE;
  };
  const iterator: AsyncIterableIterator<V, undefined, undefined> = {
    next() {
      if (done) return Promise.resolve(DONE);
      const value = steps.fast();
      if (value !== undefined) return Promise.resolve({ value, done: false });
      return steps.slow().then(
        (next): IteratorResult<V, undefined> => (next === undefined ? end() : { value: next, done: false }),
        (error: unknown) => {
          end();
          throw error;
        },
      );
    },
    return() {
      return Promise.resolve(end());
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
