// The strongest hand-written at-most-once consumer we know: `RPOP key 100`, the batch handled
// synchronously (no promise per task), and again; when the list is empty, one BRPOP on a second
// connection waits for the next task (no polling). Driven by the batching LPUSH producer.
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker, untilDone } from '../harness/tracker.js';
import { producer as batchedProducer } from './batched-lpush.js';
import type { ConsumerParams } from './roles.js';

const BATCH = 100;

export const producer = batchedProducer;

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const mode = params.variant as TimeoutMode;
  const [redis, blocking] = await Promise.all([connectRaw(url, mode), connectRaw(url, mode)]);
  let stopped = false;
  const loop = (async () => {
    while (!stopped && tracker.distinct < params.n) {
      const items = await redis.rPopCount(params.name, BATCH);
      if (items && items.length > 0) {
        for (const raw of items) tracker.record(JSON.parse(raw) as Task);
        continue;
      }
      const reply = await blocking.brPop(params.name, 1);
      if (reply) tracker.record(JSON.parse(reply.element) as Task);
    }
  })();
  return {
    run: () => untilDone(tracker.done, [loop]),
    close: async () => {
      stopped = true;
      blocking.destroy();
      await closeAll([redis]);
    },
  };
};
