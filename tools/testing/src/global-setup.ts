import type { TestProject } from 'vitest/node';
import { requireSharedServer } from './redis-requirements.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { sweepStaleServerFolders } from './server-folders.js';

import './provided-context.js';

/** The run's one Redis, shared by every project of the run (each project calls setup). */
interface SharedRedis {
  url: Promise<string>;
  server?: RedisServer;
  users: number;
}

// Kept on globalThis: vitest may load this module once per project.
const SHARED = Symbol.for('redis-ipc.testing.shared-redis');
const store = globalThis as { [SHARED]?: SharedRedis };

/**
 * Vitest global setup. Removes what earlier runs killed mid-way left behind (server folders whose
 * owner process is gone, and their servers), then uses `REDIS_URL` when set — after checking that it
 * is Redis 7.0 or newer and sends no keyspace notifications, failing at once otherwise — or starts a
 * throwaway `redis-server` on a free loopback port for the whole run, and stops it afterwards.
 */
export async function setup(project: TestProject): Promise<void> {
  let shared = store[SHARED];
  if (!shared) {
    const created: SharedRedis = { users: 0, url: Promise.resolve('') };
    created.url = start(created);
    shared = store[SHARED] = created;
  }
  shared.users++;
  project.provide('redisUrl', await shared.url);
}

export async function teardown(): Promise<void> {
  const shared = store[SHARED];
  if (!shared || --shared.users > 0) return;
  store[SHARED] = undefined;
  await shared.server?.stop();
}

async function start(shared: SharedRedis): Promise<string> {
  await sweepStaleServerFolders();
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    await requireSharedServer(fromEnv);
    return fromEnv;
  }
  shared.server = await startRedisServer({ args: ['--notify-keyspace-events', ''] });
  return shared.server.url;
}
