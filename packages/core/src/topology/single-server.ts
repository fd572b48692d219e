import { createClient as createRedisClient, type RedisClientOptions } from 'redis';
import { poolLender } from '../blocking-call.js';
import { BlockingPool } from '../blocking-pool.js';
import type { IpcClientOptions, ResolvedClientOptions } from '../client-options.js';
import { InvalidArgumentError } from '../errors.js';
import { within } from '../internal/timing.js';
import { OfflineGuard } from '../offline-guard.js';
import { destroyClient, type RedisClient } from '../redis-client.js';
import { Subscriber } from '../subscriber.js';
import { reconnectWithBackoff, type Topology, type TopologyEvents } from './topology.js';

/**
 * One server: the shared connection made from `url` and `redis` (or the client given), blocking
 * connections and the pub/sub connection duplicated from it.
 */
export function singleServer(
  options: IpcClientOptions,
  given: RedisClient | undefined,
  resolved: ResolvedClientOptions,
  events: TopologyEvents,
): Topology {
  let redis: RedisClient;
  let offline: OfflineGuard | undefined;
  let connecting: Promise<unknown>;
  if (given) {
    redis = given;
    connecting = redis.isOpen ? Promise.resolve() : redis.connect();
  } else {
    redis = openRedisClient({
      url: options.url,
      ...options.redis,
      commandOptions: { timeout: 0, ...options.redis?.commandOptions },
      socket: {
        reconnectStrategy: reconnectWithBackoff(resolved.reconnectMaxDelayMs),
        ...options.redis?.socket,
      },
    } as RedisClientOptions);
    redis.on('error', events.onError);
    redis.on('ready', events.onReady);
    redis.on('reconnecting', events.onReconnecting);
    offline = new OfflineGuard(redis, resolved.offlineTimeoutMs);
    connecting = redis.connect();
  }
  connecting.catch(() => {});
  const pool = new BlockingPool(redis, resolved.maxBlockingConnections, events.onError);
  return {
    redis,
    connecting,
    offline,
    lend: poolLender(pool, redis),
    get blockingConnections() {
      return pool.size;
    },
    subscriber: (onError) => new Subscriber(redis, onError, offline && ((work) => offline.bound(work))),
    closeBlocking: () => pool.close(),
    closeShared: async (graceMs) => {
      if (given || !redis.isOpen) return;
      // Commands queued while disconnected would keep a graceful close waiting for replies that may
      // never come: only a connected client waits for its pending replies.
      if (!redis.isReady) {
        destroyClient(redis, connecting);
        return;
      }
      // Pending replies get a moment; a server that stopped answering must not keep close() waiting.
      const closedInTime = await within(redis.close(), graceMs).catch(() => false);
      if (!closedInTime) destroyClient(redis, connecting);
    },
  };
}

/**
 * node-redis's client for `options`. A URL it cannot parse is an {@link InvalidArgumentError} that
 * does not repeat the URL: it may hold a password (node's own URL error carries the whole input).
 */
function openRedisClient(options: RedisClientOptions): RedisClient {
  try {
    return createRedisClient(options) as RedisClient;
  } catch (error) {
    const reason = error instanceof Error && !/Invalid URL/.test(error.message) ? ` (${error.message})` : '';
    throw new InvalidArgumentError(`url is not a valid Redis URL${reason}`);
  }
}
