// Queue section: end-to-end throughput, hand-off latency at 1,000 tasks/s, and what each task
// costs Redis, for redis-ipc and every peer, at consumer concurrency 1 and 64.
import {
  type Case,
  type CaseResult,
  describeLatency,
  describeSideBySide,
  failuresOf,
  runCases,
  type Sample,
} from '../harness/cases.js';
import { runRoles, startRole } from '../harness/child.js';
import { msBetween } from '../harness/clock.js';
import { type BenchContext, deadlineFor, selected } from '../harness/context.js';
import { taskBytes } from '../harness/payload.js';
import { callLines } from '../harness/redis-stats.js';
import {
  failedRow,
  num,
  ratioText,
  type SectionReport,
  spreadText,
  type TargetRow,
  table,
  targetsTable,
} from '../harness/report.js';
import { atLeast, atMost, best, figure, pairedTarget, sideBySideTarget } from '../harness/targets.js';
import type { ConsumeReport } from '../harness/tracker.js';
import {
  concurrencies,
  LATENCY_RATE,
  labelOf,
  measured,
  PEERS,
  PRODUCER_IN_FLIGHT,
  QUICK_LATENCY,
  type QueuePeer,
} from './peers.js';
import type { ConsumerParams, ProduceReport, ProducerParams } from './roles.js';
import { SIDE_BY_SIDE, sideBySideCases, sideBySideTable } from './side-by-side-cases.js';

/** Runs one producer and one consumer process against a fresh server and measures them. */
async function runPair(
  ctx: BenchContext,
  peer: QueuePeer,
  rep: number,
  settings: { n: number; concurrency: number; perSecond?: number; warmup: number },
): Promise<Sample> {
  const { server } = ctx;
  await server.reset();
  const name = `bench-${peer.id}-${rep}`;
  const deadline = deadlineFor(ctx, settings.n, settings.perSecond ? settings.perSecond / 2 : 500);
  const consumerParams: ConsumerParams = {
    name,
    n: settings.n,
    concurrency: settings.concurrency,
    warmup: settings.warmup,
    variant: peer.variant,
  };
  const producerParams: ProducerParams = {
    name,
    n: settings.n,
    inFlight: PRODUCER_IN_FLIGHT,
    perSecond: settings.perSecond,
    variant: peer.variant,
    warmUp: settings.perSecond ? 0 : ctx.options.sizes.producerWarmUp,
  };
  const consumer = startRole<ConsumeReport>(peer.module, 'consumer', server.url, consumerParams, deadline);
  const producer = startRole<ProduceReport>(peer.module, 'producer', server.url, producerParams, deadline);
  const meter = server.meter();
  const [consumed, produced] = await runRoles([consumer, producer] as const, meter);
  const redis = meter.result();
  const n = settings.n;
  const seconds = msBetween(produced.value.startAt, consumed.value.doneAt) / 1000;
  return {
    units: n,
    redis,
    metrics: {
      rate: n / seconds,
      callsPerTask: redis.totalCalls / n,
      redisCpuUs: redis.cpuUs / n,
      consumerCpuUs: consumed.cpuUs / n,
      producerCpuUs: produced.cpuUs / n,
      p50: consumed.value.latency.p50,
      p99: consumed.value.latency.p99,
      duplicates: consumed.value.duplicates,
    },
  };
}

function throughputCases(ctx: BenchContext): Case[] {
  const { sizes } = ctx.options;
  return concurrencies(ctx).flatMap((concurrency) =>
    PEERS.map((peer) => ({
      key: `${peer.id}@${concurrency}`,
      label: `${peer.label} c${concurrency}`,
      run: (rep: number) =>
        runPair(ctx, peer, rep, {
          n: peer.long ? sizes.queueTasksLong : concurrency === 1 ? sizes.queueTasksSerial : sizes.queueTasks,
          concurrency,
          warmup: 0,
        }),
    })),
  );
}

function latencyCases(ctx: BenchContext): Case[] {
  const { sizes } = ctx.options;
  return concurrencies(ctx).flatMap((concurrency) =>
    PEERS.filter((peer) => peer.latency && (!ctx.options.quick || QUICK_LATENCY.has(peer.id))).map(
      (peer) => ({
        key: `${peer.id}@${concurrency}`,
        label: `${peer.label} c${concurrency} latency`,
        run: (rep: number) =>
          runPair(ctx, peer, rep, {
            n: sizes.latencyTasks,
            concurrency,
            perSecond: LATENCY_RATE,
            warmup: Math.floor(sizes.latencyTasks / 10),
          }),
      }),
    ),
  );
}

