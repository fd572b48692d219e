import type { RedisClientType } from 'redis';

/** The node-redis client type redis-ipc works with (what `createClient()` from `redis` returns). */
export type RedisClient = RedisClientType;
