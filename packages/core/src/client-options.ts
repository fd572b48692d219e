import type { RedisClientOptions, RedisClusterOptions, RedisSentinelOptions } from 'redis';
import { InvalidArgumentError } from './errors.js';
import { durationOption, integerOption, MAX_TIMER_MS, rejectUnknownOptions } from './internal/options.js';
import { validateTimeout } from './internal/timing.js';
import type { RedisClient } from './redis-client.js';
import type { RedisCluster } from './topology/cluster-redis.js';
import type { RedisSentinel } from './topology/sentinel-redis.js';

/**
 * How to reach a Redis Cluster: node-redis `createCluster` options (`rootNodes`, `defaults` for every
 * node connection — credentials, TLS —, `useReplicas`, `nodeAddressMap`, …).
 */
export type IpcClusterOptions = RedisClusterOptions;

/**
 * How to reach a Sentinel-managed primary: node-redis `createSentinel` options (`name`,
 * `sentinelRootNodes`, `nodeClientOptions`, `sentinelClientOptions`, …).
 */
export type IpcSentinelOptions = RedisSentinelOptions;

/** Options of {@link createClient}. */
export interface IpcClientOptions {
  /**
   * Redis URL, `redis[s]://[[user]:password@]host[:port][/db]`.
   * @default 'redis://localhost:6379'
   */
  url?: string;
  /**
   * Further node-redis client options (socket, TLS, credentials, …), merged over ours. Setting
   * `commandOptions.timeout` here brings back node-redis's per-command timer, which costs throughput.
   * @default {}
   */
  redis?: RedisClientOptions;
  /**
   * A Redis Cluster to use instead of one server (see "Scaling out" in the README). Every structure
   * lives in one hash slot, so on one master: commands, scripts and blocking reads go to the master
   * that owns it, and follow resharding and failover. Our defaults come first: no per-command timer
   * (`commandOptions.timeout: 0`), reconnection with backoff up to `reconnectMaxDelayMs`, and a
   * topology refresh after 1 s of failed reconnection (`topologyRefreshOnReconnectionAttemptStrategy`).
   * Excludes `url`, `redis`, `sentinel` and `client`.
   * @default undefined (a single server)
   */
  cluster?: IpcClusterOptions;
  /**
   * A primary watched by Redis Sentinel, instead of one fixed server: commands follow the primary the
   * sentinels name, across failovers. Excludes `url`, `redis`, `cluster` and `client`.
   * @default undefined (a single server)
   */
  sentinel?: IpcSentinelOptions;
  /**
   * A node-redis client you already have — a single-server client, a cluster client
   * (`createCluster`) or a sentinel client (`createSentinel`) —, used for ordinary commands instead of
   * a new one. redis-ipc opens its blocking and subscription connections next to it (duplicates of a
   * single-server client; per master on a cluster; on the current primary under Sentinel, without the
   * credentials of a given sentinel client: pass `sentinel` options for those) and never closes it.
   * @default undefined (a new client is made from `url` and `redis`, `cluster` or `sentinel`)
   */
  client?: RedisClient | RedisCluster | RedisSentinel;
  /**
   * Prefix of every key.
   * @default 'ipc'
   */
  prefix?: string;
  /**
   * Use structure names as keys exactly (the Rust crate's layout). See {@link KeyspaceOptions.raw}.
   * @default false
   */
  raw?: boolean;
  /**
   * Most dedicated connections for blocking reads at once; further blocking reads queue for one and
   * take turns with the parked ones (see `blockingSliceMs`).
   * @default 100
   */
  maxBlockingConnections?: number;
  /**
   * Longest time, in ms, one blocking command waits on the server before it is sent again. Between two
   * such waits the connection goes back to the pool, so with more waiters than
   * `maxBlockingConnections` every waiter is served within about this long times
   * ⌈queued waiters ÷ connections⌉. Longer means fewer idle round trips; shorter, quicker turns.
   * @default 2000
   */
  blockingSliceMs?: number;
  /**
   * Longest pause between reconnection attempts, in ms: after Redis comes back, work resumes within
   * about this long.
   * @default 500
   */
  reconnectMaxDelayMs?: number;
  /**
   * Once Redis has been unreachable this long, in ms, commands waiting for the connection reject with
   * {@link ConnectionError} (at the next failed reconnection attempt, within `reconnectMaxDelayMs` when
   * connecting fails fast), and so does every command issued until it is back, at once — and
   * `connect()`, when the first connection has not succeeded by then. Reconnection attempts go on.
   * `Infinity` keeps commands waiting for ever. Applies to the connection made from `url`; a `client`
   * you pass in keeps its own settings.
   * @default 10000
   */
  offlineTimeoutMs?: number;
  /**
   * Identifies this client in Redis (consumer names, `skipOwn`). Must be unique among live clients.
   * @default 16 random URL-safe base64 characters (96 bits)
   */
  id?: string;
}

/** The names {@link IpcClientOptions} knows. */
export const CLIENT_OPTION_NAMES: readonly string[] = [
  'url',
  'redis',
  'cluster',
  'sentinel',
  'client',
  'prefix',
  'raw',
  'maxBlockingConnections',
  'blockingSliceMs',
  'reconnectMaxDelayMs',
  'offlineTimeoutMs',
  'id',
];

/** Client options with every default applied and every value checked. */
export interface ResolvedClientOptions {
  readonly maxBlockingConnections: number;
  readonly blockingSliceMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly offlineTimeoutMs: number;
}

/** Checks `options` (unknown names, ranges) and fills in the defaults; throws {@link InvalidArgumentError}. */
export function resolveClientOptions(options: IpcClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('createClient takes a URL string or an options object');
  }
  rejectUnknownOptions(options, CLIENT_OPTION_NAMES, 'createClient');
  if (options.url !== undefined && typeof options.url !== 'string') {
    throw new InvalidArgumentError('url must be a string');
  }
  const topologies = (['cluster', 'sentinel', 'client', 'url'] as const).filter(
    (name) => options[name] !== undefined,
  );
  // A given client wins over `url` (as it always has); a cluster or sentinel excludes every other way.
  if (topologies.length > 1 && (options.cluster !== undefined || options.sentinel !== undefined)) {
    throw new InvalidArgumentError(
      `createClient takes only one of cluster, sentinel, client and url (got ${topologies.join(', ')})`,
    );
  }
  if (options.redis !== undefined && (options.cluster !== undefined || options.sentinel !== undefined)) {
    throw new InvalidArgumentError(
      'redis options apply to a single server: use cluster.defaults or sentinel.nodeClientOptions instead',
    );
  }
  for (const name of ['cluster', 'sentinel'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'object' || value === null)) {
      throw new InvalidArgumentError(`${name} must be an options object`);
    }
  }
  if (options.id !== undefined && (typeof options.id !== 'string' || options.id === '')) {
    throw new InvalidArgumentError('id must be a non-empty string');
  }
  return {
    maxBlockingConnections: integerOption(options.maxBlockingConnections ?? 100, 'maxBlockingConnections', 1),
    blockingSliceMs: durationOption(options.blockingSliceMs ?? 2000, 'blockingSliceMs', 10, MAX_TIMER_MS),
    reconnectMaxDelayMs: durationOption(
      options.reconnectMaxDelayMs ?? 500,
      'reconnectMaxDelayMs',
      1,
      MAX_TIMER_MS,
    ),
    offlineTimeoutMs: validateTimeout(options.offlineTimeoutMs ?? 10_000, 'offlineTimeoutMs'),
  };
}
