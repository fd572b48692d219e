// Stream section: publish throughput, fan-out and consumer-group read throughput, and
// publish-to-delivery latency, for redis-ipc and hand-written node-redis.
import { type Case, type CaseResult, describeLatency, failuresOf, runCases } from '../harness/cases.js';
import { runRoles, startRole } from '../harness/child.js';
import { msBetween } from '../harness/clock.js';
import { type BenchContext, deadlineFor, selected } from '../harness/context.js';
import { taskBytes } from '../harness/payload.js';
import { callLines, topCalls } from '../harness/redis-stats.js';
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
import { atLeast, figure, pairedTarget } from '../harness/targets.js';
import type { ReadReport } from './raw.js';
import {
  type PublishParams,
  type PublishReport,
  READ_COUNT,
  type ReadParams,
  TRIMMED_MAX_LEN,
} from './roles.js';

interface StreamPeer {
  readonly id: string;
  readonly label: string;
  readonly module: string;
  readonly variant: string;
  readonly latency: boolean;
  /** Only for these operations (all when absent). */
  readonly only?: readonly Kind[];
}

const PEERS: readonly StreamPeer[] = [
  { id: 'ipc', label: 'redis-ipc', module: 'stream/redis-ipc.ts', variant: '', latency: true },
  {
    id: 'ipc-batch',
    label: 'redis-ipc, batch API',
    module: 'stream/redis-ipc.ts',
    variant: 'batch',
    latency: false,
    only: ['read', 'group'],
  },
  { id: 'raw', label: 'raw node-redis', module: 'stream/raw.ts', variant: 'default', latency: false },
  {
    id: 'raw-off',
    label: 'raw node-redis (timeout off)',
    module: 'stream/raw.ts',
    variant: 'off',
    latency: true,
  },
];

type Kind = 'publish' | 'read' | 'group';
const KINDS: readonly Kind[] = ['publish', 'read', 'group'];
const KIND_LABEL: Record<Kind, string> = {
  publish: 'publish (XADD MAXLEN ~)',
  read: 'fan-out read (XREAD BLOCK)',
  group: 'group read + ack (XREADGROUP + XACK)',
};
const IN_FLIGHT = 64;
const LATENCY_RATE = 1_000;

async function publish(ctx: BenchContext, peer: StreamPeer, params: PublishParams, metered: boolean) {
  const role = startRole<PublishReport>(
    peer.module,
    'publisher',
    ctx.server.url,
    params,
    deadlineFor(ctx, params.n, 2000),
  );
  const meter = ctx.server.meter();
  const [result] = await runRoles([role] as const, metered ? meter : {});
  return { result, redis: metered ? meter.result() : undefined };
}

function throughputCase(ctx: BenchContext, peer: StreamPeer, kind: Kind): Case {
  const { sizes } = ctx.options;
  const n = kind === 'publish' ? sizes.streamEvents : sizes.streamReadEvents;
  return {
    key: `${kind}:${peer.id}`,
    label: `${peer.label} ${KIND_LABEL[kind]}`,
    run: async (rep) => {
      await ctx.server.reset();
      const name = `bench-s-${peer.id}-${rep}`;
      const publishParams: PublishParams = {
        name,
        n,
        inFlight: kind === 'publish' ? IN_FLIGHT : 256,
        variant: peer.variant,
        warmUp: kind === 'publish' ? sizes.producerWarmUp : 0,
      };
      if (kind === 'publish') {
        const { result, redis } = await publish(ctx, peer, publishParams, true);
        const seconds = msBetween(result.value.startAt, result.value.endAt) / 1000;
        return {
          units: n,
          redis,
          metrics: { rate: n / seconds, callsPerEvent: redis!.totalCalls / n, clientCpuUs: result.cpuUs / n },
        };
      }
      // Reads drain a stream filled beforehand, so the figure is the reader's alone.
      await publish(ctx, peer, publishParams, false);
      const readParams: ReadParams & { live: boolean } = {
        name,
        n,
        warmup: 0,
        variant: peer.variant,
        live: false,
      };
      const reader = startRole<ReadReport>(
        peer.module,
        kind === 'group' ? 'groupReader' : 'reader',
        ctx.server.url,
        readParams,
        deadlineFor(ctx, n, 2000),
      );
      const meter = ctx.server.meter();
      const [read] = await runRoles([reader] as const, meter);
      const redis = meter.result();
      const seconds = msBetween(read.value.startAt, read.value.doneAt) / 1000;
      return {
        units: n,
        redis,
        metrics: { rate: n / seconds, callsPerEvent: redis.totalCalls / n, clientCpuUs: read.cpuUs / n },
      };
    },
  };
}

