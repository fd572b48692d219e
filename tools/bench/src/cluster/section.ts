// Twelve queues spread over a 3-master cluster against the same twelve queues on one server: the
// throughput ratio, and Redis CPU per task on each node (whether the load spreads evenly, and what a
// cluster of real machines would gain; this machine's cores cap the wall-clock ratio).
import { type RedisCluster, startRedisCluster } from '@redis-ipc/testing';
import { createClient, createCluster, type RedisClientType } from 'redis';
import { log } from '../harness/cases.js';
import { runRoles, startRole } from '../harness/child.js';
import { msBetween } from '../harness/clock.js';
import type { BenchContext } from '../harness/context.js';
import { delta, type RedisDelta, type RedisSnapshot, snapshot } from '../harness/redis-stats.js';
import { num, type SectionReport, table } from '../harness/report.js';
import type { RoleResult } from '../harness/role.js';
import { type Spread, spread } from '../harness/stats.js';
import { clusterUrl, type ManyQueuesParams, type SpanReport } from './roles.js';

const QUEUES = 12;
// Processes on each side, each serving QUEUES / PROCESSES queues (as many producers as consumers).
const PROCESSES = 2;

interface Round {
  readonly rate: number;
  readonly redisCpuUsPerTask: number;
  /** Redis CPU per task of each node (µs), in node order. */
  readonly nodeCpuUs: readonly number[];
  /** Share of all commands each node ran. */
  readonly nodeShare: readonly number[];
}

