// Hand-written node-redis stream: XADD MAXLEN ~ with one `content` field (the Rust crate's layout),
// XREAD BLOCK for fan-out reads, XREADGROUP + one XACK per batch for a consumer group.
import type { RedisClientType } from 'redis';
import { nowNs } from '../harness/clock.js';
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker, untilDone } from '../harness/tracker.js';
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

/** What a stream reader reports: the tracker's report and when it started reading. */
export interface ReadReport extends ConsumeReport {
  readonly startAt: number;
}

export const publisher: Role<PublishParams, PublishReport> = ({ url, params }) =>
  xAddPublisher(url, params.name, params.variant as TimeoutMode, params);

/**
 * The hand-written producer: one `XADD MAXLEN ~` per event, pipelined, to the Redis key `key`. Also
 * the neutral producer that feeds every consumer of the keep-up case.
 */
export async function xAddPublisher(url: string, key: string, mode: TimeoutMode, params: PublishParams) {
  const redis = await connectRaw(url, mode);
  const trim = {
    TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: params.maxLen ?? MAX_LEN },
  } as const;
  const side = warmUpName(key);
  await warmUp(params, (task) => redis.xAdd(side, '*', { content: JSON.stringify(task) }, trim));
  return {
    run: () => publishAll(params, (task) => redis.xAdd(key, '*', { content: JSON.stringify(task) }, trim)),
    close: () => closeAll([redis]),
  };
}

function reading(
  params: ReadParams,
  connections: RedisClientType[],
  read: (tracker: Tracker, isStopped: () => boolean) => Promise<void>,
) {
  const tracker = new Tracker(params.n, params.warmup);
  let stopped = false;
  let startAt = 0;
  let loop: Promise<void> | undefined;
  // Starts at once so the reader is already waiting when the parent says go.
  const begin = () => {
    startAt = nowNs();
    loop = read(tracker, () => stopped);
  };
  return {
    begin,
    role: {
      run: async (): Promise<ReadReport> => {
        if (!loop) begin();
        const report = await untilDone(tracker.done, [loop!]);
        return { ...report, startAt };
      },
      close: async () => {
        stopped = true;
        for (const redis of connections) redis.destroy();
      },
    },
  };
}

/**
 * Fan-out reader: XREAD BLOCK from the start of the (empty or prefilled) stream. `live` readers
 * start waiting during set-up; backlog readers start on go, so the time measured is their own.
 */
export const reader: Role<ReadParams & { live: boolean }, ReadReport> = async ({ url, params }) => {
  const redis = await connectRaw(url, params.variant as TimeoutMode);
  const { begin, role } = reading(params, [redis], async (tracker, isStopped) => {
    let last = '0-0';
    while (!isStopped() && tracker.distinct < params.n) {
      const reply = await redis.xRead({ key: params.name, id: last }, { COUNT: READ_COUNT, BLOCK: 1000 });
      if (!reply) continue;
      for (const stream of reply as Array<{
        messages: Array<{ id: string; message: Record<string, string> }>;
      }>) {
        for (const entry of stream.messages) {
          tracker.record(JSON.parse(entry.message.content!) as Task);
          last = entry.id;
        }
      }
    }
  });
  if (params.live) begin();
  return role;
};

/** Consumer-group reader: XREADGROUP `>`, handle the batch, one XACK for all of it. */
export const groupReader: Role<ReadParams & { live: boolean }, ReadReport> = async ({ url, params }) => {
  const mode = params.variant as TimeoutMode;
  const [redis, blocking] = await Promise.all([connectRaw(url, mode), connectRaw(url, mode)]);
  try {
    await redis.xGroupCreate(params.name, GROUP, '0', { MKSTREAM: true });
  } catch (error) {
    if (!String(error).includes('BUSYGROUP')) throw error;
  }
  const { begin, role } = reading(params, [redis, blocking], async (tracker, isStopped) => {
    const acks: Promise<unknown>[] = [];
    while (!isStopped() && tracker.distinct < params.n) {
      const reply = await blocking.xReadGroup(
        GROUP,
        'reader-1',
        { key: params.name, id: '>' },
        { COUNT: READ_COUNT, BLOCK: 1000 },
      );
      if (!reply) continue;
      const ids: string[] = [];
      for (const stream of reply as Array<{
        messages: Array<{ id: string; message: Record<string, string> }>;
      }>) {
        for (const entry of stream.messages) {
          tracker.record(JSON.parse(entry.message.content!) as Task);
          ids.push(entry.id);
        }
      }
      // Pipelined: the next read does not wait for the ack.
      if (ids.length > 0) acks.push(redis.xAck(params.name, GROUP, ids));
      if (acks.length > 64) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);
  });
  if (params.live) begin();
  return role;
};
