import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { freeClusterPort } from './free-port.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /**
   * Number of masters (the hash slots are split evenly between them).
   * @default 3
   */
  masters?: number;
  /**
   * Replicas per master: with one, a killed master's replica is promoted.
   * @default 1
   */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`, in ms: how long a master may be unreachable before it is failed over.
   * @default 2000
   */
  nodeTimeoutMs?: number;
  /**
   * How long starting and joining may take, in ms.
   * @default 30000
   */
  timeoutMs?: number;
}

/** A throwaway local Redis Cluster on loopback ports (at most 55535, bus port + 10000). */
export interface RedisCluster {
  /** Every node, masters first as they were created (a failover may swap roles later). */
  readonly nodes: readonly RedisServer[];
  /** `{ url }` entries for node-redis `createCluster({ rootNodes })`. */
  readonly rootNodes: ReadonlyArray<{ url: string }>;
  /** Waits until every node reports `cluster_state:ok` and every master has its replicas in sync. */
  ready(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

// Attempts at starting one node when its port was taken between the check and the bind.
const START_ATTEMPTS = 5;

/**
 * Starts `masters × (1 + replicasPerMaster)` cluster-enabled servers, joins them with
 * `redis-cli --cluster create … --cluster-replicas N`, and waits until the cluster is ready.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const nodeTimeout = String(options.nodeTimeoutMs ?? 2000);
  const nodes: RedisServer[] = [];
  try {
    const starting: Array<Promise<RedisServer>> = [];
    for (let i = 0; i < masters * (1 + replicas); i++) starting.push(startClusterNode(nodeTimeout));
    const settled = await Promise.allSettled(starting);
    for (const result of settled) if (result.status === 'fulfilled') nodes.push(result.value);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await joinCluster(nodes, replicas, timeoutMs);
    await clusterReady(nodes, masters * (1 + replicas), timeoutMs);
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    nodes,
    rootNodes: nodes.map((node) => ({ url: node.url })),
    ready: (waitMs = timeoutMs) => clusterReady(nodes, nodes.length, waitMs),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

// `redis-cli --cluster create`: assigns the slots and pairs replicas with masters.
async function joinCluster(
  nodes: readonly RedisServer[],
  replicas: number,
  timeoutMs: number,
): Promise<void> {
  try {
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: timeoutMs },
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(
      'redis-cli is not on the PATH (it joins the test cluster): apt-get install redis-tools, ' +
        'or run without the cluster: REDIS_IPC_CLUSTER=off',
    );
  }
}

async function startClusterNode(nodeTimeout: string): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freeClusterPort();
    try {
      return await startRedisServer({
        port,
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          nodeTimeout,
          // Replicas sync over the socket, at once: the cluster is ready sooner.
          '--repl-diskless-sync',
          'yes',
          '--repl-diskless-sync-delay',
          '0',
        ],
      });
    } catch (error) {
      lastError = error;
      // Taken between the check and the bind (by another run, say): try another pair.
      if (!/Address already in use|EADDRINUSE/i.test(String(error))) throw error;
    }
  }
  throw lastError;
}

/** Polls every running node until the cluster is whole: state ok, all nodes known, replicas in sync. */
async function clusterReady(
  nodes: readonly RedisServer[],
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    const client = createClient({ url: node.url, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
    try {
      for (;;) {
        const info = String(await client.sendCommand(['CLUSTER', 'INFO']));
        const replication = String(await client.sendCommand(['INFO', 'replication']));
        const known = Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1] ?? 0);
        const synced = /role:master/.test(replication)
          ? true
          : /master_link_status:up/.test(replication) && !/master_sync_in_progress:1/.test(replication);
        if (info.includes('cluster_state:ok') && known === expected && synced) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ready in time:\n${info}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      client.destroy();
    }
  }
}
