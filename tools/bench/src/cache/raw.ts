// Hand-written node-redis cache: SET key value PX ttl / GET key, JSON-encoded like the others.
import { closeAll, connectRaw, type TimeoutMode } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { setThenGet, type ThroughputParams, type ThroughputReport, TTL_MS, warmUp } from './roles.js';

export const client: Role<ThroughputParams, ThroughputReport> = async ({ url, params }) => {
  const redis = await connectRaw(url, params.variant as TimeoutMode);
  const prefix = `${params.name}:`;
  const set = (key: string, value: Task) =>
    redis.set(prefix + key, JSON.stringify(value), { expiration: { type: 'PX', value: TTL_MS } });
  const get = async (key: string) => {
    const raw = await redis.get(prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as Task);
  };
  await warmUp(params, set, get);
  return {
    run: () => setThenGet(params, set, get),
    close: () => closeAll([redis]),
  };
};
