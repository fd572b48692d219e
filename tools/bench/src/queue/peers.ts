// The queue section's peers, and the settings every queue case shares.
import type { CaseResult } from '../harness/cases.js';
import type { BenchContext } from '../harness/context.js';

/** One consumer (and its producer) the queue section measures. */
export interface QueuePeer {
  readonly id: string;
  readonly label: string;
  readonly module: string;
  readonly variant: string;
  readonly handWritten: boolean;
  /** Also measured for hand-off latency. */
  readonly latency: boolean;
  /** Fast enough for `queueTasksLong` tasks a throughput run (see `Sizes`). */
  readonly long?: boolean;
}

/** Every consumer measured, redis-ipc first. */
export const PEERS: readonly QueuePeer[] = [
  {
    id: 'ipc-alo',
    label: 'redis-ipc at-least-once',
    module: 'queue/redis-ipc.ts',
    variant: 'at-least-once',
    handWritten: false,
    latency: true,
    long: true,
  },
  {
    id: 'ipc-amo',
    label: 'redis-ipc at-most-once',
    module: 'queue/redis-ipc.ts',
    variant: 'at-most-once',
    handWritten: false,
    latency: true,
    long: true,
  },
  {
    id: 'brpop',
    label: 'raw LPUSH + BRPOP',
    module: 'queue/raw-brpop.ts',
    variant: 'default',
    handWritten: true,
    latency: true,
  },
  {
    id: 'brpop-off',
    label: 'raw LPUSH + BRPOP (timeout off)',
    module: 'queue/raw-brpop.ts',
    variant: 'off',
    handWritten: true,
    latency: true,
  },
  {
    id: 'rpop',
    label: 'raw LPUSH + RPOP 100, a promise per task',
    module: 'queue/raw-rpop-batch.ts',
    variant: 'default',
    handWritten: true,
    latency: false,
  },
  {
    id: 'rpop-off',
    label: 'raw LPUSH + RPOP 100, a promise per task (timeout off)',
    module: 'queue/raw-rpop-batch.ts',
    variant: 'off',
    handWritten: true,
    latency: false,
    long: true,
  },
  {
    id: 'blmove',
    label: 'raw BLMOVE + LREM',
    module: 'queue/raw-blmove-lrem.ts',
    variant: 'default',
    handWritten: true,
    latency: false,
  },
  {
    id: 'blmove-off',
    label: 'raw BLMOVE + LREM (timeout off)',
    module: 'queue/raw-blmove-lrem.ts',
    variant: 'off',
    handWritten: true,
    latency: false,
  },
  {
    id: 'lua',
    label: 'raw Lua batch + lease ZSET',
    module: 'queue/raw-lua-batch.ts',
    variant: 'default',
    handWritten: true,
    latency: false,
  },
  {
    id: 'lua-off',
    label: 'raw Lua batch + lease ZSET (timeout off)',
    module: 'queue/raw-lua-batch.ts',
    variant: 'off',
    handWritten: true,
    latency: true,
    long: true,
  },
  {
    id: 'rpop-sync-off',
    label: 'raw batched LPUSH + RPOP 100, handled synchronously (timeout off)',
    module: 'queue/raw-rpop-sync.ts',
    variant: 'off',
    handWritten: true,
    latency: false,
    long: true,
  },
  {
    id: 'lua-lease-off',
    label: 'raw batched LPUSH + Lua take with server-time lease, handled synchronously (timeout off)',
    module: 'queue/raw-lua-lease.ts',
    variant: 'off',
    handWritten: true,
    latency: false,
    long: true,
  },
  {
    id: 'bullmq',
    label: 'BullMQ addBulk + Worker',
    module: 'queue/bullmq.ts',
    variant: '',
    handWritten: false,
    latency: true,
  },
  {
    id: 'bee',
    label: 'bee-queue',
    module: 'queue/bee-queue.ts',
    variant: '',
    handWritten: false,
    latency: true,
  },
];

export const CONCURRENCIES = [64, 1] as const;
// --quick runs each peer once, at concurrency 64, and measures latency for a few only: it only has
// to prove that every scenario still runs.
export const QUICK_LATENCY = new Set(['ipc-alo', 'ipc-amo', 'brpop-off']);
export const concurrencies = (ctx: BenchContext) =>
  ctx.options.quick ? CONCURRENCIES.slice(0, 1) : CONCURRENCIES;
export const measured = (results: Map<string, CaseResult>) =>
  CONCURRENCIES.filter((c) => [...results.keys()].some((key) => key.endsWith(`@${c}`)));
export const labelOf = (id: string) => PEERS.find((peer) => peer.id === id)?.label ?? id;
export const PRODUCER_IN_FLIGHT = 64;
export const LATENCY_RATE = 1_000;
