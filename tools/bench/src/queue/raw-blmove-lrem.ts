// Hand-written at-least-once consumer, the textbook reliable-queue pattern: BLMOVE the task into a
// processing list, handle it, LREM it from there. One chain per unit of concurrency, each with its
// own blocking connection; the LREMs share one pipelining connection. 3 Redis calls per task.
import type { RedisClientType } from 'redis';
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker, untilDone } from '../harness/tracker.js';
import { producer as lpushProducer } from './raw-brpop.js';
import type { ConsumerParams } from './roles.js';

/** The same LPUSH producer as the BRPOP pattern. */
export const producer = lpushProducer;

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const handle = async (task: Task) => tracker.record(task);
  const mode = params.variant as TimeoutMode;
  const processing = `${params.name}:processing`;
  const shared = await connectRaw(url, mode);
  const blocking: RedisClientType[] = await Promise.all(
    Array.from({ length: params.concurrency }, () => connectRaw(url, mode)),
  );
  let stopped = false;
  const loops = blocking.map(async (redis) => {
    while (!stopped && tracker.distinct < params.n) {
      const raw = await redis.blMove(params.name, processing, 'RIGHT', 'LEFT', 1);
      if (raw === null) continue;
      await handle(JSON.parse(raw) as Task);
      await shared.lRem(processing, 1, raw);
    }
  });
  return {
    run: () => untilDone(tracker.done, loops),
    close: async () => {
      stopped = true;
      for (const redis of blocking) redis.destroy();
      await closeAll([shared]);
    },
  };
};
