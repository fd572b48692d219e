// redis-ipc's queue: `push` with the same number in flight as the raw producers, and a read queue
// processing with the requested concurrency, at-least-once or at-most-once (the variant).
import { createClient, type IpcClient } from '@redis-ipc/core';
import { createReadQueue, createWriteQueue } from '@redis-ipc/queue';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker } from '../harness/tracker.js';
import {
  type ConsumerParams,
  type ProduceReport,
  type ProducerParams,
  produce,
  warmUp,
  warmUpName,
} from './roles.js';

/** `at-least-once` or `at-most-once`. */
export type Delivery = 'at-least-once' | 'at-most-once';

export const producer: Role<ProducerParams, ProduceReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const queue = createWriteQueue<Task>(ipc, params.name);
  const side = createWriteQueue<Task>(ipc, warmUpName(params.name));
  await warmUp(params, (task) => side.push(task));
  return {
    run: () => produce(params, (task) => queue.push(task)),
    close: () => ipc.close(),
  };
};

/**
 * A read queue on `name` processing with `concurrency`, recording into `tracker`. `failed` rejects on
 * any failure event (a handler never fails here: one means the benchmark itself is broken).
 */
export function startReadQueue(
  ipc: IpcClient,
  name: string,
  delivery: Delivery,
  concurrency: number,
  tracker: Tracker,
): { failed: Promise<never>; close: () => Promise<void> } {
  const queue = createReadQueue<Task>(ipc, name, { delivery });
  const failed = new Promise<never>((_, reject) => {
    queue.on('failed', (event) => reject(event.error));
    queue.on('decode-error', reject);
  });
  queue.process(
    (task) => {
      tracker.record(task);
    },
    { concurrency },
  );
  return { failed, close: () => queue.close() };
}

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const ipc = createClient(url);
  await ipc.connect();
  const queue = startReadQueue(ipc, params.name, params.variant as Delivery, params.concurrency, tracker);
  return {
    run: () => Promise.race([tracker.done, queue.failed]),
    close: async () => {
      await queue.close();
      await ipc.close();
    },
  };
};
