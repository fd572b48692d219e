import { createCluster, type RedisArgument, type RedisClusterType } from 'redis';
import type { PlainClient } from './plain-client.js';
import type { ClusterTarget } from './targets.js';

// The raw commands tests send, by where their first key is (the library's own table lives in core).
const SUBCOMMAND_FIRST = new Set(['XINFO', 'XGROUP', 'OBJECT']);
const AFTER_NUMKEYS = new Set(['EVAL', 'EVALSHA']);

function firstKey(args: readonly RedisArgument[]): RedisArgument | undefined {
  const name = String(args[0]).toUpperCase();
  if (AFTER_NUMKEYS.has(name)) return args[3];
  if (name === 'XREAD' || name === 'XREADGROUP') {
    return args[args.findIndex((arg) => String(arg).toUpperCase() === 'STREAMS') + 1];
  }
  if (SUBCOMMAND_FIRST.has(name)) return args[2];
  return args[1];
}

/** The node-redis cluster client under a plain client made by {@link clusterPlainClient}. */
const CLUSTER = Symbol('cluster');

/**
 * A plain client on a cluster that reads like a single-server one to the tests: typed commands
 * (`t.plain.lLen(key)`) route by their key as node-redis does, and `sendCommand(args)` routes by the
 * first key of `args`. Commands spanning several slots are not supported (no test needs them).
 */
export async function clusterPlainClient(target: ClusterTarget): Promise<PlainClient> {
  const cluster = createCluster({
    rootNodes: target.rootNodes.map((url) => ({ url })),
    defaults: { ...target.redis, socket: { ...target.redis?.socket, reconnectStrategy: 100 } },
  }) as RedisClusterType;
  cluster.on('error', () => {});
  await cluster.connect();
  const proxy = new Proxy(cluster, {
    get(real, property, receiver) {
      if (property === CLUSTER) return real;
      if (property === 'sendCommand') {
        return (args: RedisArgument[], options?: object) =>
          real.sendCommand(firstKey(args), false, args, options as never);
      }
      const value = Reflect.get(real, property, receiver);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
  return proxy as unknown as PlainClient;
}

/** The cluster client under `client` when it is a {@link clusterPlainClient}, else `undefined`. */
export function clusterOf(client: PlainClient): RedisClusterType | undefined {
  return (client as unknown as { [CLUSTER]?: RedisClusterType })[CLUSTER];
}

/** Deletes every key starting with `prefix` on every master (SCAN, then UNLINK key by key: slots differ). */
export async function deleteClusterKeys(
  cluster: RedisClusterType,
  prefix: string,
  exact: readonly string[] = [],
): Promise<number> {
  let deleted = 0;
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  for (const master of cluster.masters) {
    const node = await cluster.nodeClient(master);
    for await (const batch of node.scanIterator({ MATCH: pattern, COUNT: 500 })) {
      for (const key of batch) deleted += await cluster.unlink(key);
    }
  }
  for (const key of exact) deleted += await cluster.unlink(key);
  return deleted;
}
