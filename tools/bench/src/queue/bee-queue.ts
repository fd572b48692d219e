// bee-queue, in its fastest configuration: no job events, no stored jobs on the producer side,
// jobs removed on success; saveAll batches on the producer, process(concurrency) on the consumer.
import BeeQueue from 'bee-queue';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker } from '../harness/tracker.js';
import { type ConsumerParams, type ProduceReport, type ProducerParams, produce } from './roles.js';

function settings(url: string, isWorker: boolean): BeeQueue.QueueSettings {
  const { hostname, port } = new URL(url);
  return {
    redis: { host: hostname, port: Number(port) },
    isWorker,
    getEvents: false,
    sendEvents: false,
    storeJobs: false,
    removeOnSuccess: true,
    removeOnFailure: true,
    activateDelayedJobs: false,
  };
}

export const producer: Role<ProducerParams, ProduceReport> = async ({ url, params }) => {
  const queue = new BeeQueue<Task>(params.name, settings(url, false));
  await queue.ready();
  return {
    run: () =>
      produce(params, (task) => queue.createJob(task).save(), {
        size: 100,
        inFlight: 2,
        push: async (tasks) => {
          const errors = await queue.saveAll(tasks.map((task) => queue.createJob(task)));
          if (errors.size > 0) throw [...errors.values()][0];
        },
      }),
    close: () => queue.close(1000),
  };
};

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const queue = new BeeQueue<Task>(params.name, settings(url, true));
  let failure: Error | undefined;
  queue.on('error', (error) => {
    failure ??= error;
  });
  await queue.ready();
  queue.process(params.concurrency, async (job) => {
    tracker.record(job.data);
  });
  return {
    run: async () => {
      const report = await tracker.done;
      if (failure) throw failure;
      return report;
    },
    close: () => queue.close(1000),
  };
};
