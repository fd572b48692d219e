import { type ChildProcess, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { freePort } from './free-port.js';
import { forgetFolder, reapOnExit, removeOnExit } from './process-reaper.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { makeServerFolder, recordServer } from './server-folders.js';
import { untilStarted } from './server-start.js';

/** Options of {@link startRedisSentinel}. */
export interface RedisSentinelOptions {
  /**
   * Name the sentinels monitor the primary under.
   * @default 'ipc-primary'
   */
  masterName?: string;
  /**
   * Number of sentinels (the quorum is a majority of them).
   * @default 1
   */
  sentinels?: number;
  /**
   * How long the primary may be unreachable before the sentinels fail it over, in ms.
   * @default 1000
   */
  downAfterMs?: number;
  /**
   * How long starting and syncing may take, in ms.
   * @default 20000
   */
  timeoutMs?: number;
}

/** A throwaway primary, its replica and the sentinels watching them, on loopback ports. */
export interface RedisSentinelSetup {
  readonly masterName: string;
  /** The primary as started (a failover may make it a replica). */
  readonly primary: RedisServer;
  /** Its replica as started (a failover promotes it). */
  readonly replica: RedisServer;
  /** URLs of the sentinels. */
  readonly sentinels: readonly string[];
  /** The address (`host:port`) the sentinels name as primary now. */
  currentPrimary(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a primary, one replica and `sentinels` sentinels (`redis-server <conf> --sentinel`), and
 * waits until the replica is in sync and every sentinel knows it, so that a failover can happen.
 */
export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelSetup> {
  const masterName = options.masterName ?? 'ipc-primary';
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const servers: RedisServer[] = [];
  const sentinels: Array<{ url: string; stop(): Promise<void> }> = [];
  const stopAll = async () => {
    await Promise.all(sentinels.map((sentinel) => sentinel.stop()));
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    const primary = await startRedisServer();
    servers.push(primary);
    const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    servers.push(replica);
    await poll(replica.url, deadline, async (client) =>
      /master_link_status:up/.test(String(await client.sendCommand(['INFO', 'replication']))),
    );
    const quorum = Math.floor((options.sentinels ?? 1) / 2) + 1;
    for (let i = 0; i < (options.sentinels ?? 1); i++) {
      sentinels.push(
        await startSentinel([
          `sentinel monitor ${masterName} 127.0.0.1 ${primary.port} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
        ]),
      );
    }
    for (const sentinel of sentinels) {
      await poll(sentinel.url, deadline, async (client) => {
        const replicas = (await client.sendCommand(['SENTINEL', 'REPLICAS', masterName])) as unknown[];
        return replicas.length > 0;
      });
    }
    const urls = sentinels.map((sentinel) => sentinel.url);
    return {
      masterName,
      primary,
      replica,
      sentinels: urls,
      currentPrimary: async () => {
        const client = createClient({ url: urls[0] });
        client.on('error', () => {});
        await client.connect();
        try {
          const [host, port] = (await client.sendCommand([
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            masterName,
          ])) as string[];
          return `${host}:${port}`;
        } finally {
          client.destroy();
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

// Polls `check` on a fresh connection to `url` until it holds; throws once `deadline` passes.
async function poll(
  url: string,
  deadline: number,
  check: (client: RedisClientType) => Promise<boolean>,
): Promise<void> {
  const client = createClient({ url, socket: { reconnectStrategy: false } }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  try {
    while (!(await check(client))) {
      if (Date.now() > deadline) throw new Error(`${url} did not get ready in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}

/** Starts one sentinel with `monitor` lines; sentinels rewrite their config file, so it is their own. */
async function startSentinel(monitor: readonly string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = await makeServerFolder();
  removeOnExit(dir);
  const config = join(dir, 'sentinel.conf');
  await writeFile(config, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...monitor, ''].join('\n'));
  const proc: ChildProcess = spawn('redis-server', [config, '--sentinel'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reapOnExit(proc);
  if (proc.pid !== undefined) recordServer(dir, { pid: proc.pid, port });
  await untilStarted(proc, `sentinel on ${port}`, /Sentinel ID is|\+monitor master/);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
      forgetFolder(dir);
    },
  };
}