function latencyCase(ctx: BenchContext, peer: StreamPeer, kind: 'read' | 'group'): Case {
  const n = ctx.options.sizes.streamLatency;
  return {
    key: `${kind}:${peer.id}`,
    label: `${peer.label} ${KIND_LABEL[kind]} latency`,
    run: async (rep) => {
      await ctx.server.reset();
      const name = `bench-sl-${peer.id}-${rep}`;
      const deadline = deadlineFor(ctx, n, LATENCY_RATE / 2);
      const readParams: ReadParams & { live: boolean } = {
        name,
        n,
        warmup: Math.floor(n / 10),
        variant: peer.variant,
        live: true,
      };
      const reader = startRole<ReadReport>(
        peer.module,
        kind === 'group' ? 'groupReader' : 'reader',
        ctx.server.url,
        readParams,
        deadline,
      );
      const publishParams: PublishParams = {
        name,
        n,
        inFlight: 1,
        perSecond: LATENCY_RATE,
        variant: peer.variant,
      };
      const publisher = startRole<PublishReport>(
        peer.module,
        'publisher',
        ctx.server.url,
        publishParams,
        deadline,
      );
      const meter = ctx.server.meter();
      const [read] = await runRoles([reader, publisher] as const, meter);
      const redis = meter.result();
      return {
        units: n,
        redis,
        metrics: {
          p50: read.value.latency.p50,
          p99: read.value.latency.p99,
          callsPerEvent: redis.totalCalls / n,
        },
      };
    },
  };
}

// The keep-up case: a live producer with 64 in flight on a stream trimmed to TRIMMED_MAX_LEN, read
// as it comes by a group consumer in another process. A consumer that falls TRIMMED_MAX_LEN events
// behind loses events to trimming and never sees all `n`: the case then fails. Every consumer is fed
// by the same neutral producer (hand-written XADD, timeout off), so the ratio measures the consumer;
// publish has its own figures above.
const KEEP_UP_PEERS = ['ipc', 'raw-off'];

function keepUpCase(ctx: BenchContext, peer: StreamPeer): Case {
  const n = ctx.options.sizes.streamEvents;
  return {
    key: `keep-up:${peer.id}`,
    label: `${peer.label} group keeping up, MAXLEN ~ ${num(TRIMMED_MAX_LEN, 0)}`,
    run: async (rep) => {
      await ctx.server.reset();
      const name = `bench-sk-${peer.id}-${rep}`;
      const deadline = deadlineFor(ctx, n, 2000);
      const readParams: ReadParams & { live: boolean } = {
        name,
        n,
        warmup: 0,
        variant: peer.variant,
        live: true,
      };
      const reader = startRole<ReadReport>(peer.module, 'groupReader', ctx.server.url, readParams, deadline);
      const publishParams: PublishParams = {
        name,
        n,
        inFlight: IN_FLIGHT,
        maxLen: TRIMMED_MAX_LEN,
        variant: peer.variant,
        producer: 'hand-written',
      };
      const publisher = startRole<PublishReport>(
        peer.module,
        'publisher',
        ctx.server.url,
        publishParams,
        deadline,
      );
      const meter = ctx.server.meter();
      const [read, published] = await runRoles([reader, publisher] as const, meter);
      const redis = meter.result();
      const seconds = msBetween(published.value.startAt, read.value.doneAt) / 1000;
      return {
        units: n,
        redis,
        metrics: { rate: n / seconds, callsPerEvent: redis.totalCalls / n, clientCpuUs: read.cpuUs / n },
      };
    },
  };
}

