import { createClient, type RedisClientOptions, type RedisClientType } from 'redis';
import type { Endpoint } from './targets.js';

/** A plain node-redis client, as another program would use: to write fixtures and check state. */
export type PlainClient = RedisClientType;

/**
 * Opens a plain node-redis client on `url`, or on an endpoint with its TLS and credential options
 * (connection errors are left to the commands, never thrown as unhandled 'error' events). Close it
 * yourself, or use the one a {@link testContext} hands out.
 */
export async function plainClient(where: string | Endpoint): Promise<PlainClient> {
  const endpoint = typeof where === 'string' ? { url: where } : where;
  const client = createClient({ ...endpoint.redis, url: endpoint.url } as RedisClientOptions) as PlainClient;
  client.on('error', () => {});
  await client.connect();
  return client;
}
