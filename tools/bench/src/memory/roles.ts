// A queue consumer that reports its memory once it has handled every task, after a collection,
// and a producer that gets a million tasks into the queue quickly (pushMany in batches).

import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { createClient } from '@redis-ipc/core';
import { createWriteQueue } from '@redis-ipc/queue';
import { inFlight, nowNs, sleep } from '../harness/clock.js';
import { makeTask, type Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import type { ConsumeReport } from '../harness/tracker.js';
import { consumer as queueConsumer } from '../queue/redis-ipc.js';
import type { ConsumerParams, ProduceReport, ProducerParams } from '../queue/roles.js';

/** Memory of the consumer process, in bytes. */
export interface MemoryReport {
  /** Resident set size after two full collections, once every task was handled. */
  readonly rss: number;
  /** The same, measured in the same process once it was connected and waiting, before any task. */
  readonly rssIdle: number;
  /** V8 heap in use at that idle moment (after the same collections). */
  readonly heapIdle: number;
  /** Resident set size before them (what `ps` would show at that moment). */
  readonly rssBeforeGc: number;
  readonly heapUsed: number;
  /** V8 heap reserved (young and old generations), used or not. */
  readonly heapTotal: number;
  /** Memory of Buffers and other objects outside the V8 heap. */
  readonly external: number;
  /** Garbage collections during the run (a measure of allocation per task). */
  readonly gcs: number;
  /** Peak of V8's own malloc'ed memory during the run. */
  readonly peakMalloced: number;
  readonly tasks: number;
}

const BATCH = 1000;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

export const consumer: Role<ConsumerParams, MemoryReport> = async (ctx) => {
  const inner = await queueConsumer({ ...ctx, params: { ...ctx.params, latency: false } });
  await sleep(500);
  collect();
  const idle = process.memoryUsage();
  const rssIdle = idle.rss;
  const heapIdle = idle.heapUsed;
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  return {
    run: async () => {
      observer.observe({ entryTypes: ['gc'] });
      const report: ConsumeReport = await inner.run();
      observer.disconnect();
      const rssBeforeGc = process.memoryUsage.rss();
      // Let pending acks and timers settle, as an idle consumer's would have.
      await sleep(300);
      collect();
      const usage = process.memoryUsage();
      return {
        rss: usage.rss,
        rssIdle,
        heapIdle,
        rssBeforeGc,
        heapUsed: usage.heapUsed,
        heapTotal: usage.heapTotal,
        external: usage.external,
        gcs,
        peakMalloced: getHeapStatistics().peak_malloced_memory,
        tasks: report.distinct,
      };
    },
    close: inner.close,
  };
};

export const producer: Role<ProducerParams, ProduceReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const queue = createWriteQueue<Task>(ipc, params.name);
  return {
    run: async () => {
      const startAt = nowNs();
      await inFlight(Math.ceil(params.n / BATCH), 4, (b) => {
        const tasks: Task[] = [];
        for (let i = b * BATCH; i < Math.min(params.n, (b + 1) * BATCH); i++) tasks.push(makeTask(i));
        return queue.pushMany(tasks);
      });
      return { startAt, endAt: nowNs() };
    },
    close: () => ipc.close(),
  };
};
