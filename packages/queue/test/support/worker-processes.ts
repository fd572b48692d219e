import { fileURLToPath } from 'node:url';
import type { IpcClient, IpcClientOptions } from '@redis-ipc/core';
import { type NodeChild, spawnNode, type TestContext } from '@redis-ipc/testing';
import { afterEach } from 'vitest';
import { createWriteQueue } from '../../src/index.js';
import { queueContext } from './connect.js';

// Child processes import the package by name (its build): run `pnpm tsup` first.
const fixture = fileURLToPath(new URL('../fixtures/worker.ts', import.meta.url));

/** Settings of one `fixtures/worker.ts` process (see its header). */
export interface WorkerSettings {
  concurrency?: number;
  prefetch?: number;
  leaseMs?: number;
  maxDeliveries?: number;
  busyMs?: number;
  asyncBusyMs?: number;
  crashOn?: number;
  crashAfterMs?: number;
  blockUntil?: string;
  holdMs?: number;
  explicitAck?: boolean;
}

/** Runs per task number, from the "run <n> <deliveries>" lines of every worker: the deliveries seen. */
export function runs(workers: readonly NodeChild[]): Map<number, number[]> {
  const seen = new Map<number, number[]>();
  for (const worker of workers) {
    for (const line of worker.lines) {
      const match = /^run (\d+) (\d+)$/.exec(line);
      if (!match) continue;
      const n = Number(match[1]);
      seen.set(n, [...(seen.get(n) ?? []), Number(match[2])]);
    }
  }
  return seen;
}

/** A test context for queue tests with consumer processes on the queue `jobs`, killed after each test. */
export function workerProcesses(label: string): {
  readonly t: TestContext<IpcClient, IpcClientOptions>;
  startWorker(settings: WorkerSettings): Promise<NodeChild>;
  push(count: number): Promise<string[]>;
} {
  const t = queueContext(label);
  const workers: NodeChild[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
  });
  return {
    t,
    async startWorker(settings) {
      const worker = spawnNode(fixture, { args: [t.url, t.prefix, 'jobs', JSON.stringify(settings)] });
      workers.push(worker);
      await worker.waitForLine(/^ready /, 20_000);
      return worker;
    },
    push: (count) =>
      createWriteQueue<{ n: number }>(t.ipc, 'jobs').pushMany(
        Array.from({ length: count }, (_, n) => ({ n })),
      ),
  };
}
