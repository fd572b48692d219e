import { setTimeout as delay } from 'node:timers/promises';

/**
 * Nanoseconds on the system-wide monotonic clock. Linux's CLOCK_MONOTONIC is shared by every process on
 * the machine, so a stamp taken by a producer can be compared with one taken by a consumer.
 */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Milliseconds between two {@link nowNs} stamps. */
export function msBetween(fromNs: number, toNs: number): number {
  return (toNs - fromNs) / 1e6;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/**
 * Calls `send(i)` for i = 0 … n-1 at a steady `perSecond` rate (timers fire at millisecond
 * granularity, so late ticks send every task that is due). Resolves when the last one was sent.
 */
export async function paced(n: number, perSecond: number, send: (i: number) => void): Promise<void> {
  const start = nowNs();
  const spacingNs = 1e9 / perSecond;
  let i = 0;
  while (i < n) {
    const now = nowNs();
    while (i < n && start + i * spacingNs <= now) send(i++);
    if (i < n) await sleep(Math.max(0, Math.floor((start + i * spacingNs - nowNs()) / 1e6)));
  }
}

/**
 * Runs `task(i)` for i = 0 … n-1 with at most `inFlight` unsettled at once; rejects on the first failure.
 */
export async function inFlight(
  n: number,
  limit: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}
