import { createClient, type RedisClientType } from 'redis';

/**
 * node-redis's per-command timeout: `default` keeps its 5 s timer on every command (what a user who
 * changes nothing gets); `off` sets `commandOptions: { timeout: 0 }`, the hand-written best.
 */
export type TimeoutMode = 'default' | 'off';

/** A connected node-redis client, as a hand-written peer would make it. */
export async function connectRaw(url: string, timeout: TimeoutMode): Promise<RedisClientType> {
  const client = createClient({
    url,
    ...(timeout === 'off' ? { commandOptions: { timeout: 0 } } : {}),
  }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Closes clients, ignoring errors (used at the end of a role). */
export async function closeAll(clients: readonly RedisClientType[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      try {
        if (client.isOpen) await client.close();
      } catch {
        client.destroy();
      }
    }),
  );
}
