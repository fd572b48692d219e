import { inFlight, nowNs, paced } from '../harness/clock.js';
import { makeTask, type Task } from '../harness/payload.js';

/** Parameters of every queue producer. */
export interface ProducerParams {
  readonly name: string;
  readonly n: number;
  /** Pushes in flight at once (throughput runs). */
  readonly inFlight: number;
  /** When set, push at this steady rate instead (latency runs). */
  readonly perSecond?: number;
  /** Peer-specific setting, e.g. the node-redis timeout mode or the delivery guarantee. */
  readonly variant: string;
  /** Tasks sent to {@link warmUpName} before the measured part (throughput runs). @default 0 */
  readonly warmUp?: number;
}

/** Parameters of every queue consumer. */
export interface ConsumerParams {
  readonly name: string;
  readonly n: number;
  /** Tasks in the handler at once. */
  readonly concurrency: number;
  /** Latency samples to leave out at the start. */
  readonly warmup: number;
  readonly variant: string;
  /** Keep latency samples (not in memory runs). */
  readonly latency?: boolean;
}

/** What a producer reports. */
export interface ProduceReport {
  readonly startAt: number;
  readonly endAt: number;
}

/** The side queue a producer warms up on: nobody consumes it. */
export function warmUpName(name: string): string {
  return `${name}-warmup`;
}

/**
 * Sends `params.warmUp` tasks through `one` (which must write to {@link warmUpName}), as many in
 * flight as the measured part will have, so JIT compilation is done before the CPU clock starts.
 */
export async function warmUp(params: ProducerParams, one: (task: Task) => Promise<unknown>): Promise<void> {
  if (params.warmUp) await inFlight(params.warmUp, params.inFlight, (i) => one(makeTask(i)));
}

/**
 * Produces `params.n` tasks: `inFlight` pushes at a time, or one at a time at `perSecond` when set.
 * `many` (a batch API such as BullMQ's addBulk) is used for throughput runs when given.
 */
export async function produce(
  params: ProducerParams,
  one: (task: Task) => Promise<unknown>,
  many?: { size: number; inFlight: number; push: (tasks: Task[]) => Promise<unknown> },
): Promise<ProduceReport> {
  const startAt = nowNs();
  if (params.perSecond) {
    const pending: Promise<unknown>[] = [];
    await paced(params.n, params.perSecond, (i) => {
      pending.push(one(makeTask(i)));
    });
    await Promise.all(pending);
  } else if (many) {
    const batches = Math.ceil(params.n / many.size);
    await inFlight(batches, many.inFlight, (b) => {
      const tasks: Task[] = [];
      for (let i = b * many.size; i < Math.min(params.n, (b + 1) * many.size); i++) tasks.push(makeTask(i));
      return many.push(tasks);
    });
  } else {
    await inFlight(params.n, params.inFlight, (i) => one(makeTask(i)));
  }
  return { startAt, endAt: nowNs() };
}

/**
 * Runs `handle` over `items` with at most `limit` at once (for consumers that pop batches and then
 * hand the tasks to a handler, as a hand-written consumer with a concurrency setting would).
 */
export async function handleAll<T>(items: readonly T[], limit: number, handle: (item: T) => Promise<void>) {
  if (limit <= 1) {
    for (const item of items) await handle(item);
    return;
  }
  let next = 0;
  const worker = async () => {
    while (next < items.length) await handle(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
