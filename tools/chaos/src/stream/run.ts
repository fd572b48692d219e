import { createClient } from '@redis-ipc/core';
import { createConsumerGroup, type StreamDeadLetter } from '@redis-ipc/stream';
import { type RunContext, sleep } from '../run/context.js';
import { readJournals } from '../run/journal.js';
import { restartServer } from '../run/restart.js';
import { stopServer } from '../run/server-stop.js';
import { type Supervisor, supervisorFor } from '../run/supervisor.js';
import type { StreamFault, StreamPlan } from './plan.js';

/** What a stream run leaves for the checker besides the journals. */
export interface StreamRunResult {
  /** The group's dead letters at the end (none read when the group or stream was removed). */
  readonly deadLetters: readonly StreamDeadLetter[];
  /** The group's pending count after every member closed (undefined when the group is gone). */
  readonly pending: number | undefined;
  readonly settled: boolean;
}

const LIFETIME_MS = 90_000;
const SETTLE_DEADLINE_MS = 35_000;
const QUIET_MS = 1500;
const POLL_MS = 250;

/** Runs one stream plan: fan-out readers, group members, one publisher, the faults on schedule. */
export async function runStream(ctx: RunContext, plan: StreamPlan): Promise<StreamRunResult> {
  const supervisor = supervisorFor(ctx, LIFETIME_MS);
  const ipc = createClient(ctx.server.url);
  ipc.on('error', () => {});
  const key = ipc.keys.structure('s', plan.stream).main;
  try {
    const readers = Array.from({ length: plan.readers }, (_, i) =>
      supervisor.start(`reader-${i}`, 'stream/reader.ts', 'fanOutReader', { stream: plan.stream }),
    );
    const members = plan.members.map((concurrency, i) =>
      supervisor.start(`member-${i}`, 'stream/member.ts', 'groupMember', {
        stream: plan.stream,
        group: plan.group,
        settings: plan.settings,
        concurrency,
      }),
    );
    // Readers read from the start and the group starts at '0': the publisher need not wait for them.
    const publisherReady = supervisor.start('publisher-0', 'stream/publisher.ts', 'publisher', {
      stream: plan.stream,
      maxLen: plan.maxLen,
      batches: plan.batches,
    });
    await Promise.all([...readers, ...members]);
    const publisher = await publisherReady;
    const started = Date.now();
    ctx.journal.write('go');
    const faults = Promise.all(
      plan.faults.map((fault) =>
        sleep(fault.atMs).then(() => inject(ctx, supervisor, fault, key, plan.group)),
      ),
    );
    await publisher.done;
    await faults;
    const groupState = () => pendingAndLag(ctx, key, plan.group);
    const settled = await settle(ctx, groupState, started + SETTLE_DEADLINE_MS);
    ctx.journal.write(settled ? 'settled' : 'not-settled');
    await supervisor.finishAll(8000);
    const removed = plan.faults.some((f) => f.kind === 'delete' || f.kind === 'destroy-group');
    let deadLetters: StreamDeadLetter[] = [];
    if (!removed) {
      const observer = createConsumerGroup(ipc, plan.stream, plan.group, 'checker');
      observer.on('error', () => {});
      deadLetters = await observer.deadLetters({ count: 100_000 });
      await observer.close({ timeoutMs: 1000 });
    }
    const state = await groupState();
    return { deadLetters, pending: state?.pending, settled };
  } finally {
    await supervisor.finishAll(0);
    await ipc.close().catch(() => {});
  }
}

async function inject(
  ctx: RunContext,
  supervisor: Supervisor,
  fault: StreamFault,
  key: string,
  group: string,
): Promise<void> {
  switch (fault.kind) {
    case 'kill':
      return supervisor.kill(fault.target, fault.respawnMs);
    case 'stop':
      return supervisor.stop(fault.target, fault.durationMs);
    case 'client-kill':
      return supervisor.cutConnections(fault.target);
    case 'restart':
      return restartServer(ctx, fault.hard);
    case 'server-stop':
      return stopServer(ctx, fault.durationMs);
    case 'delete':
      ctx.journal.write('fault', { kind: 'delete' });
      await ctx.command(['DEL', key]);
      return;
    case 'destroy-group':
      ctx.journal.write('fault', { kind: 'destroy-group' });
      await ctx.command(['XGROUP', 'DESTROY', key, group]).catch(() => {});
      return;
  }
}

/** The group's pending count and lag (XINFO GROUPS), or undefined when the group does not exist. */
async function pendingAndLag(
  ctx: RunContext,
  key: string,
  group: string,
): Promise<{ pending: number; lag: number | null } | undefined> {
  let reply: unknown;
  try {
    reply = await ctx.command(['XINFO', 'GROUPS', key]);
  } catch {
    return undefined;
  }
  for (const info of Array.isArray(reply) ? reply : []) {
    const fields = toRecord(info);
    if (String(fields.name) !== group) continue;
    const lag = fields.lag === null || fields.lag === undefined ? null : Number(fields.lag);
    return { pending: Number(fields.pending), lag };
  }
  return undefined;
}

/** A RESP2 flat array, a RESP3 map or a plain object, as a record. */
function toRecord(info: unknown): Record<string, unknown> {
  if (info instanceof Map) return Object.fromEntries(info);
  if (Array.isArray(info)) {
    const record: Record<string, unknown> = {};
    for (let i = 0; i + 1 < info.length; i += 2) record[String(info[i])] = info[i + 1];
    return record;
  }
  return (info ?? {}) as Record<string, unknown>;
}

/** Waits until the journals are quiet and the group has nothing pending or unread, or `deadline`. */
async function settle(
  ctx: RunContext,
  groupState: () => Promise<{ pending: number; lag: number | null } | undefined>,
  deadline: number,
): Promise<boolean> {
  let lastLines = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(POLL_MS);
    const lines = readJournals(ctx.dir).filter((entry) => entry.proc !== 'checker').length;
    if (lines !== lastLines) {
      lastLines = lines;
      quietSince = Date.now();
    }
    const state = await groupState();
    const drained = state === undefined || (state.pending === 0 && (state.lag === null || state.lag === 0));
    if (drained && Date.now() - quietSince >= QUIET_MS) return true;
  }
  return false;
}
