// The redis-ipc demo: a producer, three worker processes and a monitor process cooperate through one
// Redis — a task queue for the work, a cache for shared intermediate results, a stream for progress.
// Midway one worker is killed with SIGKILL; its tasks come back to the others and nothing is lost.
// Exits non-zero if anything went wrong, so it doubles as a smoke test.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createIpc } from '@redis-ipc/ipc';
import { createClient } from 'redis';
import {
  CACHE,
  DEMO_LIMIT_MS,
  EXIT_GRACE_MS,
  FINISHED,
  type ProgressEvent,
  QUEUE,
  RUN_LIMIT_MS,
  STREAM,
} from './protocol.js';
import { startDemoServer } from './redis-server.js';

const TASKS = 2_000;
const BATCHES = 20;
const WORKERS = ['w1', 'w2', 'w3'];
const VICTIM = 'w2';
const KILL_AT = 0.35;

async function redisUrl(): Promise<{ url: string; stop: () => Promise<void> }> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, stop: async () => {} };
  try {
    const server = await startDemoServer();
    return { url: server.url, stop: () => server.stop() };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0] ?? '';
    const detail = reason.includes('not on the PATH') ? '' : ` (${reason})`;
    console.error(
      `The demo needs Redis: install redis-server (apt-get install redis-server) or set REDIS_URL=redis://host:port${detail}`,
    );
    process.exit(1);
  }
}

/** Deletes the run's keys (and only those) from the server. */
async function deleteRunKeys(url: string, prefix: string): Promise<void> {
  const redis = createClient({ url });
  redis.on('error', () => {});
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.unlink(keys);
    }
  } finally {
    redis.destroy();
  }
}

const children = new Map<string, ChildProcess>();
function start(name: string, script: string, args: string[], show: boolean): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args],
    {
      // The IPC channel lets a child notice when this process is gone, however it ended.
      stdio: ['ignore', show ? 'inherit' : 'pipe', 'pipe', 'ipc'],
    },
  );
  children.set(name, child);
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function waitForLine(name: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = children.get(name);
    let seen = '';
    child?.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
    child?.once('exit', () => reject(new Error(`${name} exited before it was ready`)));
  });
}

const { url, stop } = await redisUrl();
const prefix = `demo-${randomBytes(4).toString('hex')}`;
const ipc = createIpc({ url, prefix });
const failures: string[] = [];
// The last resort, should finishing itself hang: nothing of the demo outlives this.
const hardLimit = setTimeout(() => {
  for (const child of children.values()) child.kill('SIGKILL');
  console.error(`demo FAILED: still running after ${DEMO_LIMIT_MS / 1000} s`);
  process.exit(1);
}, DEMO_LIMIT_MS);

console.log(
  `redis-ipc demo: ${TASKS} tasks, ${WORKERS.length} worker processes, Redis at ${url}, keys under ${prefix}:`,
);
const startedAt = performance.now();
const exits: Array<Promise<number | null>> = [];
exits.push(start('monitor', './monitor.ts', [url, prefix], true));
const workerExits = new Map(
  WORKERS.map((name) => [name, start(name, './worker.ts', [url, prefix, name], false)]),
);
await Promise.all(WORKERS.map((name) => waitForLine(name, 'ready')));
exits.push(start('producer', './producer.ts', [url, prefix, String(TASKS), String(BATCHES)], false));

