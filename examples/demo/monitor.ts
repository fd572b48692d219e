// Monitor process: reads every progress event from the start of the stream and renders a live
// progress bar with throughput. Exits once every task has been reported.
import { createIpc } from '@redis-ipc/ipc';
import {
  CACHE,
  exitWithCoordinator,
  PRODUCER_DONE,
  type ProducerReport,
  type ProgressEvent,
  RUN_LIMIT_MS,
  STREAM,
} from './protocol.js';

exitWithCoordinator();
const [url, prefix] = process.argv.slice(2);
const ipc = createIpc({ url, prefix });
const { tasks } = await ipc.cache<ProducerReport>(CACHE).waitFor(PRODUCER_DONE, { timeoutMs: RUN_LIMIT_MS });
const reader = ipc.stream<ProgressEvent>(STREAM).reader({ from: '0' });

const tty = process.stdout.isTTY === true;
const done = new Set<string>();
const perWorker = new Map<string, number>();
const started = performance.now();
let lastDecile = -1;
// The killed worker, from its kill until its running tasks came back.
let recovering: { worker: string; since: number } | undefined;

function render(final = false): void {
  const share = done.size / tasks;
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(done.size / Math.max(seconds, 0.001));
  const width = 30;
  const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
  const workers = [...perWorker.entries()].map(([name, count]) => `${name}:${count}`).join(' ');
  const waiting = recovering
    ? `  ⏳ ${recovering.worker} killed ${((performance.now() - recovering.since) / 1000).toFixed(1)} s ago: its tasks return when its lease expires`
    : '';
  const line = `${bar} ${(share * 100).toFixed(0).padStart(3)}%  ${done.size}/${tasks}  ${rate} tasks/s  ${workers}${waiting}`;
  if (tty) process.stdout.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
  else if (Math.floor(share * 10) > lastDecile) {
    lastDecile = Math.floor(share * 10);
    console.log(line);
  }
}

const ticker = setInterval(render, 100);
for await (const event of reader.events({ signal: AbortSignal.timeout(RUN_LIMIT_MS) })) {
  if (event.value.kind === 'killed') {
    recovering = { worker: event.value.worker, since: performance.now() };
    if (!tty) console.log(`${event.value.worker} killed: its running tasks return when its lease expires`);
    continue;
  }
  if (event.value.kind !== 'done') continue;
  if (recovering && event.value.deliveries > 1) {
    const after = ((performance.now() - recovering.since) / 1000).toFixed(1);
    if (tty)
      process.stdout.write(
        `\r\x1b[2K✓ ${recovering.worker}'s tasks are running again, ${after} s after the kill\n`,
      );
    else console.log(`${recovering.worker}'s tasks are running again, ${after} s after the kill`);
    recovering = undefined;
  }
  done.add(event.value.task);
  perWorker.set(event.value.worker, (perWorker.get(event.value.worker) ?? 0) + 1);
  if (!tty) render();
  if (done.size >= tasks) break;
}
clearInterval(ticker);
render(true);
await ipc.close();
