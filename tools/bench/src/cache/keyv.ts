// Keyv with its Redis adapter, @keyv/redis, as its documentation sets it up.
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import { setThenGet, type ThroughputParams, type ThroughputReport, TTL_MS } from './roles.js';

export const client: Role<ThroughputParams, ThroughputReport> = async ({ url, params }) => {
  const keyv = new Keyv<Task>({ store: new KeyvRedis(url), namespace: params.name });
  keyv.on('error', () => {});
  // Connects.
  await keyv.get('warm-up');
  return {
    run: () =>
      setThenGet(
        params,
        (key, value) => keyv.set(key, value, TTL_MS),
        (key) => keyv.get(key),
      ),
    close: () => keyv.disconnect(),
  };
};
