// Recovery section: a consumer is SIGKILLed while it runs tasks; how long until another consumer has
// run them? redis-ipc with its defaults against BullMQ with its defaults.
import { type Case, type CaseResult, failuresOf, log, runCases } from '../harness/cases.js';
import { runRoles, startRole } from '../harness/child.js';
import { type BenchContext, selected } from '../harness/context.js';
import { num, type SectionReport, spreadText, table, targetsTable } from '../harness/report.js';
import { atMost, atMostTimes, figure } from '../harness/targets.js';
import type { RecoveryParams, SurvivorReport, VictimReport } from './roles.js';

const PEERS = [
  { key: 'redis-ipc', module: 'recovery/redis-ipc.ts', label: 'redis-ipc (defaults: 3 s lease)' },
  {
    key: 'bullmq',
    module: 'recovery/bullmq.ts',
    label: 'BullMQ (defaults: 30 s lock, 30 s stalled check)',
  },
] as const;
const TASKS = 200;
const HELD = 10;
// BullMQ may need two stalled-check periods (60 s) after the lock expired.
const DEADLINE_MS = 150_000;

function recoveryCase(ctx: BenchContext, peer: (typeof PEERS)[number]): Case {
  return {
    key: peer.key,
    label: peer.label,
    run: async (rep) => {
      await ctx.server.reset();
      const params: RecoveryParams = { name: `bench-r-${rep}`, n: TASKS, held: HELD };
      const url = ctx.server.url;
      await runRoles([startRole<number>(peer.module, 'producer', url, params, DEADLINE_MS)]);

      const victim = startRole<VictimReport>(peer.module, 'victim', url, params, DEADLINE_MS);
      const survivor = startRole<SurvivorReport>(peer.module, 'survivor', url, params, DEADLINE_MS);
      try {
        await victim.ready;
        victim.go();
        const { held } = (await victim.result).value;
        await survivor.ready;
        survivor.go();
        const killedAt = Date.now();
        victim.signal('SIGKILL');
        const { doneAt } = (await survivor.result).value;
        const times = held.map((id) => (doneAt[id] ?? Number.NaN) - killedAt);
        return {
          units: held.length,
          metrics: { firstMs: Math.min(...times), lastMs: Math.max(...times) },
        };
      } finally {
        survivor.finish();
        await Promise.all([victim.kill(0), survivor.kill(1000)]);
      }
    },
  };
}

function recoveryTable(results: Map<string, CaseResult>): string {
  const rows = PEERS.flatMap((peer) => {
    const result = results.get(peer.key);
    if (!result) return [];
    if (result.samples.length === 0) return [[peer.label, `failed: ${result.error ?? ''}`, '']];
    const seconds = (metric: string) => {
      const s = result.metric(metric);
      return spreadText({ ...s, median: s.median / 1000, min: s.min / 1000, max: s.max / 1000 }, 1);
    };
    return [[peer.label, seconds('firstMs'), seconds('lastMs')]];
  });
  return table(
    [
      'consumer',
      'first killed task run again, s after the kill',
      'all killed tasks run again, s after the kill',
    ],
    rows,
  );
}

/** Runs the recovery section and renders its table. */
export async function recoverySection(ctx: BenchContext): Promise<SectionReport> {
  const { sizes, quick } = ctx.options;
  // BullMQ needs up to a minute a repetition: quick runs (CI) measure redis-ipc alone.
  const peers = quick ? PEERS.filter((peer) => peer.key === 'redis-ipc') : PEERS;
  if (quick) log('[recovery] --quick: BullMQ left out (up to a minute per repetition)');
  const cases = selected(
    ctx,
    peers.map((peer) => recoveryCase(ctx, peer)),
  );
  const results = await runCases(
    'recovery',
    cases,
    sizes.reps,
    (s) => `killed tasks ran again ${num((s.metrics.lastMs ?? Number.NaN) / 1000, 1)} s after the kill`,
  );
  const ours = figure(results.get('redis-ipc'), 'lastMs');
  const bullmq = figure(results.get('bullmq'), 'lastMs');
  const seconds = (f: typeof ours) => f && { ...f, value: f.value / 1000 };
  const markdown = [
    '## Recovery',
    '',
    `${TASKS} tasks queued; a consumer process takes them with ${HELD} handlers that never finish and is killed with ` +
      `SIGKILL while it holds them; a second consumer process (concurrency 16) runs the queue. Measured: from the kill ` +
      'until the second consumer has run the killed one’s tasks. Both peers keep their default settings.',
    '',
    recoveryTable(results),
    '',
    '### Recovery targets',
    '',
    targetsTable(
      [
        atMost('redis-ipc: every killed task run again', seconds(ours), 5, 's'),
        atMostTimes(
          'redis-ipc vs BullMQ: every killed task run again',
          seconds(ours),
          seconds(bullmq),
          0.2,
          's',
        ),
      ],
      !quick,
    ),
  ].join('\n');
  return { markdown, failures: failuresOf('recovery', results) };
}
