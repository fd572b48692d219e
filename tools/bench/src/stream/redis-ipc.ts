// redis-ipc's stream: publish with the same number in flight as the raw publisher, a fan-out read
// stream from the start, and a consumer group acking every event.
import { createClient } from '@redis-ipc/core';
import { createConsumerGroup, createReadStream, createWriteStream } from '@redis-ipc/stream';
import { nowNs } from '../harness/clock.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { Tracker, untilDone } from '../harness/tracker.js';
import { type ReadReport, xAddPublisher } from './raw.js';
import {
  GROUP,
  MAX_LEN,
  type PublishParams,
  type PublishReport,
  publishAll,
  READ_COUNT,
  type ReadParams,
  warmUp,
  warmUpName,
} from './roles.js';

// Handlers of the group consumer at once (the hand-written reader handles a whole batch of 100).
const HANDLER_CONCURRENCY = 64;

export const publisher: Role<PublishParams, PublishReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  const maxLen = params.maxLen ?? MAX_LEN;
  const stream = createWriteStream<Task>(ipc, params.name, { maxLen });
  if (params.producer === 'hand-written') {
    // The neutral producer, writing to this stream's Redis key.
    await ipc.close();
    return xAddPublisher(url, stream.key, 'off', params);
  }
  await ipc.connect();
  const side = createWriteStream<Task>(ipc, warmUpName(params.name), { maxLen });
  await warmUp(params, (task) => side.publish(task));
  return {
    run: () => publishAll(params, (task) => stream.publish(task)),
    close: () => ipc.close(),
  };
};

type Reading = { startAt: number; loop: Promise<unknown> | undefined };

function role(tracker: Tracker, state: Reading, begin: () => void, close: () => Promise<void>) {
  return {
    run: async (): Promise<ReadReport> => {
      if (!state.loop) begin();
      const report = await untilDone(tracker.done, [state.loop!]);
      return { ...report, startAt: state.startAt };
    },
    close,
  };
}

export const reader: Role<ReadParams & { live: boolean }, ReadReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const tracker = new Tracker(params.n, params.warmup);
  const state: Reading = { startAt: 0, loop: undefined };
  const stream = createReadStream<Task>(ipc, params.name, { from: '0' });
  const begin = () => {
    state.startAt = nowNs();
    state.loop = (async () => {
      if (params.variant === 'batch') {
        // The batch API: one call per XREAD's worth of events.
        while (tracker.distinct < params.n) {
          for (const event of await stream.nextBatch({ count: READ_COUNT })) tracker.record(event.value);
        }
        return;
      }
      for await (const event of stream) {
        tracker.record(event.value);
        if (tracker.distinct >= params.n) break;
      }
    })();
  };
  if (params.live) begin();
  return role(tracker, state, begin, () => ipc.close());
};

export const groupReader: Role<ReadParams & { live: boolean }, ReadReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const tracker = new Tracker(params.n, params.warmup);
  const state: Reading = { startAt: 0, loop: undefined };
  const group = createConsumerGroup<Task>(ipc, params.name, GROUP, 'reader-1', { startId: '0' });
  const begin = () => {
    state.startAt = nowNs();
    if (params.variant === 'batch') {
      // The batch API, as the hand-written reader does it: read a batch, handle it, ack it in one call.
      state.loop = (async () => {
        const acks: Promise<void>[] = [];
        while (tracker.distinct < params.n) {
          const events = await group.read({ count: READ_COUNT });
          for (const event of events) tracker.record(event.value);
          if (events.length > 0) acks.push(group.ack(events));
          if (acks.length > 64) await Promise.all(acks.splice(0));
        }
        await Promise.all(acks);
      })();
      return;
    }
    state.loop = group.process(
      (value) => {
        tracker.record(value);
      },
      { concurrency: HANDLER_CONCURRENCY },
    );
  };
  if (params.live) begin();
  return role(tracker, state, begin, () => ipc.close());
};
