import { createClient, type IpcClient } from '@redis-ipc/core';
import { createClient as createRedisClient, type RedisClientType } from 'redis';

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error & { code?: string },
  );
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  label = 'condition',
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${label} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

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
