import { msBetween, nowNs } from './clock.js';
import type { Task } from './payload.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';

/** What a consumer reports at the end of a run. */
export interface ConsumeReport {
  /** {@link nowNs} when the last distinct task was handled. */
  readonly doneAt: number;
  readonly distinct: number;
  /** Tasks handled more than once (allowed for at-least-once, but worth seeing). */
  readonly duplicates: number;
  readonly latency: LatencySummary;
}

/**
 * Counts the distinct tasks a consumer handled (a bitmap, no allocation per task), records their
 * hand-off latency, and resolves {@link Tracker.done} when all `n` have been seen.
 */
export class Tracker {
  readonly n: number;
  readonly done: Promise<ConsumeReport>;
  readonly #seen: Uint8Array;
  readonly #latency: LatencyRecorder;
  #distinct = 0;
  #duplicates = 0;
  #resolve!: (report: ConsumeReport) => void;

  /**
   * `warmup` first samples are left out of the latency figures. `latency: false` keeps no samples
   * (memory runs: the consumer's memory should be the library's, not ours).
   */
  constructor(n: number, warmup = 0, options: { latency?: boolean } = {}) {
    this.n = n;
    this.#seen = new Uint8Array(n);
    this.#latency = new LatencyRecorder(options.latency === false ? 0 : n, warmup);
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    if (n === 0) this.#finish();
  }

  /** Call once per task handled. */
  record(task: Task): void {
    const now = nowNs();
    const { id } = task;
    if (!(id >= 0 && id < this.n)) throw new Error(`task id out of range: ${id}`);
    if (this.#seen[id] === 1) {
      this.#duplicates++;
      return;
    }
    this.#seen[id] = 1;
    this.#latency.add(msBetween(task.sentAt, now));
    if (++this.#distinct === this.n) this.#finish(now);
  }

  get distinct(): number {
    return this.#distinct;
  }

  #finish(at = nowNs()): void {
    this.#resolve({
      doneAt: at,
      distinct: this.#distinct,
      duplicates: this.#duplicates,
      latency: this.#latency.summary(),
    });
  }
}

/**
 * Resolves with the tracker's report once every task was handled, or rejects as soon as one of the
 * consumer's loops fails (a consumer must not hang on a broken loop).
 */
export async function untilDone<R>(done: Promise<R>, loops: readonly Promise<unknown>[]): Promise<R> {
  const failed = new Promise<never>((_, reject) => {
    for (const loop of loops) loop.catch(reject);
  });
  return Promise.race([done, failed]);
}
