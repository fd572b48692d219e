// Producer process: queues every work item (in batches, with ids so a retried push cannot duplicate),
// then tells the others through the cache how many there are.
import { createIpc } from '@redis-ipc/ipc';
import {
  CACHE,
  exitWithCoordinator,
  PRODUCER_DONE,
  type ProducerReport,
  QUEUE,
  type WorkItem,
} from './protocol.js';

exitWithCoordinator();

const [url, prefix, tasksArg, batchesArg] = process.argv.slice(2);
const tasks = Number(tasksArg);
const batches = Number(batchesArg);
const ipc = createIpc({ url, prefix });
const queue = ipc.queue<WorkItem>(QUEUE).writer();

const CHUNK = 250;
for (let start = 0; start < tasks; start += CHUNK) {
  const indexes = Array.from({ length: Math.min(CHUNK, tasks - start) }, (_, i) => start + i);
  await queue.pushMany(
    indexes.map((index) => ({ n: 1_000_003 + index * 7919, batch: index % batches })),
    { ids: indexes.map((index) => `task-${index}`) },
  );
}

await ipc.cache<ProducerReport>(CACHE).set(PRODUCER_DONE, { tasks, batches });
console.log(`queued ${tasks} tasks in ${batches} batches`);
await ipc.close();
