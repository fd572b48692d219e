// A hand-written producer that batches as redis-ipc's `push` does: pushes made in the same turn of
// the event loop go out as one LPUSH. Consumers compared with redis-ipc's are driven by it, so that
// their ratio measures the consumer, not a difference in how the tasks arrived.
import type { RedisClientType } from 'redis';
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Role } from '../harness/role.js';
import { type ProduceReport, type ProducerParams, produce, warmUp, warmUpName } from './roles.js';

/** Collects values pushed in one tick and sends them with one LPUSH. */
class LpushBatcher {
  readonly #redis: RedisClientType;
  readonly #key: string;
  #values: string[] = [];
  #sent: Promise<unknown> | undefined;

  constructor(redis: RedisClientType, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  push(value: string): Promise<unknown> {
    this.#values.push(value);
    if (!this.#sent) {
      this.#sent = new Promise((resolve, reject) => {
        process.nextTick(() => {
          const values = this.#values;
          this.#values = [];
          this.#sent = undefined;
          this.#redis.lPush(this.#key, values).then(resolve, reject);
        });
      });
    }
    return this.#sent;
  }
}

/** LPUSH batched per tick, `inFlight` pushes outstanding, on one pipelining connection. */
export const producer: Role<ProducerParams, ProduceReport> = async ({ url, params }) => {
  const redis = await connectRaw(url, params.variant as TimeoutMode);
  const batcher = new LpushBatcher(redis, params.name);
  const side = new LpushBatcher(redis, warmUpName(params.name));
  await warmUp(params, (task) => side.push(JSON.stringify(task)));
  return {
    run: () => produce(params, (task) => batcher.push(JSON.stringify(task))),
    close: () => closeAll([redis]),
  };
};
