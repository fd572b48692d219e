import type { TestProject } from 'vitest/node';
import { type RedisServer, startRedisServer } from './redis-server.js';

import './provided-context.js';

let server: RedisServer | undefined;

/**
 * Vitest global setup: uses `REDIS_URL` when set, otherwise starts a throwaway `redis-server` on a free
 * loopback port for the whole run, and stops it afterwards.
 */
export async function setup(project: TestProject): Promise<void> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    project.provide('redisUrl', fromEnv);
    return;
  }
  server = await startRedisServer({ args: ['--notify-keyspace-events', ''] });
  project.provide('redisUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}
