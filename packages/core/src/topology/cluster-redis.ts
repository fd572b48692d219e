import type { RedisArgument, RedisClusterType, TypeMapping } from 'redis';
import { ConnectionError, isIpcError, toIpcError } from '../errors.js';
import type { RedisClient } from '../redis-client.js';
import { commandKey } from './command-key.js';
import { patternSlot } from './key-slot.js';

/** The node-redis cluster client type redis-ipc works with (what `createCluster()` returns). */
export type RedisCluster = RedisClusterType;

/**
 * Marks a shared connection whose pub/sub is sharded (a cluster): wake-ups are published with
 * `SPUBLISH` and heard with `SSUBSCRIBE` on the slot's node only, scripts included.
 */
export const SHARDED_PUBSUB: unique symbol = Symbol.for('redis-ipc.sharded-pubsub') as never;
/** The cluster client under a {@link clusterRedis} view. */
export const CLUSTER_CLIENT: unique symbol = Symbol.for('redis-ipc.cluster-client') as never;

/** Is the shared connection `redis` a cluster view whose pub/sub is sharded? */
export function isShardedPubSub(redis: RedisClient): boolean {
  return (redis as unknown as { [SHARDED_PUBSUB]?: boolean })[SHARDED_PUBSUB] === true;
}

/** The cluster client under `redis` when it is a {@link clusterRedis} view. */
export function clusterUnder(redis: RedisClient): RedisCluster | undefined {
  return (redis as unknown as { [CLUSTER_CLIENT]?: RedisCluster })[CLUSTER_CLIENT];
}

type Send = (args: RedisArgument[], options?: object) => Promise<unknown>;

/**
 * A view of a node-redis cluster client with the single-server contract the structures use, so that
 * their code does not branch on topology: `sendCommand(args)` is routed by the key the command names
 * (see {@link commandKey}) and node-redis follows MOVED/ASK and failovers; `PUBLISH` becomes
 * `SPUBLISH` (the channel carries the structure's hash tag, so it stays on the structure's node);
 * `multi().addCommand(args)` routes the transaction by its first key, with the same `SPUBLISH`;
 * `scanIterator` scans the node of the pattern's hash tag (every node when it has none); commands
 * naming no key go to one node.
 * Typed commands (`lLen(key)`, …) are node-redis's own, routed by key. A connection dropped by a
 * topology change rejects with a {@link ConnectionError} (transient), never as if the client closed.
 */
export function clusterRedis(cluster: RedisCluster): RedisClient {
  const send: Send = (args, options) => {
    const routed = sharded(args);
    const key = commandKey(routed);
    const reply =
      key === undefined
        ? anyNode(cluster).then((node) => node.sendCommand(routed, options as never))
        : cluster.sendCommand(key, false, routed, options as never);
    return reply.catch((error: unknown) => {
      throw topologyError(cluster, error);
    });
  };
  return new Proxy(cluster, {
    get(real, property) {
      switch (property) {
        case SHARDED_PUBSUB:
          return true;
        case CLUSTER_CLIENT:
          return real;
        case 'sendCommand':
          return send;
        case 'withTypeMapping':
          return (mapping: TypeMapping) => clusterRedis(real.withTypeMapping(mapping) as RedisCluster);
        case 'multi':
        case 'MULTI':
          return () =>
            routedMulti(real.multi(), (args) => {
              const routed = sharded(args);
              return [commandKey(routed), false, routed];
            });
        case 'scanIterator':
          return (options: { MATCH?: string; COUNT?: number; TYPE?: string }) => scanNodes(real, options);
        case 'configGet':
          return async (parameter: string) => (await anyNode(real)).configGet(parameter);
        case 'duplicate':
          return () => {
            throw new TypeError('a cluster view is not duplicated: redis-ipc opens per-node connections');
          };
      }
      const value = Reflect.get(real, property);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  }) as unknown as RedisClient;
}

// PUBLISH as SPUBLISH: the channel carries the structure's hash tag, so its message stays on the
// structure's node (and, in a transaction, in the transaction's slot).
function sharded(args: RedisArgument[]): RedisArgument[] {
  return String(args[0]).toUpperCase() === 'PUBLISH' ? ['SPUBLISH', ...args.slice(1)] : args;
}

/** What a connection dropped by a topology change (failover, node removed) means to redis-ipc. */
export function topologyError(cluster: RedisCluster, error: unknown): unknown {
  const typed = toIpcError(error);
  // node-redis destroys the client of a node that left the topology; its pending commands were not lost
  // to a close of ours, so they are retried like any lost connection.
  if (isIpcError(typed, 'IPC_CLOSED') && cluster.isOpen) {
    return new ConnectionError(`a cluster node connection was dropped: ${typed.message}`, { cause: error });
  }
  return error;
}

/** One node's client, for commands that name no key. */
export function anyNode(cluster: RedisCluster): Promise<RedisClient> {
  const masters = cluster.masters;
  const master = masters[Math.floor(Math.random() * masters.length)];
  if (!master) return Promise.reject(new ConnectionError('the cluster has no known master'));
  return cluster.nodeClient(master) as unknown as Promise<RedisClient>;
}

/**
 * A cluster or sentinel transaction whose raw `addCommand(args)` has the single-server signature
 * (node-redis's cluster one takes the key and read-only flag first; the sentinel one the flag):
 * `route` makes the arguments. Every other method is the transaction's own.
 */
export function routedMulti<M extends object>(multi: M, route: (args: RedisArgument[]) => unknown[]): M {
  const view: M = new Proxy(multi, {
    get(real, property, receiver) {
      const value = Reflect.get(real, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'addCommand') {
        return (args: RedisArgument[]) => {
          value.apply(real, route(args));
          return view;
        };
      }
      return (...args: unknown[]) => {
        const result = value.apply(real, args);
        return result === real ? view : result;
      };
    },
  });
  return view;
}

async function* scanNodes(
  cluster: RedisCluster,
  options: { MATCH?: string; COUNT?: number; TYPE?: string },
): AsyncGenerator<string[]> {
  const slot = options.MATCH === undefined ? undefined : patternSlot(options.MATCH);
  const masters =
    slot === undefined ? cluster.masters : [cluster.slots[slot]?.master].filter((m) => m !== undefined);
  for (const master of masters) {
    const node = (await cluster.nodeClient(master)) as unknown as RedisClient;
    yield* node.scanIterator(options);
  }
}
