import { createCluster } from 'redis';
import type { IpcClusterOptions, ResolvedClientOptions } from '../client-options.js';
import { within } from '../internal/timing.js';
import { Subscriber } from '../subscriber.js';
import { ClusterBlocking } from './cluster-blocking.js';
import { clusterRedis, type RedisCluster } from './cluster-redis.js';
import { reconnectWithBackoff, type Topology, type TopologyEvents } from './topology.js';

// After this long of failed reconnection to a node, the cluster client asks the others for the
// layout again: how soon a promoted replica is found after its master died.
const TOPOLOGY_REFRESH_MS = 1000;

/** Is `client` a node-redis cluster client (`createCluster`)? */
export function isRedisCluster(client: unknown): client is RedisCluster {
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof (client as { nodeClient?: unknown }).nodeClient === 'function' &&
    'masters' in client
  );
}

/**
 * A Redis Cluster: a cluster client made from `options` (or the one given), seen by the structures
 * through {@link clusterRedis}; blocking connections per master ({@link ClusterBlocking}); sharded
 * pub/sub.
 */
export function clusterTopology(
  options: IpcClusterOptions | undefined,
  given: RedisCluster | undefined,
  resolved: ResolvedClientOptions,
  events: TopologyEvents,
): Topology {
  let cluster: RedisCluster;
  let connecting: Promise<unknown>;
  if (given) {
    cluster = given;
    connecting = cluster.isOpen ? Promise.resolve() : cluster.connect();
  } else {
    const reconnectStrategy = reconnectWithBackoff(resolved.reconnectMaxDelayMs);
    cluster = createCluster({
      topologyRefreshOnReconnectionAttemptStrategy: TOPOLOGY_REFRESH_MS,
      ...options,
      rootNodes: options?.rootNodes ?? [],
      commandOptions: { timeout: 0, ...options?.commandOptions },
      defaults: {
        ...options?.defaults,
        socket: { reconnectStrategy, ...options?.defaults?.socket },
      },
    }) as unknown as RedisCluster;
    cluster.on('error', events.onError);
    cluster.on('node-error', events.onError);
    cluster.on('node-ready', events.onReady);
    cluster.on('node-reconnecting', events.onReconnecting);
    connecting = cluster.connect();
  }
  connecting.catch(() => {});
  const blocking = new ClusterBlocking(cluster, resolved.maxBlockingConnections, events.onError);
  return {
    redis: clusterRedis(cluster),
    connecting,
    offline: undefined,
    lend: blocking.lend,
    get blockingConnections() {
      return blocking.size;
    },
    subscriber: (onError) => new Subscriber({ cluster, connecting }, onError),
    closeBlocking: () => blocking.close(),
    closeShared: async (graceMs) => {
      if (given || !cluster.isOpen) return;
      const closedInTime = await within(cluster.close(), graceMs).catch(() => false);
      if (!closedInTime && cluster.isOpen) cluster.destroy();
    },
  };
}
