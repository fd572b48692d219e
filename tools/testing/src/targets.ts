import type { RedisClientOptions } from 'redis';
import { inject } from 'vitest';
import './provided-context.js';

/** How a client reaches a server: its URL and any further node-redis options (TLS, credentials). */
export interface Endpoint {
  /** `redis[s]://…` */
  readonly url: string;
  /** node-redis options merged under every client's own (TLS certificates, an ACL user). */
  readonly redis?: RedisClientOptions;
}

/** A single `redis-server` reached by URL. */
export interface StandaloneTarget extends Endpoint {
  readonly name: 'standalone';
  /** What sets this target apart in test titles (`'TLS'`, `'least-privilege ACL'`); none for the run's server. */
  readonly label?: string;
  /**
   * How the tests' own plain clients connect (fixtures, checks, key clean-up) when not as the library's
   * clients do: an administrator on a target whose library clients run as a least-privilege user.
   * Defaults to the target's own endpoint.
   */
  readonly admin?: Endpoint;
}

/** A Redis Cluster reached through its root nodes (the run's shared one, or one a test started). */
export interface ClusterTarget {
  readonly name: 'cluster';
  /** What sets this target apart in test titles; none for the run's cluster. */
  readonly label?: string;
  /** URLs of nodes to discover the cluster from (node-redis `createCluster({ rootNodes })`). */
  readonly rootNodes: readonly string[];
  /** The first root node's URL: where a test that needs one node's address looks. */
  readonly url: string;
  /** node-redis options of every node connection (credentials, TLS). */
  readonly redis?: RedisClientOptions;
}

/** A primary and its replicas watched by Redis Sentinel, reached through the sentinels. */
export interface SentinelTarget {
  readonly name: 'sentinel';
  /** What sets this target apart in test titles. */
  readonly label?: string;
  /** The monitored primary's name (`sentinel monitor <name> …`). */
  readonly masterName: string;
  /** URLs of the sentinels (node-redis `createSentinel({ sentinelRootNodes })`). */
  readonly sentinels: readonly string[];
  /** URL of the primary when the target was made (a failover moves it; clients follow the sentinels). */
  readonly url: string;
}

/**
 * Where a suite's Redis lives. A conformance suite takes one and runs the same tests on every
 * topology: a standalone server (plain, over TLS, or under an ACL user), a Redis Cluster, or a
 * Sentinel-managed primary. Code that switches on `target.name` is told by the compiler where it has
 * to learn a new kind.
 */
export type TestTarget = StandaloneTarget | ClusterTarget | SentinelTarget;

/** URL of the Redis server this test run shares (its own throwaway server, or `REDIS_URL`). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A standalone target: the run's shared server, or the server at `url` (one a test started, say). */
export function standaloneTarget(url: string = redisUrl()): StandaloneTarget {
  return { name: 'standalone', url };
}

/**
 * A cluster target: the run's shared cluster (started once per run by the global setup), or the one
 * whose root nodes are given (a cluster a test started itself, to kill its nodes). `undefined` when
 * the run has no shared cluster (`REDIS_IPC_CLUSTER=off`) and none is given.
 */
export function clusterTarget(
  rootNodes: readonly string[] = inject('redisClusterNodes'),
): ClusterTarget | undefined {
  const [first] = rootNodes;
  return first === undefined ? undefined : { name: 'cluster', rootNodes: [...rootNodes], url: first };
}

/**
 * A sentinel target: the run's shared Sentinel-managed primary (started once per run by the global
 * setup), or the primary `masterName` watched by `sentinels` (a setup a test started, to fail it
 * over), whose primary's URL is `url`. `undefined` when the run has none (`REDIS_IPC_SENTINEL=off`)
 * and none is given.
 */
export function sentinelTarget(given?: {
  masterName: string;
  sentinels: readonly string[];
  url: string;
}): SentinelTarget | undefined {
  const setup = given ?? inject('redisSentinel');
  if (!setup) return undefined;
  return { name: 'sentinel', masterName: setup.masterName, sentinels: [...setup.sentinels], url: setup.url };
}

/** The endpoint of the tests' own plain clients on a standalone or sentinel target (for a cluster: one node). */
export function adminEndpoint(target: TestTarget): Endpoint {
  return target.name === 'standalone'
    ? (target.admin ?? target)
    : { url: target.url, redis: targetRedis(target) };
}

function targetRedis(target: TestTarget): RedisClientOptions | undefined {
  return target.name === 'sentinel' ? undefined : target.redis;
}

/** The node-redis cluster options {@link targetOptions} gives a client on a {@link ClusterTarget}. */
export interface TargetClusterOptions {
  rootNodes: Array<{ url: string }>;
  defaults?: Partial<RedisClientOptions>;
}

/** The node-redis sentinel options {@link targetOptions} gives a client on a {@link SentinelTarget}. */
export interface TargetSentinelOptions {
  name: string;
  sentinelRootNodes: Array<{ host: string; port: number }>;
}

/** The option fields a client factory must have for {@link targetOptions}. */
export interface TargetableOptions {
  url?: string;
  redis?: RedisClientOptions;
  cluster?: unknown;
  sentinel?: unknown;
}

/**
 * The client options a test's `connect` passes on for `target`: `options` with the target's URL (or,
 * on a cluster, `cluster: { rootNodes, defaults }`; on Sentinel, `sentinel: { name, sentinelRootNodes }`),
 * and the target's node-redis options under the test's own (sockets merged, so a test's reconnect
 * strategy keeps the target's TLS settings).
 */
export function targetOptions<O extends TargetableOptions>(target: TestTarget, options?: O): O {
  if (target.name === 'cluster') {
    const { url: _url, ...rest } = options ?? ({} as O);
    const cluster: TargetClusterOptions = { rootNodes: target.rootNodes.map((url) => ({ url })) };
    if (target.redis) cluster.defaults = target.redis;
    return { ...rest, cluster } as unknown as O;
  }
  if (target.name === 'sentinel') {
    const { url: _url, ...rest } = options ?? ({} as O);
    const sentinel: TargetSentinelOptions = {
      name: target.masterName,
      sentinelRootNodes: target.sentinels.map((url) => {
        const { hostname, port } = new URL(url);
        return { host: hostname, port: Number(port) };
      }),
    };
    return { ...rest, sentinel } as unknown as O;
  }
  const merged = { ...options, url: target.url } as O & { url: string };
  if (target.redis || options?.redis) {
    merged.redis = {
      ...target.redis,
      ...options?.redis,
      socket: { ...target.redis?.socket, ...options?.redis?.socket },
    } as RedisClientOptions;
  }
  return merged;
}

/**
 * Every target this run covers, for conformance suites:
 * `for (const target of testTargets()) testQueue(target, { delivery })`. The run's standalone server,
 * and its shared Redis Cluster and Sentinel-managed primary unless `REDIS_IPC_CLUSTER=off` /
 * `REDIS_IPC_SENTINEL=off`.
 */
export function testTargets(): readonly TestTarget[] {
  const targets: TestTarget[] = [standaloneTarget()];
  const cluster = clusterTarget();
  if (cluster) targets.push(cluster);
  const sentinel = sentinelTarget();
  if (sentinel) targets.push(sentinel);
  return targets;
}
