// The wake-up latency cases that run redis-ipc's waitFor and the hand-written SET + PUBLISH side by
// side (see side-by-side.ts), and their table.
import type { Case, CaseResult } from '../harness/cases.js';
import { runRoles, startRole } from '../harness/child.js';
import { type BenchContext, deadlineFor } from '../harness/context.js';
import { failedRow, ratioText, spreadText, table } from '../harness/report.js';
import { perRoundMedian } from '../harness/targets.js';
import type { WakeParams } from './roles.js';
import type { SideBySideReport } from './side-by-side.js';

/** Time between two writes in the wake-up runs, in ms. */
export const SPACINGS = [20, 1] as const;

// redis-ipc's waitFor and the hand-written SET + PUBLISH with the value, alternating write by write
// in one pair of processes (see side-by-side.ts): the figures the wake-up targets are judged on.
export function sideBySideCases(ctx: BenchContext): Case[] {
  const { sizes } = ctx.options;
  return SPACINGS.map((spacingMs) => ({
    key: `side@${spacingMs}`,
    label: `redis-ipc waitFor and raw SET + PUBLISH with value side by side, writes every ${spacingMs} ms`,
    run: async (rep: number) => {
      await ctx.server.reset();
      // As many waits on each side as the separate runs have.
      const n = 2 * (spacingMs === 1 ? sizes.wakeFast : sizes.wakeSlow);
      const params: WakeParams = {
        name: `bench-w-side-${rep}`,
        n,
        spacingMs,
        warmup: Math.max(2, Math.floor(n / 10)),
        variant: '',
      };
      const deadline = deadlineFor(ctx, n, 1000 / spacingMs / 4);
      const module = 'cache/side-by-side.ts';
      const reader = startRole<SideBySideReport>(module, 'reader', ctx.server.url, params, deadline);
      const writer = startRole<{ written: number }>(module, 'writer', ctx.server.url, params, deadline);
      const [read] = await runRoles([reader, writer] as const);
      const { ours, reference } = read.value;
      return {
        units: n,
        metrics: { p50: ours.p50, p99: ours.p99, refP50: reference.p50, refP99: reference.p99 },
      };
    },
  }));
}

export function sideBySideTable(results: Map<string, CaseResult>): string {
  const rows: string[][] = [];
  for (const spacingMs of SPACINGS) {
    const result = results.get(`side@${spacingMs}`);
    if (!result) continue;
    if (result.samples.length === 0) {
      rows.push(failedRow([`~${spacingMs} ms`], result.error, 7));
      continue;
    }
    const ratio = (ours: string, reference: string) =>
      ratioText(perRoundMedian(result, ours, reference, 'ratio'));
    rows.push([
      `~${spacingMs} ms`,
      spreadText(result.metric('p50'), 2),
      spreadText(result.metric('refP50'), 2),
      ratio('p50', 'refP50'),
      spreadText(result.metric('p99'), 2),
      spreadText(result.metric('refP99'), 2),
      ratio('p99', 'refP99'),
    ]);
  }
  return table(
    [
      'writes every',
      'waitFor p50 ms',
      'SET + PUBLISH p50 ms',
      'p50 ratio',
      'waitFor p99 ms',
      'SET + PUBLISH p99 ms',
      'p99 ratio',
    ],
    rows,
  );
}
