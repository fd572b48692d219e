import type { RunContext } from './context.js';
import type { Verdict } from './verdict.js';

/** One kind of run: draws a plan from the seed, runs it, and checks its history. */
export interface Scenario {
  readonly name: string;
  run(ctx: RunContext): Promise<Verdict>;
}

/** A seed of its own per scenario, so adding a scenario does not change another's schedules. */
export function scenarioSeed(name: string, seed: number): number {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return (hash ^ Math.imul(seed, 2654435761)) >>> 0;
}
