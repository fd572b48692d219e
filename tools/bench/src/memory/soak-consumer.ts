// The soak's consumer process: one read queue processing `tasks` tasks with a handler that does
// nothing, reporting its memory idle, at every tenth of the run and at the end (each after two forced
// collections), then closing. It never exits on purpose: once close() has resolved it prints what
// still holds the event loop open and returns, so the parent sees whether it exits by itself.
// Usage: node --expose-gc --import tsx soak-consumer.ts <url> <queue> <tasks> <concurrency> <delivery> <samples> <settleMs>
import { readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { createClient } from '@redis-ipc/core';
import { createReadQueue } from '@redis-ipc/queue';
import { sleep } from '../harness/clock.js';
import type { Delivery } from '../queue/redis-ipc.js';

/** One memory reading, in bytes, taken after two full collections. */
export interface MemorySample {
  /** Tasks handled when it was taken. */
  readonly tasks: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Resident anonymous memory (heap, malloc, stacks): what a leak would grow. Linux only, else 0. */
  readonly rssAnon: number;
  /** Resident pages of mapped files (the node binary's code as it gets run): not a leak. */
  readonly rssFile: number;
  /**
   * RSS counted page by page (`/proc/self/smaps_rollup`): what is really mapped now. The figure above
   * comes from the kernel's running counters, which can lag behind pages already given back.
   */
  readonly rssPages: number;
  /** Pages given back with MADV_FREE that the kernel has not taken yet (`LazyFree`). */
  readonly lazyFree: number;
  /** Memory V8 has malloc'ed outside its heap (compiler zones and the like). */
  readonly v8Malloced: number;
}

/** What the consumer prints, one JSON object a line, each after a keyword. */
export interface SoakLines {
  /** `idle`: connected and waiting on the empty queue. */
  idle: MemorySample;
  /** `sample`: after each 1/samples of the tasks. */
  sample: MemorySample;
  /** `done`: every task handled, `settleMs` later. */
  done: MemorySample & {
    readonly rssBeforeGc: number;
    readonly cpuMs: number;
    /**
     * RSS (by page) after a last-resort collection as well, the one V8 runs under memory pressure: it
     * also hands back the pages V8 keeps for reuse, which an ordinary full collection leaves mapped.
     */
    readonly rssPagesAfterLastResortGc: number;
  };
  /** `closed`: close() resolved; what still keeps the event loop alive (should be nothing). */
  closed: { readonly closeMs: number; readonly activeResources: readonly string[] };
}

const [url, name, tasksArg, concurrencyArg, deliveryArg, samplesArg, settleArg] = process.argv.slice(2);
const tasks = Number(tasksArg);
const concurrency = Number(concurrencyArg);
const delivery = deliveryArg as Delivery;
// Readings along the run (each forces two collections, which may hand memory back early): 0 for none.
const samples = Number(samplesArg ?? 10);
// How long after the last task the final reading is taken (the bench's memory section waits 300 ms).
const settleMs = Number(settleArg ?? 300);

function print<K extends keyof SoakLines>(keyword: K, value: SoakLines[K]): void {
  writeSync(1, `${keyword} ${JSON.stringify(value)}\n`);
}

// With SOAK_SMAPS_DIR set, each reading also keeps a copy of /proc/self/smaps (`<tasks>.smaps`), to
// tell which mappings grew: V8's heap, malloc arenas, thread stacks, code.
const smapsDir = process.env.SOAK_SMAPS_DIR;

function measure(handled: number): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  const status = procStatus('/proc/self/status');
  const rollup = procStatus('/proc/self/smaps_rollup');
  if (smapsDir) writeFileSync(join(smapsDir, `${handled}.smaps`), readFileSync('/proc/self/smaps'));
  return {
    tasks: handled,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    rssAnon: status.RssAnon ?? 0,
    rssFile: (status.RssFile ?? 0) + (status.RssShmem ?? 0),
    rssPages: rollup.Rss ?? 0,
    lazyFree: rollup.LazyFree ?? 0,
    v8Malloced: getHeapStatistics().malloced_memory,
  };
}

// The `Name: N kB` fields of a /proc file, in bytes; empty where there is no /proc.
function procStatus(file: string): Record<string, number> {
  const fields: Record<string, number> = {};
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^(\w+):\s+(\d+) kB/.exec(line);
      if (match) fields[match[1]!] = Number(match[2]) * 1024;
    }
  } catch {
    // Not Linux: the two fields read 0.
  }
  return fields;
}

const ipc = await createClient({ url }).connect();
const queue = createReadQueue<unknown>(ipc, name!, { delivery });
const failed = new Promise<never>((_, reject) => {
  queue.on('failed', (event) => reject(event.error));
  queue.on('decode-error', reject);
});
let handled = 0;
let resolveDone: () => void = () => {};
const allHandled = new Promise<void>((resolve) => {
  resolveDone = resolve;
});
const step = samples > 0 ? Math.max(1, Math.floor(tasks / samples)) : Number.POSITIVE_INFINITY;
let sampleDue = false;
queue.process(
  () => {
    handled++;
    if (handled % step === 0 && handled < tasks) sampleDue = true;
    if (handled === tasks) resolveDone();
  },
  { concurrency },
);
await sleep(500);
print('idle', measure(0));
const cpuStart = process.cpuUsage();

// Samples are taken between tasks, on a timer, so the handler stays as cheap as the bench's.
const sampler = setInterval(() => {
  if (!sampleDue) return;
  sampleDue = false;
  print('sample', measure(handled));
}, 50);
await Promise.race([allHandled, failed]);
clearInterval(sampler);
const cpu = process.cpuUsage(cpuStart);
const rssBeforeGc = process.memoryUsage.rss();
await sleep(settleMs);
const final = measure(handled);
(globalThis as { gc?: (options: object) => void }).gc?.({
  type: 'major',
  execution: 'sync',
  flavor: 'last-resort',
});
await sleep(100);
const rssPagesAfterLastResortGc = procStatus('/proc/self/smaps_rollup').Rss ?? 0;
print('done', { ...final, rssBeforeGc, cpuMs: (cpu.user + cpu.system) / 1000, rssPagesAfterLastResortGc });

const closing = performance.now();
await queue.close();
await ipc.close();
const closeMs = performance.now() - closing;
// Timers and sockets released by close() are gone by the next turn of the loop.
await new Promise((resolve) => setImmediate(resolve));
print('closed', {
  closeMs,
  // stdout/stderr pipes are the process's own; anything else would keep it from exiting.
  activeResources: process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== 'PipeWrap' && kind !== 'TTYWrap'),
});
