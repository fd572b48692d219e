// The soak: one redis-ipc consumer process through a million tasks (at-least-once by default), on
// the bench's own throwaway redis-server. Reports the consumer's RSS and heap after the run against
// the same process idle, how memory moved along the run, and whether the process exits by itself
// once close() has resolved (no timer, socket or listener left). Exit code 0 when RSS stayed within
// the target and the process exited by itself, 1 otherwise, 2 on a bad argument.
//
// Usage (from tools/bench, packages built):
//   node --import tsx src/memory/soak.ts [--tasks 1000000] [--concurrency 64]
//     [--delivery at-least-once|at-most-once] [--samples 10] [--node-flags "--trace-gc"] [--target-mb 10]
// `--samples 0` takes no readings along the run (each one forces collections).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@redis-ipc/core';
import { createWriteQueue } from '@redis-ipc/queue';
import { BenchServer } from '../harness/bench-server.js';
import { inFlight } from '../harness/clock.js';
import { makeTask, type Task } from '../harness/payload.js';
import type { MemorySample, SoakLines } from './soak-consumer.js';

const MB = 1024 * 1024;
const BATCH = 1000;
// A process that has not exited this long after close() resolved is held open by something.
const EXIT_BOUND_MS = 5000;

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '64' },
    delivery: { type: 'string', default: 'at-least-once' },
    'node-flags': { type: 'string', default: '' },
    'target-mb': { type: 'string', default: '10' },
    samples: { type: 'string', default: '10' },
    'settle-ms': { type: 'string', default: '300' },
  },
});
const tasks = Number(values.tasks);
const concurrency = Number(values.concurrency);
const targetMb = Number(values['target-mb']);
if (
  !(Number.isInteger(tasks) && tasks > 0) ||
  !(Number.isInteger(concurrency) && concurrency > 0) ||
  !(targetMb >= 0) ||
  (values.delivery !== 'at-least-once' && values.delivery !== 'at-most-once')
) {
  console.error(
    'usage: soak.ts [--tasks N] [--concurrency N] [--delivery at-least-once|at-most-once] [--target-mb N]',
  );
  process.exit(2);
}

const mb = (bytes: number) => (bytes / MB).toFixed(1);
const row = (label: string, s: MemorySample, idle: MemorySample) =>
  `| ${label} | ${mb(s.rss)} | ${mb(s.rss - idle.rss)} | ${mb(s.rssPages)} | ${mb(s.rssPages - idle.rssPages)} | ${mb(s.lazyFree)} | ${mb(s.rssAnon - idle.rssAnon)} | ${mb(s.rssFile - idle.rssFile)} | ${mb(s.heapUsed)} | ${mb(s.heapTotal)} | ${mb(s.external)} | ${mb(s.v8Malloced)} |`;

const server = await BenchServer.start();
const name = 'soak';
const script = fileURLToPath(new URL('./soak-consumer.ts', import.meta.url));
const nodeFlags = values['node-flags'].split(' ').filter(Boolean);
const child = spawn(
  process.execPath,
  [
    '--expose-gc',
    ...nodeFlags,
    '--import',
    'tsx',
    script,
    server.url,
    name,
    String(tasks),
    String(concurrency),
    values.delivery,
    values.samples,
    values['settle-ms'],
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
const lines = new Map<string, unknown[]>();
const waiters = new Map<string, () => void>();
createInterface({ input: child.stdout }).on('line', (line) => {
  const space = line.indexOf(' ');
  const keyword = space < 0 ? line : line.slice(0, space);
  if (!['idle', 'sample', 'done', 'closed'].includes(keyword)) {
    // --trace-gc and the like print on stdout: pass them on.
    console.error(line);
    return;
  }
  lines.set(keyword, [...(lines.get(keyword) ?? []), JSON.parse(line.slice(space + 1))]);
  waiters.get(keyword)?.();
});
const line = <K extends keyof SoakLines>(keyword: K, timeoutMs: number): Promise<SoakLines[K]> =>
  new Promise((resolve, reject) => {
    const take = () => resolve(lines.get(keyword)![0] as SoakLines[K]);
    if (lines.has(keyword)) return take();
    const timer = setTimeout(
      () => reject(new Error(`no "${keyword}" line within ${timeoutMs} ms`)),
      timeoutMs,
    );
    waiters.set(keyword, () => {
      clearTimeout(timer);
      take();
    });
    exited.then((code) => reject(new Error(`consumer exited (${code}) before "${keyword}"`)));
  });

let failed = false;
try {
  const idle = await line('idle', 30_000);
  const ipc = await createClient(server.url).connect();
  const queue = createWriteQueue<Task>(ipc, name);
  const started = performance.now();
  await inFlight(Math.ceil(tasks / BATCH), 4, (b) => {
    const batch: Task[] = [];
    for (let i = b * BATCH; i < Math.min(tasks, (b + 1) * BATCH); i++) batch.push(makeTask(i));
    return queue.pushMany(batch);
  });
  await ipc.close();
  const done = await line('done', Math.max(60_000, tasks / 5));
  const seconds = (performance.now() - started) / 1000;
  const closed = await line('closed', 15_000);
  const exitStarted = performance.now();
  const code = await Promise.race([
    exited,
    new Promise<'held'>((r) => setTimeout(() => r('held'), EXIT_BOUND_MS)),
  ]);
  const exitMs = performance.now() - exitStarted;
  const growth = (done.rss - idle.rss) / MB;
  const exitedByItself = code === 0;
  failed = growth > targetMb || !exitedByItself;

  const samples = (lines.get('sample') ?? []) as MemorySample[];
  console.log(
    [
      `## Soak: one ${values.delivery} consumer process, ${tasks.toLocaleString('en')} tasks, concurrency ${concurrency}`,
      '',
      `${seconds.toFixed(1)} s (${Math.round(tasks / seconds).toLocaleString('en')} tasks/s), consumer CPU ${(done.cpuMs / 1000).toFixed(1)} s ` +
        `(${((done.cpuMs * 1000) / tasks).toFixed(1)} µs a task). Every reading after two forced collections.`,
      '',
      '| when | RSS MB | over idle, MB | RSS by page MB | over idle, MB | lazily freed MB | anonymous over idle, MB | file-backed over idle, MB | heap used MB | heap reserved MB | external MB | V8 malloc MB |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
      row('idle: connected, waiting', idle, idle),
      ...samples.map((s) => row(`after ${s.tasks.toLocaleString('en')} tasks`, s, idle)),
      row(`after all ${done.tasks.toLocaleString('en')} tasks`, done, idle),
      '',
      `RSS before the collection at the end: ${mb(done.rssBeforeGc)} MB; after a last-resort collection too (V8 hands back the pages it keeps for reuse): ${mb(done.rssPagesAfterLastResortGc)} MB, ${mb(done.rssPagesAfterLastResortGc - idle.rssPages)} MB over idle.`,
      `RSS after the run over idle: ${growth.toFixed(1)} MB (target ≤ ${targetMb} MB): ${growth <= targetMb ? 'met' : 'missed'}.`,
      `close() took ${closed.closeMs.toFixed(0)} ms; left active: ${closed.activeResources.length === 0 ? 'nothing' : closed.activeResources.join(', ')}; ` +
        (exitedByItself
          ? `the process exited by itself ${exitMs.toFixed(0)} ms later.`
          : `the process did not exit by itself within ${EXIT_BOUND_MS} ms (${String(code)}).`),
    ].join('\n'),
  );
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  if (child.exitCode === null) child.kill('SIGKILL');
  await server.stop();
}
process.exit(failed ? 1 : 0);
