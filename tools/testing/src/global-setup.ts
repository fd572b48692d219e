import type { TestProject } from 'vitest/node';
import { type RedisCluster, startRedisCluster } from './redis-cluster.js';
import { requireSharedServer } from './redis-requirements.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { sweepStaleServerFolders } from './server-folders.js';

import './provided-context.js';

/** The run's one Redis and one Redis Cluster, shared by every project of the run (each project calls setup). */
interface SharedRedis {
  url: Promise<string>;
  clusterNodes: Promise<string[]>;
  server?: RedisServer;
  cluster?: RedisCluster;
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
 * conformance suites reuse; `REDIS_IPC_CLUSTER=off` leaves it out.
 */
export async function setup(project: TestProject): Promise<void> {
  let shared = store[SHARED];
  if (!shared) {
    const created: SharedRedis = { users: 0, url: Promise.resolve(''), clusterNodes: Promise.resolve([]) };
    const swept = sweepStaleServerFolders();
    created.url = swept.then(() => start(created));
    created.clusterNodes = swept.then(() => startCluster(created));
    shared = store[SHARED] = created;
  }
  shared.users++;
  const [url, clusterNodes] = await Promise.all([shared.url, shared.clusterNodes]);
  project.provide('redisUrl', url);
  project.provide('redisClusterNodes', clusterNodes);
}

export async function teardown(): Promise<void> {
  const shared = store[SHARED];
  if (!shared || --shared.users > 0) return;
  store[SHARED] = undefined;
  await Promise.all([shared.server?.stop(), shared.cluster?.stop()]);
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
