import { waitFor } from './wait-for.js';

/**
 * Runs calls one after the other, in call order, so that concurrent reads of one reader take
 * consecutive events instead of racing for the same ones. A caller still waiting for its turn can
 * give up through its signal or deadline.
 */
export class SerialLock {
  #tail: Promise<void> = Promise.resolve();
  #holders = 0;

  /** True while a call runs or waits. */
  get busy(): boolean {
    return this.#holders > 0;
  }

  /** Resolves once every call queued so far has finished. */
  async drained(): Promise<void> {
    await this.#tail;
  }

  /**
   * Runs `fn` once every earlier call has finished. Rejects with the signal's AbortError, or with
   * TimeoutError(`timeoutMs`) when `deadline` (a `performance.now()` time) passes while waiting.
   */
  async run<R>(
    fn: () => Promise<R>,
    signal?: AbortSignal,
    deadline?: number,
    timeoutMs?: number,
  ): Promise<R> {
    const wasFree = this.#holders === 0;
    this.#holders++;
    const previous = this.#tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#tail = previous.then(() => mine);
    try {
      if (!wasFree) await waitFor(previous, signal, deadline, timeoutMs);
      return await fn();
    } finally {
      this.#holders--;
      release();
    }
  }
}
