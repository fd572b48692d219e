// The best hand-written at-least-once consumer we know: a Lua script pops up to 100 tasks and
// records them in a lease ZSET (score = lease deadline) in one call; after the batch is handled, one
// ZREM acks all of it. About 1.05 Redis calls per task, the LPUSH included. When the list is empty,
// `BLMOVE key key RIGHT RIGHT` (a no-op rotation) waits for work without taking it.
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { type ConsumeReport, Tracker, untilDone } from '../harness/tracker.js';
import { producer as lpushProducer } from './raw-brpop.js';
import { type ConsumerParams, handleAll } from './roles.js';

const BATCH = 100;
const LEASE_MS = 30_000;
const TAKE = `
local items = redis.call('RPOP', KEYS[1], ARGV[1])
if not items then return {} end
local args = {}
for i = 1, #items do
  args[2 * i - 1] = ARGV[2]
  args[2 * i] = items[i]
end
redis.call('ZADD', KEYS[2], unpack(args))
return items
`;

/** The same LPUSH producer as the BRPOP pattern. */
export const producer = lpushProducer;

export const consumer: Role<ConsumerParams, ConsumeReport> = async ({ url, params }) => {
  const tracker = new Tracker(params.n, params.warmup, { latency: params.latency });
  const handle = async (raw: string) => tracker.record(JSON.parse(raw) as Task);
  const mode = params.variant as TimeoutMode;
  const lease = `${params.name}:lease`;
  const [redis, blocking] = await Promise.all([connectRaw(url, mode), connectRaw(url, mode)]);
  const sha = await redis.scriptLoad(TAKE);
  let stopped = false;
  const acks: Promise<unknown>[] = [];
  const loop = (async () => {
    while (!stopped && tracker.distinct < params.n) {
      const deadline = String(Date.now() + LEASE_MS);
      const items = (await redis.sendCommand([
        'EVALSHA',
        sha,
        '2',
        params.name,
        lease,
        String(BATCH),
        deadline,
      ])) as string[];
      if (items.length === 0) {
        await blocking.blMove(params.name, params.name, 'RIGHT', 'RIGHT', 1);
        continue;
      }
      await handleAll(items, params.concurrency, handle);
      // The ack is pipelined: the next take does not wait for it.
      const ack = redis.zRem(lease, items);
      acks.push(ack);
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
