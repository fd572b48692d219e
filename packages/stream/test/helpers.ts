import { createClient, type IpcClient } from '@redis-ipc/core';
import { createClient as createRedisClient, type RedisClientType } from 'redis';

export { rejection, until as waitUntil } from '@redis-ipc/testing';

/** A connected IpcClient on `url` with `prefix`. */
export function ipcClient(url: string, prefix: string, raw = false): Promise<IpcClient> {
  return createClient({ url, prefix, raw }).connect();
}

/** A plain node-redis client, for writing fixtures and checking state the way other programs would. */
export async function plainClient(url: string): Promise<RedisClientType> {
  const client = createRedisClient({ url }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** `XINFO STREAM` as a record. */
export async function streamInfo(redis: RedisClientType, key: string): Promise<Record<string, unknown>> {
  return (await redis.sendCommand(['XINFO', 'STREAM', key])) as Record<string, unknown>;
}
