import type { RedisArgument, RedisSentinelType, TypeMapping } from 'redis';
import { ClosedError, ConnectionError, isIpcError, toIpcError } from '../errors.js';
import type { RedisClient } from '../redis-client.js';
import { routedMulti } from './cluster-redis.js';

/** The node-redis sentinel client type redis-ipc works with (what `createSentinel()` returns). */
export type RedisSentinel = RedisSentinelType;

/** Is `client` a node-redis sentinel client (`createSentinel`)? */
export function isRedisSentinel(client: unknown): client is RedisSentinel {
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof (client as { getMasterNode?: unknown }).getMasterNode === 'function' &&
    typeof (client as { acquire?: unknown }).acquire === 'function'
  );
}

/**
 * A view of a node-redis sentinel client with the single-server contract the structures use:
 * `sendCommand(args)` and `multi().addCommand(args)` go to the current primary (node-redis follows
 * failovers); typed commands, `scanIterator` and pub/sub are the sentinel client's own. A connection
 * dropped by a failover rejects with a {@link ConnectionError} (transient), never as if the client closed.
 */
export function sentinelRedis(sentinel: RedisSentinel): RedisClient {
  return new Proxy(sentinel, {
    get(real, property) {
      switch (property) {
        case 'sendCommand':
          return (args: RedisArgument[], options?: object) => {
            // node-redis's sentinel client fails with a TypeError once closed: say what it means.
            if (!real.isOpen) return Promise.reject(new ClosedError());
            return real.sendCommand(false, args, options as never).catch((error: unknown) => {
              if (!real.isOpen) throw new ClosedError(undefined, { cause: error });
              const typed = toIpcError(error);
              if (isIpcError(typed, 'IPC_CLOSED') && real.isOpen) {
                throw new ConnectionError(`the primary's connection was dropped: ${typed.message}`, {
                  cause: error,
                });
              }
              throw error;
            });
          };
        case 'withTypeMapping':
          return (mapping: TypeMapping) => sentinelRedis(real.withTypeMapping(mapping) as RedisSentinel);
        case 'multi':
        case 'MULTI':
          return () => routedMulti(real.multi(), (args) => [false, args]);
        case 'duplicate':
          return () => {
            throw new TypeError(
              'a sentinel view is not duplicated: redis-ipc opens its own primary connections',
            );
          };
      }
      const value = Reflect.get(real, property);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  }) as unknown as RedisClient;
}
