import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { freePort } from './free-port.js';
import { forgetFolder, reapOnExit, removeOnExit } from './process-reaper.js';
import { requireRedisServerBinary } from './redis-requirements.js';
import { makeServerFolder, recordServer } from './server-folders.js';
import { untilStarted } from './server-start.js';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port to listen on; a free one is picked when absent. */
  port?: number;
  /** Keep data across {@link RedisServer.restart} (append-only file in a temporary directory). */
  persistent?: boolean;
  /** Extra `redis-server` arguments, e.g. `['--notify-keyspace-events', 'KA']`. */
  args?: string[];
  /** How long to wait for "Ready to accept connections", in ms. */
  startTimeoutMs?: number;
}

/** A throwaway `redis-server` bound to 127.0.0.1 that a test controls. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /**
   * Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its directory. If the test process
   * ends first (exit, or a signal such as vitest's SIGTERM), the server is killed and its folder
   * removed anyway; a folder left by a process killed with SIGKILL is swept by the next run.
   */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, as a crash would; {@link RedisServer.start} brings it back. */
  kill(): Promise<void>;
  /** Starts the server again on the same port after {@link RedisServer.stop} or {@link RedisServer.kill}. */
  start(): Promise<void>;
  /** Stops (gracefully, so a persistent server saves) and starts again on the same port. */
  restart(): Promise<void>;
}

/**
 * Starts a `redis-server` from the PATH (Redis 7.0 or newer, checked) on a free loopback port, with no
 * persistence by default.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  await requireRedisServerBinary();
  const port = options.port ?? (await freePort());
  const dir = await makeServerFolder();
  removeOnExit(dir);
  let child: ChildProcess | undefined;

  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.persistent ? 'yes' : 'no',
    '--appendfsync',
    'always',
    ...(options.args ?? []),
  ];

  const start = async () => {
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    reapOnExit(proc);
    if (proc.pid !== undefined) recordServer(dir, { pid: proc.pid, port });
    await untilStarted(
      proc,
      `redis-server on ${port}`,
      /Ready to accept connections/,
      options.startTimeoutMs,
    );
  };

  const halt = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      await start();
    },
    stop: async () => {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
      forgetFolder(dir);
    },
  };
}
