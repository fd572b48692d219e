import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { type RedisServer, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

/** A throwaway local Redis Cluster of three masters on loopback ports. */
export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** `{ url }` entries for node-redis `createCluster({ rootNodes })`. */
  readonly rootNodes: ReadonlyArray<{ url: string }>;
  stop(): Promise<void>;
}

/** Starts three cluster-enabled servers, joins them with `redis-cli --cluster create`, waits for `cluster_state:ok`. */
export async function startRedisCluster(timeoutMs = 20_000): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startRedisServer({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: timeoutMs },
    );
    const deadline = Date.now() + timeoutMs;
    for (const node of nodes) {
      const client = createClient({ url: node.url });
      await client.connect();
      try {
        for (;;) {
          const info = await client.sendCommand(['CLUSTER', 'INFO']);
          if (String(info).includes('cluster_state:ok')) break;
          if (Date.now() > deadline) throw new Error('cluster did not reach cluster_state:ok in time');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await client.close();
      }
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    nodes,
    rootNodes: nodes.map((node) => ({ url: node.url })),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}
