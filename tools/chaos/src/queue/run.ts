import { createClient } from '@redis-ipc/core';
import { createReadQueue, type DeadLetter, type QueueCounts } from '@redis-ipc/queue';
import { type RunContext, sleep } from '../run/context.js';
import { readJournals } from '../run/journal.js';
import { restartServer } from '../run/restart.js';
import { stopServer } from '../run/server-stop.js';
import { type Supervisor, supervisorFor } from '../run/supervisor.js';
import type { QueueFault, QueuePlan } from './plan.js';

/** What a queue run leaves for the checker besides the journals. */
export interface QueueRunResult {
  /** Counts after every consumer closed. */
  readonly counts: QueueCounts;
  readonly deadLetters: readonly DeadLetter[];
  /** Whether the queue went quiet before the deadline. */
  readonly settled: boolean;
}

const LIFETIME_MS = 90_000;
const SETTLE_DEADLINE_MS = 40_000;
const QUIET_MS = 1200;
const POLL_MS = 250;

/**
 * Runs one queue plan: consumer processes, then producers, the faults on their schedule, and waits
 * until the queue is empty and the journals quiet (or a deadline passes). Every process is ended
 * before it returns.
 */
export async function runQueue(ctx: RunContext, plan: QueuePlan): Promise<QueueRunResult> {
  const supervisor = supervisorFor(ctx, LIFETIME_MS);
  const ipc = createClient(ctx.server.url);
  ipc.on('error', () => {});
  // Never takes: only reads counts and dead letters.
  const observer = createReadQueue(ipc, plan.queue);
  observer.on('error', () => {});
  try {
    // Producers start pushing as soon as they are up, whether or not every consumer is.
    const consumers = plan.consumers.map((concurrency, i) =>
      supervisor.start(`consumer-${i}`, 'queue/consumer.ts', 'consumer', {
        queue: plan.queue,
        reader: plan.reader,
        concurrency,
      }),
    );
    const producers = plan.producers.map((batches, i) =>
      supervisor.start(`producer-${i}`, 'queue/producer.ts', 'producer', {
        queue: plan.queue,
        dedupeWindowMs: plan.dedupeWindowMs,
        batches,
      }),
    );
    await Promise.all(consumers);
    const pushing = await Promise.all(producers);
    const started = Date.now();
    ctx.journal.write('go');
    const faults = Promise.all(
      plan.faults.map((fault) => sleep(fault.atMs).then(() => inject(ctx, supervisor, fault))),
    );
    await Promise.all(pushing.map((p) => p.done));
    await faults;
    const settled = await settle(ctx, () => observer.counts(), started + SETTLE_DEADLINE_MS);
    ctx.journal.write(settled ? 'settled' : 'not-settled');
    await supervisor.finishAll(8000);
    const counts = await observer.counts();
    const deadLetters = await observer.deadLetters({ count: 100_000 });
    return { counts, deadLetters, settled };
  } finally {
    await supervisor.finishAll(0);
    await observer.close({ timeoutMs: 1000 }).catch(() => {});
    await ipc.close().catch(() => {});
  }
}

async function inject(ctx: RunContext, supervisor: Supervisor, fault: QueueFault): Promise<void> {
  if (fault.kind === 'kill') supervisor.kill(`consumer-${fault.consumer}`, fault.respawnMs);
  if (fault.kind === 'stop') await supervisor.stop(`consumer-${fault.consumer}`, fault.durationMs);
  if (fault.kind === 'client-kill') await supervisor.cutConnections(`consumer-${fault.consumer}`);
  if (fault.kind === 'restart') await restartServer(ctx, fault.hard);
  if (fault.kind === 'server-stop') await stopServer(ctx, fault.durationMs);
}

/**
 * Waits until nothing is waiting, delayed or in flight and no process has written anything for a
 * while (so no handler is still running), or until `deadline`.
 */
async function settle(
  ctx: RunContext,
  counts: () => Promise<QueueCounts>,
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
    const now = await counts().catch(() => undefined);
    const empty = now !== undefined && now.waiting + now.delayed + now.inFlight === 0;
    if (empty && Date.now() - quietSince >= QUIET_MS) return true;
  }
  return false;
}
