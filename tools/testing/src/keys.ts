import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { PlainClient } from './plain-client.js';

/** A key prefix no other test uses, so tests can share one server and run side by side. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/**
 * Deletes every key that starts with `prefix` (SCAN + UNLINK, never FLUSHALL), plus any extra keys
 * named exactly. Used after each test so that a shared server is left as it was found.
 */
export async function deleteKeys(
  url: string,
  prefix: string,
  exact: readonly string[] = [],
): Promise<number> {
  const client = createClient({ url }) as PlainClient;
  client.on('error', () => {});
  await client.connect();
  try {
    return await deleteKeysWith(client, prefix, exact);
  } finally {
    await client.close();
  }
}

/** {@link deleteKeys} over a client that is already open. */
export async function deleteKeysWith(
  client: PlainClient,
  prefix: string,
  exact: readonly string[] = [],
): Promise<number> {
  let deleted = 0;
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 500 })) {
    if (batch.length > 0) deleted += await client.unlink(batch);
  }
  if (exact.length > 0) deleted += await client.unlink([...exact]);
  return deleted;
}
