import type { TestProject } from 'vitest/node';
import { type RedisCluster, startRedisCluster } from './redis-cluster.js';
import { requireSharedServer } from './redis-requirements.js';
import { type RedisSentinelSetup, startRedisSentinel } from './redis-sentinel.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { sweepStaleServerFolders } from './server-folders.js';

import './provided-context.js';

type SharedSentinel = { masterName: string; sentinels: string[]; url: string } | null;

/** The run's one Redis, one Redis Cluster and one Sentinel setup, shared by every project of the run. */
interface SharedRedis {
  url: Promise<string>;
  clusterNodes: Promise<string[]>;
  sentinel: Promise<SharedSentinel>;
  server?: RedisServer;
  cluster?: RedisCluster;
  sentinelSetup?: RedisSentinelSetup;
  users: number;
}

// Kept on globalThis: vitest may load this module once per project.
const SHARED = Symbol.for('redis-ipc.testing.shared-redis');
const store = globalThis as { [SHARED]?: SharedRedis };

/**
 * Vitest global setup. Removes what earlier runs killed mid-way left behind (server folders whose
 * owner process is gone, and their servers), then uses `REDIS_URL` when set — after checking that it
 * is Redis 7.0 or newer and sends no keyspace notifications, failing at once otherwise — or starts a
 * throwaway `redis-server` on a free loopback port for the whole run, and stops it afterwards. Beside
 * it, it starts one local Redis Cluster (3 masters, 3 replicas) for the whole run, which the
 * conformance suites reuse, and one Sentinel-managed primary (a primary, a replica, a sentinel);
 * `REDIS_IPC_CLUSTER=off` and `REDIS_IPC_SENTINEL=off` leave them out.
 */
export async function setup(project: TestProject): Promise<void> {
  let shared = store[SHARED];
  if (!shared) {
    const created: SharedRedis = {
      users: 0,
      url: Promise.resolve(''),
      clusterNodes: Promise.resolve([]),
      sentinel: Promise.resolve(null),
    };
    const swept = sweepStaleServerFolders();
    created.url = swept.then(() => start(created));
    created.clusterNodes = swept.then(() => startCluster(created));
    created.sentinel = swept.then(() => startSentinel(created));
    shared = store[SHARED] = created;
  }
  shared.users++;
  const [url, clusterNodes, sentinel] = await Promise.all([shared.url, shared.clusterNodes, shared.sentinel]);
  project.provide('redisUrl', url);
  project.provide('redisClusterNodes', clusterNodes);
  project.provide('redisSentinel', sentinel);
}

export async function teardown(): Promise<void> {
  const shared = store[SHARED];
  if (!shared || --shared.users > 0) return;
  store[SHARED] = undefined;
  await Promise.all([shared.server?.stop(), shared.cluster?.stop(), shared.sentinelSetup?.stop()]);
}

async function start(shared: SharedRedis): Promise<string> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    await requireSharedServer(fromEnv);
    return fromEnv;
  }
  shared.server = await startRedisServer({ args: ['--notify-keyspace-events', ''] });
  return shared.server.url;
}

async function startCluster(shared: SharedRedis): Promise<string[]> {
  if (process.env.REDIS_IPC_CLUSTER === 'off') return [];
  shared.cluster = await startRedisCluster();
  return shared.cluster.rootNodes.map((node) => node.url);
}

async function startSentinel(shared: SharedRedis): Promise<SharedSentinel> {
  if (process.env.REDIS_IPC_SENTINEL === 'off') return null;
  const setup = await startRedisSentinel();
  shared.sentinelSetup = setup;
  return { masterName: setup.masterName, sentinels: [...setup.sentinels], url: setup.primary.url };
}
