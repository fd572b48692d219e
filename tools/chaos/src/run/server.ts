import { type RedisServer, startRedisServer } from '@redis-ipc/testing';
import { createClient } from 'redis';

/**
 * The checker's own throwaway `redis-server`: a free 127.0.0.1 port, a temporary directory, an
 * append-only file synced on every write (so a restart, even a SIGKILL, loses nothing acknowledged),
 * and keyspace notifications for the cache. Never the server of `REDIS_URL`, never port 6379.
 */
export async function startChaosServer(): Promise<RedisServer> {
  return startRedisServer({ persistent: true, args: ['--notify-keyspace-events', 'KA'] });
}

/** Runs one command on a short-lived plain connection (the checker's own view of Redis). */
export async function adminCommand(url: string, args: string[]): Promise<unknown> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    client.destroy();
  }
}
