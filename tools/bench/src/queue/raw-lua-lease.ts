// The strongest hand-written at-least-once consumer we know: a script pops up to 100 tasks and
// leases them in a ZSET scored by the server's clock, in one call; the batch is handled synchronously;
// one ZREM acks it, pipelined with the next take (not awaited before it). When the list is empty,
// `BLMOVE key key RIGHT RIGHT` (a no-op rotation) waits for work without taking it. Driven by the
// batching LPUSH producer.
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker, untilDone } from '../harness/tracker.js';
import { producer as batchedProducer } from './batched-lpush.js';
import type { ConsumerParams } from './roles.js';

const BATCH = 100;
const LEASE_MS = 30_000;
const TAKE = `
local items = redis.call('RPOP', KEYS[1], ARGV[1])
if not items then return {} end
local time = redis.call('TIME')
local deadline = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[2])
local args = {}
for i = 1, #items do
  args[2 * i - 1] = deadline
  args[2 * i] = items[i]
end
redis.call('ZADD', KEYS[2], unpack(args))
return items
`;

export const producer = batchedProducer;

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const mode = params.variant as TimeoutMode;
  const lease = `${params.name}:lease`;
  const [redis, blocking] = await Promise.all([connectRaw(url, mode), connectRaw(url, mode)]);
  const sha = await redis.scriptLoad(TAKE);
  const take = ['EVALSHA', sha, '2', params.name, lease, String(BATCH), String(LEASE_MS)];
  let stopped = false;
  const acks: Promise<unknown>[] = [];
  const loop = (async () => {
    while (!stopped && tracker.distinct < params.n) {
      const items = (await redis.sendCommand(take)) as string[];
      if (items.length === 0) {
        await blocking.blMove(params.name, params.name, 'RIGHT', 'RIGHT', 1);
        continue;
      }
      for (const raw of items) tracker.record(JSON.parse(raw) as Task);
      acks.push(redis.zRem(lease, items));
      if (acks.length > 64) await Promise.all(acks.splice(0));
    }
  })();
  return {
    run: async () => {
      const report = await untilDone(tracker.done, [loop]);
      await Promise.all(acks);
      return report;
    },
    close: async () => {
      stopped = true;
      blocking.destroy();
      await closeAll([redis]);
    },
  };
};
