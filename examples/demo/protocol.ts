/** What the demo's processes exchange. */

/** A work item: factor `n` using the prime table of its `batch`. */
export interface WorkItem {
  readonly n: number;
  readonly batch: number;
}

/** Progress events the workers publish, read by the monitor and the coordinator. */
export type ProgressEvent =
  | {
      readonly kind: 'done';
      readonly task: string;
      readonly worker: string;
      readonly deliveries: number;
      readonly factors: number[];
    }
  | { readonly kind: 'table-loaded'; readonly batch: number; readonly worker: string }
  /** The coordinator killed a worker (SIGKILL): its running tasks come back when its lease expires. */
  | { readonly kind: 'killed'; readonly worker: string };

/** What the producer leaves in the cache once every item is queued. */
export interface ProducerReport {
  readonly tasks: number;
  readonly batches: number;
}

/** The work must be done within this; every process of the demo bounds its waits by it. */
export const RUN_LIMIT_MS = 60_000;
/** Once the work is done (or the run limit passed), how long the processes get to leave. */
export const EXIT_GRACE_MS = 15_000;
/** The demo's hard bound: past it, it kills every process it started and exits 1. */
export const DEMO_LIMIT_MS = RUN_LIMIT_MS + EXIT_GRACE_MS + 5_000;

/**
 * For the demo's child processes: exit as soon as the coordinator that started them is gone (it opens
 * an IPC channel for this, which closes whatever ended the coordinator, even SIGKILL), without letting
 * that channel keep a process alive once its work is done.
 */
export function exitWithCoordinator(): void {
  if (!process.send) return;
  // Gone already while this process was still starting: the event will not come again.
  if (!process.connected) process.exit(1);
  process.once('disconnect', () => process.exit(1));
  process.channel?.unref();
}

/** Names of the structures, all under the run's own key prefix. */
export const QUEUE = 'work';
export const CACHE = 'shared';
export const STREAM = 'progress';
export const PRODUCER_DONE = 'producer-done';
export const FINISHED = 'finished';

/** The prime table of a batch: every prime below `limit`, computed once for all workers. */
export function primesBelow(limit: number): number[] {
  const sieve = new Uint8Array(limit);
  const primes: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (sieve[i]) continue;
    primes.push(i);
    for (let j = i * i; j < limit; j += i) sieve[j] = 1;
  }
  return primes;
}

/** Factors `n` with a prime table that reaches at least √n. */
export function factor(n: number, primes: readonly number[]): number[] {
  const factors: number[] = [];
  let rest = n;
  for (const p of primes) {
    if (p * p > rest) break;
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  if (rest > 1) factors.push(rest);
  return factors;
}