export async function clusterSection(ctx: BenchContext): Promise<SectionReport> {
  const perQueue = ctx.options.quick ? 1_000 : 20_000;
  const reps = ctx.options.sizes.reps;
  const total = perQueue * QUEUES;
  const cluster = await startRedisCluster({ replicasPerMaster: 0 });
  const nodes = await Promise.all(cluster.nodes.map((node) => control(node.url)));
  const failures: string[] = [];
  const single: Round[] = [];
  const spreadOver: Round[] = [];
  try {
    const names = await namesSpreadEvenly(cluster, QUEUES);
    const groups = Array.from({ length: PROCESSES }, (_, p) => names.filter((_, i) => i % PROCESSES === p));
    const params = (group: readonly string[]): ManyQueuesParams => ({
      names: group,
      perQueue,
      inFlight: 16,
      concurrency: 16,
    });
    for (let rep = 0; rep < reps; rep++) {
      for (const topology of ['standalone', 'cluster'] as const) {
        try {
          const url =
            topology === 'cluster' ? clusterUrl(cluster.rootNodes.map((node) => node.url)) : ctx.server.url;
          const controls = topology === 'cluster' ? nodes : [];
          if (topology === 'cluster') await Promise.all(nodes.map(reset));
          else await ctx.server.reset();
          const before: RedisSnapshot[] = [];
          const after: RedisDelta[] = [];
          const deadline = ctx.options.quick ? 60_000 : 180_000;
          const roles = groups.flatMap((group) => [
            startRole<SpanReport>('cluster/roles.ts', 'consumer', url, params(group), deadline),
            startRole<SpanReport>('cluster/roles.ts', 'producer', url, params(group), deadline),
          ]);
          const meter = ctx.server.meter();
          const results = (await runRoles(roles, {
            beforeGo: async () => {
              if (topology === 'standalone') return meter.beforeGo();
              before.push(...(await Promise.all(controls.map((node) => snapshot(node)))));
            },
            afterResults: async () => {
              if (topology === 'standalone') return meter.afterResults();
              const now = await Promise.all(controls.map((node) => snapshot(node)));
              after.push(...now.map((snap, i) => delta(before[i]!, snap)));
            },
          })) as ReadonlyArray<RoleResult<SpanReport>>;
          const startAt = Math.min(...results.map((r) => r.value.startAt));
          const endAt = Math.max(...results.map((r) => r.value.endAt));
          const deltas = topology === 'cluster' ? after : [meter.result()];
          const calls = deltas.reduce((sum, d) => sum + d.totalCalls, 0);
          const round: Round = {
            rate: total / (msBetween(startAt, endAt) / 1000),
            redisCpuUsPerTask: deltas.reduce((sum, d) => sum + d.cpuUs, 0) / total,
            nodeCpuUs: deltas.map((d) => d.cpuUs / total),
            nodeShare: deltas.map((d) => d.totalCalls / calls),
          };
          (topology === 'cluster' ? spreadOver : single).push(round);
          log(`[cluster] ${topology} rep ${rep + 1}: ${num(round.rate)} tasks/s`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.push(`cluster section, ${topology}: ${message}`);
          log(`[cluster] ${topology} failed: ${message}`);
        }
      }
    }
  } finally {
    await Promise.all(nodes.map((node) => node.close().catch(() => node.destroy())));
    await cluster.stop();
  }
  return { markdown: report(single, spreadOver, perQueue), failures };
}

function report(single: readonly Round[], spreadOver: readonly Round[], perQueue: number): string {
  const med = (values: readonly number[]) => (values.length ? spread(values).median : Number.NaN);
  const text = (s: Spread) =>
    s.n === 0 ? '–' : s.n === 1 ? num(s.median) : `${num(s.median)} (${num(s.min)}–${num(s.max)})`;
  const rows = [single, spreadOver].map((rounds, i) => [
    i === 0 ? 'one server' : '3-master cluster',
    rounds.length ? text(spread(rounds.map((r) => r.rate))) : '–',
    rounds.length ? num(med(rounds.map((r) => r.redisCpuUsPerTask))) : '–',
    rounds.length
      ? rounds[0]!.nodeCpuUs.map((_, n) => num(med(rounds.map((r) => r.nodeCpuUs[n]!)))).join(' / ')
      : '–',
    rounds.length
      ? rounds[0]!.nodeShare
          .map((_, n) => `${num(med(rounds.map((r) => r.nodeShare[n]!)) * 100, 0)} %`)
          .join(' / ')
      : '–',
  ]);
  const ratio = med(spreadOver.map((r) => r.rate)) / med(single.map((r) => r.rate));
  return [
    '## Scaling out: 12 queues on one server vs a 3-master cluster',
    '',
    `${QUEUES} queues × ${perQueue.toLocaleString('en-US')} tasks, ${PROCESSES} producer and ${PROCESSES} consumer processes ` +
      `(each serving ${QUEUES / PROCESSES} queues, 16 pushes in flight and 16 handlers per queue), at-least-once. ` +
      'The queue names are picked so that each master owns four. Redis CPU per task is `INFO cpu` over the tasks of the run, ' +
      'per node on the cluster; the share is of all commands the nodes ran.',
    '',
    table(
      ['topology', 'tasks/s', 'Redis CPU µs/task (all nodes)', 'per node µs/task', 'commands per node'],
      rows,
    ),
    '',
    `Cluster / one server, throughput: ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'}×. On this machine every Redis ` +
      'process and every client share the same cores, so the wall-clock ratio is capped by the machine; the per-node CPU ' +
      'shows how the work divides: on machines of their own, each master would carry only its share of the Redis ' +
      'work, so the ceiling of one server (its single command thread) rises with the number of masters, less the ' +
      'extra cost per task the cluster shows here.',
  ].join('\n');
}

async function control(url: string): Promise<RedisClientType> {
  const client = createClient({ url, commandOptions: { timeout: 0 } }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  return client;
}

// The section's own cluster only: emptied and its counters reset between runs.
async function reset(node: RedisClientType): Promise<void> {
  await node.sendCommand(['FLUSHALL']);
  await node.sendCommand(['SCRIPT', 'FLUSH']);
  await node.sendCommand(['CONFIG', 'RESETSTAT']);
}

/** `count` queue names whose slots are spread evenly over the masters (default `ipc` prefix). */
async function namesSpreadEvenly(cluster: RedisCluster, count: number): Promise<string[]> {
  const admin = createCluster({ rootNodes: [...cluster.rootNodes] });
  admin.on('error', () => {});
  await admin.connect();
  try {
    const perMaster = new Map<string, number>();
    const quota = Math.ceil(count / admin.masters.length);
    const names: string[] = [];
    for (let i = 0; names.length < count && i < 1000; i++) {
      const name = `scale-${i}`;
      const slot = Number(await admin.sendCommand(name, true, ['CLUSTER', 'KEYSLOT', name]));
      const address = admin.slots[slot]!.master.address;
      const taken = perMaster.get(address) ?? 0;
      if (taken >= quota) continue;
      perMaster.set(address, taken + 1);
      names.push(name);
    }
    return names;
  } finally {
    admin.destroy();
  }
}