function keepUpTable(results: Map<string, CaseResult>): string {
  const ref = figure(results.get('keep-up:raw-off'), 'rate');
  const rows: string[][] = [];
  for (const peer of PEERS) {
    const result = results.get(`keep-up:${peer.id}`);
    if (!result) continue;
    if (result.samples.length === 0) {
      rows.push(failedRow([peer.label], result.error, 5));
      continue;
    }
    const rate = result.metric('rate');
    rows.push([
      peer.label,
      spreadText(rate, 0),
      ref ? ratioText(rate.median / ref.value) : '–',
      num(result.metric('callsPerEvent').median, 3),
      num(result.metric('clientCpuUs').median, 1),
    ]);
  }
  return table(
    [
      'group consumer',
      'events/s',
      'ratio to raw (timeout off)',
      'Redis calls/event',
      'consumer CPU µs/event',
    ],
    rows,
  );
}

// Every command of the keep-up runs, not only the busiest: the gap check's extra calls (XINFO STREAM,
// the scripts behind EVALSHA) are rare per event but each costs a round trip.
function keepUpCallLines(results: Map<string, CaseResult>): string {
  const lines: string[] = [];
  for (const result of results.values()) {
    const { calls, units } = result.calls();
    if (units > 0) lines.push(`- ${result.label}: ${topCalls(calls, units, calls.size)}`);
  }
  return lines.join('\n');
}

function throughputTable(results: Map<string, CaseResult>): string {
  const rows: string[][] = [];
  for (const kind of KINDS) {
    const ref = figure(results.get(`${kind}:raw-off`), 'rate');
    for (const peer of PEERS) {
      const result = results.get(`${kind}:${peer.id}`);
      if (!result) continue;
      if (result.samples.length === 0) {
        rows.push(failedRow([KIND_LABEL[kind], peer.label], result.error, 6));
        continue;
      }
      const rate = result.metric('rate');
      rows.push([
        KIND_LABEL[kind],
        peer.label,
        spreadText(rate, 0),
        ref ? ratioText(rate.median / ref.value) : '–',
        num(result.metric('callsPerEvent').median, 3),
        num(result.metric('clientCpuUs').median, 1),
      ]);
    }
  }
  return table(
    [
      'operation',
      'client',
      'events/s',
      'ratio to raw (timeout off)',
      'Redis calls/event',
      'client CPU µs/event',
    ],
    rows,
  );
}

function latencyTable(results: Map<string, CaseResult>): string {
  const rows: string[][] = [];
  for (const kind of ['read', 'group'] as const) {
    for (const peer of PEERS) {
      const result = results.get(`${kind}:${peer.id}`);
      if (!result) continue;
      if (result.samples.length === 0) {
        rows.push(failedRow([KIND_LABEL[kind], peer.label], result.error, 4));
        continue;
      }
      rows.push([
        KIND_LABEL[kind],
        peer.label,
        spreadText(result.metric('p50'), 2),
        spreadText(result.metric('p99'), 2),
      ]);
    }
  }
  return table(['reader', 'client', 'p50 ms', 'p99 ms'], rows);
}

function targets(through: Map<string, CaseResult>, keepUp: Map<string, CaseResult>): TargetRow[] {
  const goals: Record<Kind, number> = { publish: 0.95, read: 0.9, group: 0.8 };
  const keepingUp = atLeast(
    `group keeps up with 64 in flight, MAXLEN ~ ${num(TRIMMED_MAX_LEN, 0)}, vs raw (timeout off)`,
    figure(keepUp.get('keep-up:ipc'), 'rate'),
    figure(keepUp.get('keep-up:raw-off'), 'rate', 'raw node-redis (timeout off)'),
    0.9,
    'events/s',
  );
  const rawPublish = [through.get('publish:raw-off'), through.get('publish:raw')];
  // Publishing is measured alone, so each repetition is compared with the references of its round.
  const publishing = [
    pairedTarget(`${KIND_LABEL.publish} vs raw`, through.get('publish:ipc'), rawPublish, 'rate', {
      factor: goals.publish,
      unit: 'events/s',
    }),
    pairedTarget(
      `${KIND_LABEL.publish} client CPU per event vs raw`,
      through.get('publish:ipc'),
      rawPublish,
      'clientCpuUs',
      { factor: 1, unit: 'µs', upTo: true },
    ),
  ];
  const reads = (['read', 'group'] as const).map((kind) =>
    atLeast(
      `${KIND_LABEL[kind]} vs raw (timeout off)`,
      figure(through.get(`${kind}:ipc`), 'rate'),
      figure(through.get(`${kind}:raw-off`), 'rate', 'raw node-redis (timeout off)'),
      goals[kind],
      'events/s',
    ),
  );
  return [...publishing, ...reads, keepingUp];
}

