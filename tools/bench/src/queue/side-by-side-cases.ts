// The hand-off latency cases that run redis-ipc's read queues and the BRPOP loop side by side (see
// side-by-side.ts), and their table.
import type { Case, CaseResult } from '../harness/cases.js';
import { runRoles, startRole } from '../harness/child.js';
import { type BenchContext, deadlineFor } from '../harness/context.js';
import { failedRow, spreadText, table } from '../harness/report.js';
import { differenceText, perRoundMedian } from '../harness/targets.js';
import { CONCURRENCIES, concurrencies, LATENCY_RATE, labelOf, PRODUCER_IN_FLIGHT } from './peers.js';
import type { ConsumerParams, ProduceReport, ProducerParams } from './roles.js';
import type { SideBySideReport } from './side-by-side.js';

// Each read queue and the BRPOP loop side by side (see side-by-side.ts): the figures the hand-off
// targets are judged on.
export const SIDE_BY_SIDE = [
  { id: 'ipc-alo', delivery: 'at-least-once' },
  { id: 'ipc-amo', delivery: 'at-most-once' },
] as const;

export function sideBySideCases(ctx: BenchContext): Case[] {
  const { sizes } = ctx.options;
  return concurrencies(ctx).flatMap((concurrency) =>
    SIDE_BY_SIDE.map(({ id, delivery }) => ({
      key: `side-${id}@${concurrency}`,
      label: `${labelOf(id)} and raw BRPOP loop side by side c${concurrency} latency`,
      run: async (rep: number) => {
        await ctx.server.reset();
        const n = sizes.latencyTasks;
        const name = `bench-side-${id}-${rep}`;
        const deadline = deadlineFor(ctx, 2 * n, LATENCY_RATE);
        const module = 'queue/side-by-side.ts';
        const consumerParams: ConsumerParams = {
          name,
          n,
          concurrency,
          warmup: Math.floor(n / 10),
          variant: delivery,
        };
        const producerParams: ProducerParams = {
          name,
          n,
          inFlight: PRODUCER_IN_FLIGHT,
          perSecond: LATENCY_RATE,
          variant: '',
        };
        const consumer = startRole<SideBySideReport>(
          module,
          'consumer',
          ctx.server.url,
          consumerParams,
          deadline,
        );
        const producer = startRole<ProduceReport>(
          module,
          'producer',
          ctx.server.url,
          producerParams,
          deadline,
        );
        const [consumed] = await runRoles([consumer, producer] as const);
        const { ours, reference } = consumed.value;
        return {
          units: 2 * n,
          metrics: {
            p50: ours.latency.p50,
            p99: ours.latency.p99,
            refP50: reference.latency.p50,
            refP99: reference.latency.p99,
          },
        };
      },
    })),
  );
}

export function sideBySideTable(results: Map<string, CaseResult>): string {
  const rows: string[][] = [];
  for (const concurrency of CONCURRENCIES) {
    for (const { id } of SIDE_BY_SIDE) {
      const result = results.get(`side-${id}@${concurrency}`);
      if (!result) continue;
      if (result.samples.length === 0) {
        rows.push(failedRow([labelOf(id), String(concurrency)], result.error, 6));
        continue;
      }
      rows.push([
        labelOf(id),
        String(concurrency),
        spreadText(result.metric('p50'), 2),
        spreadText(result.metric('refP50'), 2),
        differenceText(perRoundMedian(result, 'p50', 'refP50', 'difference')),
        spreadText(result.metric('p99'), 2),
        spreadText(result.metric('refP99'), 2),
      ]);
    }
  }
  return table(
    [
      'consumer',
      'concurrency',
      'p50 ms',
      'raw BRPOP p50 ms',
      'p50 difference, ms',
      'p99 ms',
      'raw BRPOP p99 ms',
    ],
    rows,
  );
}
