import { inject } from 'vitest';
import './provided-context.js';

export { pause, rejection, until } from './assertions.js';
export { type NodeChild, spawnNode } from './child-process.js';
export { freePort } from './free-port.js';
export { deleteKeys, uniquePrefix } from './keys.js';
export { type RedisCluster, startRedisCluster } from './redis-cluster.js';
export { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.js';

/** URL of the Redis server this test run shares (its own throwaway server, or `REDIS_URL`). */
export function redisUrl(): string {
  return inject('redisUrl');
}
