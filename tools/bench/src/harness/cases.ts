import { addCalls, type RedisDelta } from './redis-stats.js';
import { num } from './report.js';
import { type Spread, spread } from './stats.js';

/** What one repetition of a case measured. */
export interface Sample {
  /** Named figures, e.g. `rate`, `p50`, `callsPerTask`. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Redis's counters over the measured part, if read. */
  readonly redis?: RedisDelta;
  /** Units of work in this repetition (tasks, operations, events). */
  readonly units: number;
}

/** One line of a table: a peer in one setting, run once per repetition. */
export interface Case {
  /** Unique within the section. */
  readonly key: string;
  readonly label: string;
  run(rep: number): Promise<Sample>;
}

/** Every repetition of a case, or the error that stopped it. */
export class CaseResult {
  readonly key: string;
  readonly label: string;
  readonly samples: Sample[] = [];
  error: string | undefined;

  constructor(key: string, label: string) {
    this.key = key;
    this.label = label;
  }

  /** Median, min and max of a figure over the repetitions. */
  metric(name: string): Spread {
    return spread(this.samples.map((sample) => sample.metrics[name] ?? Number.NaN));
  }

  /** Redis commands by name, summed over every repetition, and the units they served. */
  calls(): { calls: Map<string, number>; units: number } {
    const calls = new Map<string, number>();
    let units = 0;
    for (const sample of this.samples) {
      if (!sample.redis) continue;
      addCalls(calls, sample.redis);
      units += sample.units;
    }
    return { calls, units };
  }
}

/** Logs progress on stderr (stdout carries the report). */
export function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

/**
 * Runs every case `reps` times, round-robin (case A, B, C, then A, B, C again…), so that a slow
 * moment of a shared machine spreads over every peer instead of hitting one. A case that fails is
 * recorded and not run again.
 */
export async function runCases(
  section: string,
  cases: readonly Case[],
  reps: number,
  describe: (sample: Sample) => string,
): Promise<Map<string, CaseResult>> {
  const results = new Map(cases.map((c) => [c.key, new CaseResult(c.key, c.label)]));
  for (let rep = 0; rep < reps; rep++) {
    for (const c of cases) {
      const result = results.get(c.key)!;
      if (result.error) continue;
      const started = Date.now();
      try {
        const sample = await c.run(rep);
        result.samples.push(sample);
        log(
          `[${section}] ${c.label} (${rep + 1}/${reps}): ${describe(sample)} in ${Date.now() - started} ms`,
        );
      } catch (error) {
        result.error = error instanceof Error ? error.message : String(error);
        log(`[${section}] ${c.label} (${rep + 1}/${reps}) FAILED: ${result.error}`);
      }
    }
  }
  return results;
}

/** How a latency sample is shown in the progress log. */
export function describeLatency(sample: Sample): string {
  return `p50 ${num(sample.metrics.p50 ?? Number.NaN, 2)} ms, p99 ${num(sample.metrics.p99 ?? Number.NaN, 2)} ms`;
}

/** How a side-by-side latency sample (ours `p50`/`p99`, the reference's `refP50`/`refP99`) is shown. */
export function describeSideBySide(sample: Sample): string {
  const ms = (name: string) => num(sample.metrics[name] ?? Number.NaN, 2);
  return `p50 ${ms('p50')} vs ${ms('refP50')} ms, p99 ${ms('p99')} vs ${ms('refP99')} ms`;
}

/** One line per case of the section that failed, for the run's failure list. */
export function failuresOf(section: string, ...results: ReadonlyArray<Map<string, CaseResult>>): string[] {
  return results
    .flatMap((map) => [...map.values()])
    .filter((r) => r.error)
    .map((r) => `${section}: ${r.label}: ${r.error}`);
}
