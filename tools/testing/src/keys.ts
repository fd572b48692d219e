import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

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
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  let deleted = 0;
  try {
    const patterns = [`${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`];
    for (const pattern of patterns) {
      for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 500 })) {
        if (batch.length > 0) deleted += await client.unlink(batch);
      }
    }
    if (exact.length > 0) deleted += await client.unlink([...exact]);
  } finally {
    await client.close();
  }
  return deleted;
}
