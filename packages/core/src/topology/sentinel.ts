import { createSentinel, type RedisClientOptions } from 'redis';
import type { IpcSentinelOptions, ResolvedClientOptions } from '../client-options.js';
import { within } from '../internal/timing.js';
import { Subscriber } from '../subscriber.js';
import { SentinelBlocking } from './sentinel-blocking.js';
import { isRedisSentinel, type RedisSentinel, sentinelRedis } from './sentinel-redis.js';
import { reconnectWithBackoff, type Topology, type TopologyEvents } from './topology.js';

export { isRedisSentinel };

/**
 * A Sentinel-managed primary: a sentinel client made from `options` (or the one given), seen by the
 * structures through {@link sentinelRedis}; blocking connections on the current primary
 * ({@link SentinelBlocking}); pub/sub through the sentinel client (it follows the primary).
 */
export function sentinelTopology(
  options: IpcSentinelOptions | undefined,
  given: RedisSentinel | undefined,
  resolved: ResolvedClientOptions,
  events: TopologyEvents,
): Topology {
  const reconnectStrategy = reconnectWithBackoff(resolved.reconnectMaxDelayMs);
  const nodeOptions = {
    ...options?.nodeClientOptions,
    socket: { reconnectStrategy, ...options?.nodeClientOptions?.socket },
  } as RedisClientOptions;
  let sentinel: RedisSentinel;
  let connecting: Promise<unknown>;
  if (given) {
    sentinel = given;
    connecting = sentinel.isOpen ? Promise.resolve() : sentinel.connect();
  } else {
    sentinel = createSentinel({
      ...options,
      name: options?.name ?? '',
      sentinelRootNodes: options?.sentinelRootNodes ?? [],
      commandOptions: { timeout: 0, ...options?.commandOptions },
      nodeClientOptions: nodeOptions as never,
    }) as RedisSentinel;
    sentinel.on('error', events.onError);
    sentinel.on('ready', events.onReady);
    sentinel.on('reconnecting', events.onReconnecting);
    connecting = sentinel.connect();
  }
  connecting.catch(() => {});
  const blocking = new SentinelBlocking(
    sentinel,
    nodeOptions,
    resolved.maxBlockingConnections,
    events.onError,
  );
  return {
    redis: sentinelRedis(sentinel),
    connecting,
    offline: undefined,
    lend: blocking.lend,
    get blockingConnections() {
      return blocking.size;
    },
    subscriber: (onError) => new Subscriber({ sentinel, connecting }, onError),
    closeBlocking: () => blocking.close(),
    closeShared: async (graceMs) => {
      if (given || !sentinel.isOpen) return;
      const closedInTime = await within(sentinel.close(), graceMs).catch(() => false);
      if (!closedInTime && sentinel.isOpen) await sentinel.destroy();
    },
  };
}
