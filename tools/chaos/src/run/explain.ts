import type { FaultTimeline } from './faults.js';

/** One started delivery of one item (a task, a group event), as far as explaining a re-run needs. */
export interface Delivery {
  readonly proc: string;
  readonly start: number;
  /** When the reader said Redis had its ack; undefined when unknown or never. */
  readonly acked?: number;
  /** When its handler failed (threw, timed out). */
  readonly failed?: number;
}

/** Why an item ran again, or undefined when nothing in the history explains it. */
export type RerunReason = 'retry' | 'fault';

/**
 * Why delivery `i` of an item happened although an earlier one had started:
 * - `'retry'`: the previous delivery failed before this one started;
 * - `'fault'`: a fault hit the process of an earlier delivery while it held the item (from shortly
 *   before it started — a copy held from before the fault, run after the process came back — until
 *   its ack was confirmed), or the server restarted or stood still in between, or this delivery's own process was
 *   hit shortly before it started;
 * - undefined: a healthy reader ran it again — a broken promise.
 */
export function explainRerun(
  deliveries: readonly Delivery[],
  i: number,
  faults: FaultTimeline,
  staleMs: number,
): RerunReason | undefined {
  const run = deliveries[i]!;
  const previous = deliveries[i - 1]!;
  if (previous.failed !== undefined && previous.failed <= run.start) return 'retry';
  // A fault of an earlier delivery's process while it held the item, or shortly before it started
  // (it then ran a copy it held from before the fault, after its lease had lapsed).
  for (const earlier of deliveries.slice(0, i)) {
    const unacked = earlier.acked ?? Number.POSITIVE_INFINITY;
    if (faults.of(earlier.proc, earlier.start - staleMs, run.start).some((f) => f.t <= unacked))
      return 'fault';
  }
  if (faults.restarts(deliveries[0]!.start, run.start).length > 0) return 'fault';
  if (faults.of(run.proc, run.start - staleMs, run.start).some((f) => f.label !== undefined)) return 'fault';
  return undefined;
}
