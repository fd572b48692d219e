import type { RedisClientType } from 'redis';

/** The node-redis client type redis-ipc works with (what `createClient()` from `redis` returns). */
export type RedisClient = RedisClientType;

/**
 * Closes a node-redis client at once. A connection attempt still under way when `destroy()` is called
 * goes on and opens its socket all the same, so the client is destroyed again once `connecting`
 * settles: nothing is left connected.
 */
export function destroyClient(redis: RedisClient, connecting: Promise<unknown>): void {
  if (redis.isOpen) redis.destroy();
  connecting.then(
    () => {
      try {
        redis.destroy();
      } catch {
        // Already closed.
      }
    },
    () => {},
  );
}
