// BullMQ with its documented defaults (lockDuration 30 s, stalledInterval 30 s, maxStalledCount 1):
// a job whose worker died is moved back to wait by another worker's stalled-job check once its lock
// expired. Connections as BullMQ's documentation recommends (ioredis, maxRetriesPerRequest null).
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { makeTask, type Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import {
  Completions,
  hold,
  holding,
  type RecoveryParams,
  type SurvivorReport,
  type VictimReport,
} from './roles.js';

function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

export const producer: Role<RecoveryParams, number> = async ({ url, params }) => {
  const connection = connect(url);
  const queue = new Queue<Task>(params.name, { connection });
  await queue.waitUntilReady();
  return {
    run: async () => {
      const jobs = Array.from({ length: params.n }, (_, i) => ({ name: 'task', data: makeTask(i) }));
      await queue.addBulk(jobs);
      return params.n;
    },
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
};

export const victim: Role<RecoveryParams, VictimReport> = async ({ url, params }) => {
  const held: number[] = [];
  const connection = connect(url);
  return {
    run: async () => {
      const worker = new Worker<Task>(params.name, (job) => hold(held, job.data), {
        connection,
        concurrency: params.held,
      });
      worker.on('error', () => {});
      return holding(held, params.held);
    },
  };
};

export const survivor: Role<RecoveryParams, SurvivorReport> = async ({ url, params }) => {
  const completions = new Completions(params.n);
  const connection = connect(url);
  let worker: Worker<Task> | undefined;
  return {
    run: () => {
      worker = new Worker<Task>(
        params.name,
        async (job) => {
          completions.record(job.data);
        },
        { connection, concurrency: 16 },
      );
      worker.on('error', () => {});
      return completions.done;
    },
    close: async () => {
      await worker?.close(true);
      connection.disconnect();
    },
  };
};
