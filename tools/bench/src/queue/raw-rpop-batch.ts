// Hand-written at-most-once batch consumer: `RPOP key 100` while there is work; when the list is
// empty, one BRPOP on a second connection waits for the next task (no polling).
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker, untilDone } from '../harness/tracker.js';
import { producer as lpushProducer } from './raw-brpop.js';
import { type ConsumerParams, handleAll } from './roles.js';

const BATCH = 100;

/** The same LPUSH producer as the BRPOP pattern. */
export const producer = lpushProducer;

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const handle = async (raw: string) => tracker.record(JSON.parse(raw) as Task);
  const mode = params.variant as TimeoutMode;
  const [redis, blocking] = await Promise.all([connectRaw(url, mode), connectRaw(url, mode)]);
  let stopped = false;
  const loop = (async () => {
    while (!stopped && tracker.distinct < params.n) {
      const items = await redis.rPopCount(params.name, BATCH);
      if (items && items.length > 0) {
        await handleAll(items, params.concurrency, handle);
        continue;
      }
      const reply = await blocking.brPop(params.name, 1);
      if (reply) await handle(reply.element);
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