function throughputTable(results: Map<string, CaseResult>): string {
  const rows: string[][] = [];
  for (const concurrency of measured(results)) {
    const handBest = best(
      PEERS.filter((p) => p.handWritten).map((p) => figure(results.get(`${p.id}@${concurrency}`), 'rate')),
    );
    for (const peer of PEERS) {
      const result = results.get(`${peer.id}@${concurrency}`);
      if (!result) continue;
      if (result.samples.length === 0) {
        rows.push(failedRow([peer.label, String(concurrency)], result.error, 8));
        continue;
      }
      const rate = result.metric('rate');
      rows.push([
        peer.label,
        String(concurrency),
        spreadText(rate, 0),
        handBest ? ratioText(rate.median / handBest.value) : '–',
        num(result.metric('callsPerTask').median, 2),
        num(result.metric('redisCpuUs').median, 1),
        num(result.metric('consumerCpuUs').median, 1),
        num(result.metric('producerCpuUs').median, 1),
      ]);
    }
  }
  return table(
    [
      'consumer',
      'concurrency',
      'tasks/s, median (min–max)',
      'ratio to best hand-written',
      'Redis calls/task',
      'Redis CPU µs/task',
      'consumer CPU µs/task',
      'producer CPU µs/task',
    ],
    rows,
  );
}

function latencyTable(results: Map<string, CaseResult>): string {
  const rows: string[][] = [];
  for (const concurrency of measured(results)) {
    const raw = best(
      ['brpop', 'brpop-off'].map((id) => figure(results.get(`${id}@${concurrency}`), 'p50')),
      false,
    );
    for (const peer of PEERS) {
      const result = results.get(`${peer.id}@${concurrency}`);
      if (!result) continue;
      if (result.samples.length === 0) {
        rows.push(failedRow([peer.label, String(concurrency)], result.error, 5));
        continue;
      }
      const p50 = result.metric('p50');
      rows.push([
        peer.label,
        String(concurrency),
        spreadText(p50, 2),
        spreadText(result.metric('p99'), 2),
        raw ? `${p50.median - raw.value >= 0 ? '+' : ''}${(p50.median - raw.value).toFixed(2)}` : '–',
      ]);
    }
  }
  return table(['consumer', 'concurrency', 'p50 ms', 'p99 ms', 'p50 vs raw BRPOP, ms'], rows);
}

function targets(through: Map<string, CaseResult>, side: Map<string, CaseResult>): TargetRow[] {
  const rows: TargetRow[] = [];
  const rate = (id: string, c: number) => figure(through.get(`${id}@${c}`), 'rate', labelOf(id));
  const result = (id: string, c: number) => through.get(`${id}@${c}`);
  for (const c of measured(through)) {
    const alo = rate('ipc-alo', c);
    const amo = rate('ipc-amo', c);
    rows.push(
      pairedTarget(
        `at-least-once vs the strongest hand-written lease consumer, c${c}`,
        result('ipc-alo', c),
        [result('lua-lease-off', c), result('lua', c), result('lua-off', c)],
        'rate',
        { factor: 0.8, unit: 'tasks/s' },
      ),
      atLeast(`at-least-once vs BullMQ, c${c}`, alo, rate('bullmq', c), 6, 'tasks/s'),
      atMost(
        `at-least-once Redis calls per task, c${c}`,
        figure(through.get(`ipc-alo@${c}`), 'callsPerTask'),
        0.15,
        'calls',
      ),
      pairedTarget(
        `at-most-once vs the strongest hand-written RPOP 100 consumer, c${c}`,
        result('ipc-amo', c),
        [result('rpop-sync-off', c), result('rpop', c), result('rpop-off', c)],
        'rate',
        { factor: 0.9, unit: 'tasks/s' },
      ),
      atLeast(
        `at-most-once vs BRPOP loop, c${c}`,
        amo,
        best([rate('brpop', c), rate('brpop-off', c)]),
        2,
        'tasks/s',
      ),
      pairedTarget(
        `producer CPU per task (push) vs one pipelined LPUSH per task, c${c}`,
        result('ipc-alo', c),
        [result('brpop-off', c)],
        'producerCpuUs',
        { factor: 1, unit: 'µs', upTo: true },
      ),
    );
  }
  for (const c of measured(side)) {
    for (const { id } of SIDE_BY_SIDE) {
      const label = id === 'ipc-alo' ? 'at-least-once' : 'at-most-once';
      rows.push(
        sideBySideTarget(
          `${label} hand-off p50 at 1,000/s, c${c}`,
          side.get(`side-${id}@${c}`),
          { ours: 'p50', reference: 'refP50', referenceLabel: 'raw BRPOP loop (timeout off), side by side' },
          { margin: 0.05, unit: 'ms' },
        ),
      );
    }
  }
  return rows;
}

