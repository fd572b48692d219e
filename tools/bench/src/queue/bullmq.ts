// BullMQ, configured as its documentation recommends for throughput: ioredis connections with
// maxRetriesPerRequest null, jobs added with addBulk, removed on completion, a Worker with the
// requested concurrency.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker } from '../harness/tracker.js';
import { type ConsumerParams, type ProduceReport, type ProducerParams, produce } from './roles.js';

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true };

function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

export const producer: Role<ProducerParams, ProduceReport> = async ({ url, params }) => {
  const connection = connect(url);
  const queue = new Queue<Task>(params.name, { connection });
  await queue.waitUntilReady();
  return {
    run: () =>
      produce(params, (task) => queue.add('task', task, JOB_OPTIONS), {
        size: 100,
        inFlight: 2,
        push: (tasks) => queue.addBulk(tasks.map((data) => ({ name: 'task', data, opts: JOB_OPTIONS }))),
      }),
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
};

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const connection = connect(url);
  let failure: Error | undefined;
  const worker = new Worker<Task>(
    params.name,
    async (job) => {
      tracker.record(job.data);
    },
    { connection, concurrency: params.concurrency },
  );
  worker.on('error', (error) => {
    failure ??= error;
  });
  await worker.waitUntilReady();
  return {
    run: async () => {
      const report = await tracker.done;
      if (failure) throw failure;
      return report;
    },
    close: async () => {
      await worker.close(true);
      connection.disconnect();
    },
  };
};
