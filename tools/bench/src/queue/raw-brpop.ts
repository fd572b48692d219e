// Hand-written at-most-once consumer: one BRPOP loop per unit of concurrency, each on its own
// connection (a blocked connection can do nothing else). The producer LPUSHes one task per call.
import type { RedisClientType } from 'redis';
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker, untilDone } from '../harness/tracker.js';
import {
  type ConsumerParams,
  type ProduceReport,
  type ProducerParams,
  produce,
  warmUp,
  warmUpName,
} from './roles.js';

/** LPUSH, `inFlight` at a time on one pipelining connection. */
export const producer: Role<ProducerParams, ProduceReport> = async ({ url, params }) => {
  const redis = await connectRaw(url, params.variant as TimeoutMode);
  const side = warmUpName(params.name);
  await warmUp(params, (task) => redis.lPush(side, JSON.stringify(task)));
  return {
    run: () => produce(params, (task) => redis.lPush(params.name, JSON.stringify(task))),
    close: () => closeAll([redis]),
  };
};

/**
 * One BRPOP loop per unit of `concurrency` on `name`, each on its own connection, recording into
 * `tracker` until it has seen every task. `stop` ends the loops and drops the connections.
 */
export async function startBrpopLoops(
  url: string,
  name: string,
  concurrency: number,
  mode: TimeoutMode,
  tracker: Tracker,
): Promise<{ loops: Promise<void>[]; stop: () => void }> {
  const handle = async (task: Task) => tracker.record(task);
  const connections: RedisClientType[] = await Promise.all(
    Array.from({ length: concurrency }, () => connectRaw(url, mode)),
  );
  let stopped = false;
  const loops = connections.map(async (redis) => {
    while (!stopped && tracker.distinct < tracker.n) {
      const reply = await redis.brPop(name, 1);
      if (reply) await handle(JSON.parse(reply.element) as Task);
    }
  });
  return {
    loops,
    stop: () => {
      stopped = true;
      for (const redis of connections) redis.destroy();
    },
  };
}

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const { loops, stop } = await startBrpopLoops(
    url,
    params.name,
    params.concurrency,
    params.variant as TimeoutMode,
    tracker,
  );
  return {
    run: () => untilDone(tracker.done, loops),
    close: async () => stop(),
  };
};
