// Quick start: a task queue between a producer and a worker.
import { createClient, createReadQueue, createWriteQueue } from '@redis-ipc/ipc';

const ipc = createClient({ url: process.env.REDIS_URL, prefix: process.env.IPC_PREFIX ?? 'example' });
const jobs = createWriteQueue<{ email: string }>(ipc, 'emails');
await jobs.pushMany([{ email: 'ada@example.com' }, { email: 'alan@example.com' }]);

const reader = createReadQueue<{ email: string }>(ipc, 'emails');
const sent: string[] = [];
const worker = reader.process(
  async (job) => {
    sent.push(job.email); // acked when the handler resolves, retried when it throws
  },
  { concurrency: 4 },
);
while (sent.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
await worker.close();
console.log(`sent ${sent.sort().join(', ')}`);
await reader.close();
await ipc.close();
