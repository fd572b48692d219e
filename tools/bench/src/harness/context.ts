import type { BenchServer } from './bench-server.js';
import type { Case } from './cases.js';
import type { BenchOptions } from './options.js';

/** What every section gets from main. */
export interface BenchContext {
  readonly server: BenchServer;
  readonly options: BenchOptions;
}

/** The cases `--filter` lets through (all when there is no filter). */
export function selected<C extends Case>(ctx: BenchContext, cases: readonly C[]): C[] {
  const { filter } = ctx.options;
  if (filter.length === 0) return [...cases];
  return cases.filter((c) => filter.some((f) => c.label.toLowerCase().includes(f.toLowerCase())));
}

/** How long a child may run before it is considered stuck. */
export function deadlineFor(ctx: BenchContext, units: number, slowestPerSecond: number): number {
  return Math.max(ctx.options.quick ? 30_000 : 60_000, Math.ceil((units / slowestPerSecond) * 1000) * 2);
}
