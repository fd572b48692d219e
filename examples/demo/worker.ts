// Worker process: takes work items, shares each batch's prime table through the cache (computed by
// one worker, awaited by the rest), and publishes a progress event per finished item.
import { setTimeout as sleep } from 'node:timers/promises';
import { createIpc } from '@redis-ipc/ipc';
import {
  CACHE,
  exitWithCoordinator,
  FINISHED,
  factor,
  type ProgressEvent,
  primesBelow,
  QUEUE,
  RUN_LIMIT_MS,
  STREAM,
  type WorkItem,
} from './protocol.js';

exitWithCoordinator();

const [url, prefix, name] = process.argv.slice(2);
if (!url || !prefix || !name) throw new Error('usage: worker.ts <url> <prefix> <name>');
const ipc = createIpc({ url, prefix });
const tables = ipc.cache<number[]>(CACHE, { ttlMs: 60_000 });
const progress = ipc.stream<ProgressEvent>(STREAM).writer();
const reader = ipc.queue<WorkItem>(QUEUE).reader();
reader.on('error', (error) => console.error(`${name}: ${error.message}`));

const worker = reader.process(
  async (item, task) => {
    const primes = await tables.getOrSet(
      `table:${item.batch}`,
      async () => {
        await progress.publish({ kind: 'table-loaded', batch: item.batch, worker: name });
        await sleep(30); // a slow source: what every other worker is spared
        return primesBelow(2_000 + item.batch);
      },
      { lockMs: 5_000 },
    );
    await sleep(4 + (item.n % 7)); // some I/O of the task's own
    await progress.publish({
      kind: 'done',
      task: task.id,
      worker: name,
      deliveries: task.deliveries,
      factors: factor(item.n, primes),
    });
  },
  { concurrency: 8 },
);
console.log(`${name} ready`);

// Run until the coordinator says the work is finished (it does within the run limit, or is gone),
// then drain and leave.
const finished = await tables.waitFor(FINISHED, { timeoutMs: RUN_LIMIT_MS + 5_000 }).then(
  () => true,
  (error: Error) => {
    console.error(`${name}: no word from the coordinator: ${error.message}`);
    return false;
  },
);
await worker.close({ timeoutMs: 5_000 });
await ipc.close();
if (!finished) process.exitCode = 1;
