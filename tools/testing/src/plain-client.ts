import { createClient, type RedisClientType } from 'redis';

/** A plain node-redis client, as another program would use: to write fixtures and check state. */
export type PlainClient = RedisClientType;

/**
 * Opens a plain node-redis client on `url` (connection errors are left to the commands, never thrown
 * as unhandled 'error' events). Close it yourself, or use the one a {@link testContext} hands out.
 */
export async function plainClient(url: string): Promise<PlainClient> {
  const client = createClient({ url }) as PlainClient;
  client.on('error', () => {});
  await client.connect();
  return client;
}
