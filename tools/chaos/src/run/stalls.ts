import type { Entry } from './journal.js';

/**
 * Whether process `proc`'s event loop stood still for a while within [from, to] (its journal's
 * `stall` entries, written when a 50 ms ticker ran late): a timer that fired late there is not broken.
 */
export function stalled(entries: readonly Entry[], proc: string, from: number, to: number): boolean {
  return entries.some(
    (e) => e.proc === proc && e.ev === 'stall' && e.t >= from && e.t - (e.ms as number) <= to,
  );
}
