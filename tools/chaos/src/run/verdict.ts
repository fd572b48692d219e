import type { Entry } from './journal.js';

/** One broken invariant. */
export interface Violation {
  /** Which invariant, e.g. `lost`, `unexplained-duplicate`. */
  readonly rule: string;
  /** What happened, in one sentence. */
  readonly message: string;
  /** The entries that show it: the offending item's history and the faults around it. */
  readonly history: readonly Entry[];
}

/** The outcome of checking one run. */
export interface Verdict {
  readonly scenario: string;
  readonly seed: number;
  /** The run's settings in one line (delivery, lease, processes, faults…). */
  readonly summary: string;
  readonly violations: readonly Violation[];
  /** Figures of the run (tasks, runs, duplicates, faults…), summed over seeds for the report. */
  readonly stats: Readonly<Record<string, number>>;
}

/** Formats a history for a failure report: times relative to the first entry, one line each. */
export function formatHistory(history: readonly Entry[], origin: number): string {
  return history
    .map((entry) => {
      const { t, ev, proc, ...fields } = entry;
      const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      return `    +${String(t - origin).padStart(6)} ms  ${proc.padEnd(14)} ${ev}${rest}`;
    })
    .join('\n');
}
