import { createClient as createPlainClient } from 'redis';
import type { Role } from '../run/role.js';
import type { CacheWrite } from './plan.js';
import { openCache } from './value.js';

/** Parameters of the {@link cacheWriter} role. */
export interface WriterParams {
  readonly cache: string;
  readonly codec: 'json' | 'buffer';
  readonly lockMs: number;
  readonly writes: readonly CacheWrite[];
}

/**
 * Writes on schedule: `set` through the library, a plain `SET` of a bare payload as another program
 * would, or `delete`. Journal: `write` before (op, key, n, ttlMs), `written` once it resolved,
 * `write-error`.
 */
export const cacheWriter: Role<WriterParams> = async ({ url, params, journal }) => {
  const cache = await openCache(url, params.cache, params.codec, params.lockMs);
  const plain = createPlainClient({ url });
  plain.on('error', () => {});
  await plain.connect();
  const started = Date.now();
  const done = (async () => {
    for (const write of params.writes) {
      const wait = started + write.atMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const at = { op: write.op, key: write.key, n: write.n, ttlMs: write.ttlMs };
      journal.write('write', at);
      try {
        if (write.op === 'set') await cache.set(write.key, write.n, write.ttlMs);
        else if (write.op === 'delete') await cache.cache.delete(write.key);
        else await plain.set(cache.redisKey(write.key), cache.foreignPayload(write.n), { PX: write.ttlMs });
        journal.write('written', at);
      } catch (error) {
        journal.write('write-error', { ...at, error: String(error) });
      }
    }
    journal.write('writer-done');
  })();
  return {
    done,
    close: async () => {
      await Promise.allSettled([cache.ipc.close(), plain.close()]);
    },
  };
};
