// Keyv with its Redis adapter, @keyv/redis, as its documentation sets it up.
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { setThenGet, type ThroughputParams, type ThroughputReport, TTL_MS, warmUp } from './roles.js';

export const client: Role<ThroughputParams, ThroughputReport> = async ({ url, params }) => {
  const keyv = new Keyv<Task>({ store: new KeyvRedis(url), namespace: params.name });
  keyv.on('error', () => {});
  // Connects.
  await keyv.get('warm-up');
  const set = (key: string, value: Task) => keyv.set(key, value, TTL_MS);
  const get = (key: string) => keyv.get(key);
  await warmUp(params, set, get);
  return {
    run: () => setThenGet(params, set, get),
    close: () => keyv.disconnect(),
  };
};