/** Runs the stream section and renders its tables. */
export async function streamSection(ctx: BenchContext): Promise<SectionReport> {
  const { sizes, quick } = ctx.options;
  const through = await runCases(
    'stream',
    selected(
      ctx,
      KINDS.flatMap((kind) =>
        PEERS.filter((peer) => !peer.only || peer.only.includes(kind)).map((peer) =>
          throughputCase(ctx, peer, kind),
        ),
      ),
    ),
    sizes.reps,
    (s) => `${num(s.metrics.rate ?? Number.NaN, 0)} events/s`,
  );
  const latency = await runCases(
    'stream',
    selected(
      ctx,
      (['read', 'group'] as const).flatMap((kind) =>
        PEERS.filter((p) => p.latency).map((peer) => latencyCase(ctx, peer, kind)),
      ),
    ),
    sizes.reps,
    describeLatency,
  );
  const keepUp = await runCases(
    'stream',
    selected(
      ctx,
      PEERS.filter((peer) => KEEP_UP_PEERS.includes(peer.id)).map((peer) => keepUpCase(ctx, peer)),
    ),
    sizes.reps,
    (s) => `${num(s.metrics.rate ?? Number.NaN, 0)} events/s`,
  );
  const failures = failuresOf('stream', through, latency, keepUp);
  const markdown = [
    '## Stream',
    '',
    `${taskBytes()}-byte events, MAXLEN ~ 1,000,000. Publish: ${num(sizes.streamEvents, 0)} events from one process, ${IN_FLIGHT} in flight. ` +
      `Reads: one reader process drains ${num(sizes.streamReadEvents, 0)} events published beforehand, from the stream's start ` +
      `(hand-written readers ask for ${READ_COUNT} entries a call, redis-ipc's default batch; the group reader acks each batch with one XACK). ` +
      "redis-ipc reads with its async iterator (fan-out) and `process` with 64 handlers (group); the 'batch API' lines use " +
      `\`nextBatch({ count: ${READ_COUNT} })\` and \`read({ count: ${READ_COUNT} })\` + one \`ack\` per batch, like the hand-written readers.`,
    '',
    throughputTable(through),
    '',
    'Where the Redis calls go, per event (all repetitions):',
    '',
    callLines([...through.values(), ...latency.values()]),
    '',
    `### Publish-to-delivery latency at ${num(LATENCY_RATE, 0)} events/s`,
    '',
    `${num(sizes.streamLatency, 0)} events published one at a time at a steady rate by one process, read by a waiting reader in another; ` +
      'the first 10% left out as warm-up.',
    '',
    latencyTable(latency),
    '',
    `### A group consumer keeping up with a trimmed stream`,
    '',
    `${num(sizes.streamEvents, 0)} events published by one process, ${IN_FLIGHT} in flight, on a stream trimmed to ` +
      `MAXLEN ~ ${num(TRIMMED_MAX_LEN, 0)} by the same hand-written producer (XADD, timeout off) for every consumer, so the ratio measures the consumer, ` +
      `read as they come by a group consumer in another process: redis-ipc's ` +
      `\`process\` with 64 handlers and its default batch, the hand-written reader \`XREADGROUP COUNT ${READ_COUNT}\` + one XACK per batch. ` +
      'Events/s from the first publish to the last event handled; a consumer that falls ' +
      `${num(TRIMMED_MAX_LEN, 0)} events behind loses events to trimming, never sees them all, and fails the case.`,
    '',
    keepUpTable(keepUp),
    '',
    'Where the Redis calls go, per event (all repetitions; the gap check and its corrections included):',
    '',
    keepUpCallLines(keepUp),
    '',
    '### Stream targets',
    '',
    targetsTable(targets(through, keepUp), !quick),
  ].join('\n');
  return { markdown, failures };
}