// Follow the progress stream: count distinct finished tasks, kill a worker on the way.
const done = new Set<string>();
let doneEvents = 0;
let recovered = 0;
let tableLoads = 0;
let killedHolding = 0;
// performance.now() of the kill, of the first done event, and when the killed worker's running
// tasks had run again (their done events carry deliveries > 1).
let killedAt: number | undefined;
let firstDoneAt: number | undefined;
let doneAtKill = 0;
const rerunAt: number[] = [];
const progress = ipc.stream<ProgressEvent>(STREAM).reader({ from: '0' });
const inspector = ipc.queue(QUEUE).reader();
const runLimit = AbortSignal.timeout(RUN_LIMIT_MS);
try {
  for await (const event of progress.events({ signal: runLimit })) {
    if (event.value.kind === 'table-loaded') tableLoads++;
    if (event.value.kind !== 'done') continue;
    doneEvents++;
    firstDoneAt ??= performance.now();
    if (event.value.deliveries > 1 && !done.has(event.value.task)) {
      recovered++;
      rerunAt.push(performance.now());
    }
    done.add(event.value.task);
    if (killedAt === undefined && done.size >= TASKS * KILL_AT) {
      killedHolding = await inspector.inFlight();
      children.get(VICTIM)?.kill('SIGKILL');
      killedAt = performance.now();
      doneAtKill = done.size;
      await ipc.stream<ProgressEvent>(STREAM).writer().publish({ kind: 'killed', worker: VICTIM });
      process.stdout.write(
        `\n✂  killed worker ${VICTIM} with SIGKILL (tasks in flight across workers: ${killedHolding})\n`,
      );
    }
    if (done.size >= TASKS) break;
  }
} catch (error) {
  failures.push(
    runLimit.aborted
      ? `the run did not finish within ${RUN_LIMIT_MS / 1000} s`
      : `reading the progress stream failed: ${(error as Error).message}`,
  );
}
const elapsedMs = performance.now() - startedAt;
await finish();

async function finish(): Promise<void> {
  // Whether or not the work is done: every worker drains and leaves.
  await ipc
    .cache(CACHE)
    .set(FINISHED, true)
    .catch((error: Error) => failures.push(`could not tell the workers to finish: ${error.message}`));
  const codes = await Promise.race([
    Promise.all([...exits, ...[...workerExits].filter(([name]) => name !== VICTIM).map(([, exit]) => exit)]),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), EXIT_GRACE_MS)),
  ]);
  if (codes === null) failures.push(`a process did not exit within ${EXIT_GRACE_MS / 1000} s after the run`);
  else if (codes.some((code) => code !== 0)) failures.push(`a process exited with ${codes.join(', ')}`);
  const counts = await inspector.counts().catch(() => undefined);
  if (done.size !== TASKS) failures.push(`${TASKS - done.size} tasks were never reported done`);
  if (counts && counts.waiting + counts.inFlight + counts.delayed + counts.dead !== 0) {
    failures.push(`the queue is not empty: ${JSON.stringify(counts)}`);
  }
  const seconds = elapsedMs / 1000;
  const steadyRate =
    killedAt !== undefined && firstDoneAt !== undefined
      ? Math.round(doneAtKill / ((killedAt - firstDoneAt) / 1000))
      : Number.NaN;
  const recoveredAfter =
    killedAt !== undefined && rerunAt.length > 0
      ? `${((Math.max(...rerunAt) - killedAt) / 1000).toFixed(1)} s after the kill`
      : 'never';
  console.log('');
  console.log(`tasks done        ${done.size} of ${TASKS}${done.size === TASKS ? ' (none lost)' : ''}`);
  console.log(
    `recovery          the ${recovered} tasks ${VICTIM} was running when it died ran again ${recoveredAfter} ` +
      '(its lease expired; the other workers never stopped)',
  );
  console.log(
    `work rate         ${Number.isFinite(steadyRate) ? steadyRate : '–'} tasks/s with three workers, ` +
      '8 handlers each, every handler waiting 4–10 ms on simulated I/O (the queue itself: pnpm bench)',
  );
  console.log(
    `time              ${seconds.toFixed(1)} s from the start to the last task, the lease wait included`,
  );
  console.log(
    `ran twice         ${doneEvents - done.size} (finished by ${VICTIM} but not yet acknowledged when it died)`,
  );
  console.log(
    `tables computed   ${tableLoads} for ${BATCHES} batches (getOrSet: one loader per batch across processes)`,
  );
  console.log(`dead letters      ${counts?.dead ?? 'unknown'}`);
  for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  await progress.close();
  await ipc.close();
  await deleteRunKeys(url, prefix).catch(() => {});
  await stop();
  clearTimeout(hardLimit);
  if (failures.length > 0) {
    console.error(`demo FAILED: ${failures.join('; ')}`);
    process.exit(1);
  }
  console.log('demo OK');
  process.exit(0);
}
