// redis-ipc's queue and the hand-written LPUSH → BRPOP loop, measured in the same pair of processes
// over the same seconds: the producer alternates between them every BLOCK tasks (20 ms at the latency
// run's rate), and the consumer process runs both consumers at once. Whatever the machine does
// meanwhile falls on both alike, so the difference of their hand-off latencies is the code's. Blocks
// rather than task by task: tasks of both sides arriving together would wait for each other in the
// consumer process, and the side that waits would lose what the other spends.
import { createClient } from '@redis-ipc/core';
import { createWriteQueue } from '@redis-ipc/queue';
import { nowNs, paced } from '../harness/clock.js';
import { closeAll, connectRaw } from '../harness/node-redis.js';
import { makeTask, type Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker, untilDone } from '../harness/tracker.js';
import { startBrpopLoops } from './raw-brpop.js';
import { type Delivery, startReadQueue } from './redis-ipc.js';
import type { ConsumerParams, ProduceReport, ProducerParams } from './roles.js';

/** Tasks sent to one side before switching to the other. */
const BLOCK = 20;

/** The hand-written side's list. */
const rawName = (name: string) => `${name}-raw`;

/** What the consumer measured on each side. */
export interface SideBySideReport {
  readonly ours: ConsumeReport;
  readonly reference: ConsumeReport;
}

/** `params.n` tasks to each side, alternating every {@link BLOCK} tasks, at `params.perSecond`. */
export const producer: Role<ProducerParams, ProduceReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const redis = await connectRaw(url, 'off');
  const queue = createWriteQueue<Task>(ipc, params.name);
  const perSecond = params.perSecond ?? 1000;
  return {
    run: async () => {
      const pending: Promise<unknown>[] = [];
      const startAt = nowNs();
      await paced(2 * params.n, perSecond, (i) => {
        const block = Math.floor(i / BLOCK);
        const task = makeTask((block >> 1) * BLOCK + (i % BLOCK));
        pending.push(
          block % 2 === 0 ? queue.push(task) : redis.lPush(rawName(params.name), JSON.stringify(task)),
        );
      });
      await Promise.all(pending);
      return { startAt, endAt: nowNs() };
    },
    close: async () => {
      await closeAll([redis]);
      await ipc.close();
    },
  };
};

/** redis-ipc's read queue (delivery: the variant) and the BRPOP loops, each with `concurrency`. */
export const consumer: Role<ConsumerParams, SideBySideReport> = async ({ url, params }) => {
  const ours = new Tracker(params.n, params.warmup);
  const reference = new Tracker(params.n, params.warmup);
  const ipc = createClient(url);
  await ipc.connect();
  const queue = startReadQueue(ipc, params.name, params.variant as Delivery, params.concurrency, ours);
  const raw = await startBrpopLoops(url, rawName(params.name), params.concurrency, 'off', reference);
  return {
    run: async () => {
      const [oursDone, referenceDone] = await Promise.all([
        Promise.race([ours.done, queue.failed]),
        untilDone(reference.done, raw.loops),
      ]);
      return { ours: oursDone, reference: referenceDone };
    },
    close: async () => {
      raw.stop();
      await queue.close();
      await ipc.close();
    },
  };
};