/** Runs the queue section and renders its tables. */
export async function queueSection(ctx: BenchContext): Promise<SectionReport> {
  const { sizes, quick } = ctx.options;
  const through = await runCases(
    'queue',
    selected(ctx, throughputCases(ctx)),
    sizes.reps,
    (s) =>
      `${num(s.metrics.rate ?? Number.NaN, 0)} tasks/s, ${num(s.metrics.callsPerTask ?? Number.NaN, 2)} calls/task`,
  );
  const latency = await runCases('queue', selected(ctx, latencyCases(ctx)), sizes.reps, describeLatency);
  const side = await runCases('queue', selected(ctx, sideBySideCases(ctx)), sizes.reps, describeSideBySide);
  const failures = failuresOf('queue', through, latency, side);
  const markdown = [
    '## Queue',
    '',
    `End-to-end throughput: ${num(sizes.queueTasks, 0)} tasks at consumer concurrency 64` +
      `${quick ? '' : `, ${num(sizes.queueTasksSerial, 0)} at concurrency 1`}` +
      `${quick ? '' : ` (${num(sizes.queueTasksLong, 0)} at either for redis-ipc and the raw RPOP 100 and Lua consumers, so that their windows last seconds)`}; ` +
      `every producer but BullMQ's and bee-queue's first sends ${num(sizes.producerWarmUp, 0)} tasks to a side queue, unmeasured, so that JIT compilation is not counted; ` +
      `${taskBytes()}-byte JSON tasks; the producer (its own process) keeps ${PRODUCER_IN_FLIGHT} pushes in flight ` +
      '(BullMQ and bee-queue: batches of 100, 2 in flight; the two strongest hand-written consumers are driven by a hand-written ' +
      'producer that batches the LPUSHes of one tick as redis-ipc does, so their ratio measures the consumer); the consumer ' +
      '(another process) has been waiting before the first push. Ratios marked “per-round median” compare each repetition ' +
      'with the references of the same round, then take the median. ' +
      'Time runs from the first push to the last task handled. ' +
      'Redis calls count every command Redis executed (`INFO commandstats`, commands run inside Lua scripts included), producer and consumer together.',
    '',
    throughputTable(through),
    '',
    'Where the Redis calls go, per task (concurrency 64, all repetitions):',
    '',
    callLines(PEERS.map((peer) => through.get(`${peer.id}@64`))),
    '',
    `### Hand-off latency at ${num(LATENCY_RATE, 0)} tasks/s`,
    '',
    `${num(sizes.latencyTasks, 0)} tasks pushed one at a time at a steady ${num(LATENCY_RATE, 0)}/s; latency from just before the push to the handler call ` +
      '(both stamped on the shared monotonic clock); the first 10% left out as warm-up.',
    '',
    latencyTable(latency),
    '',
    '### Hand-off latency side by side',
    '',
    'The runs above measure each consumer on its own, a repetition of one minutes away from the others. Here one producer ' +
      `process alternates every 20 tasks (20 ms) between redis-ipc's \`push\` and a hand-written LPUSH to a second list, at ${num(LATENCY_RATE, 0)}/s, ` +
      'and one consumer process runs the read queue and the BRPOP loops (as many connections as the concurrency) at once, ' +
      `${num(sizes.latencyTasks, 0)} tasks on each side: both meet the same moments of the machine. The hand-off targets are judged on these runs.`,
    '',
    sideBySideTable(side),
    '',
    '### Queue targets',
    '',
    targetsTable(targets(through, side), !quick),
  ].join('\n');
  return { markdown, failures };
}
