import { type RunContext, sleep } from '../run/context.js';
import { restartServer } from '../run/restart.js';
import { stopServer } from '../run/server-stop.js';
import { type Supervisor, supervisorFor } from '../run/supervisor.js';
import type { CacheFault, CachePlan } from './plan.js';

const LIFETIME_MS = 60_000;
// Waits still open at the end get this long to finish before the processes are asked to close.
const TAIL_MS = 1000;

/** Runs one cache plan: writers, waiter and loader processes, the faults on schedule. */
export async function runCache(ctx: RunContext, plan: CachePlan): Promise<void> {
  const supervisor = supervisorFor(ctx, LIFETIME_MS);
  const shared = { cache: plan.cache, codec: plan.codec, lockMs: plan.lockMs, seed: plan.seed };
  try {
    const waiters = Array.from({ length: plan.waiters }, (_, i) =>
      supervisor.start(`waiter-${i}`, 'cache/waiter.ts', 'cacheWaiter', {
        ...shared,
        keys: plan.keys,
        waitMs: plan.waitMs,
      }),
    );
    const loaders = Array.from({ length: plan.loaders }, (_, i) =>
      supervisor.start(`loader-${i}`, 'cache/loader.ts', 'cacheLoader', { ...shared, keys: plan.loadKeys }),
    );
    await Promise.all([...waiters, ...loaders]);
    const writers = await Promise.all(
      plan.writers.map((writes, i) =>
        supervisor.start(`writer-${i}`, 'cache/writer.ts', 'cacheWriter', { ...shared, writes }),
      ),
    );
    const started = Date.now();
    ctx.journal.write('go');
    const faults = Promise.all(
      plan.faults.map((fault) => sleep(fault.atMs).then(() => inject(ctx, supervisor, fault))),
    );
    await Promise.all(writers.map((writer) => writer.done));
    await faults;
    await sleep(Math.max(0, started + plan.durationMs - Date.now()) + TAIL_MS);
    ctx.journal.write('finish');
    await supervisor.finishAll(5000);
  } finally {
    await supervisor.finishAll(0);
  }
}

async function inject(ctx: RunContext, supervisor: Supervisor, fault: CacheFault): Promise<void> {
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
  }
}
