import { Random } from '@redis-ipc/testing/random';
import type { Role } from '../run/role.js';
import { describeError, pause } from '../run/work.js';
import { openCache } from './value.js';

/** Parameters of the {@link cacheLoader} role. */
export interface LoaderParams {
  readonly cache: string;
  readonly codec: 'json' | 'buffer';
  readonly lockMs: number;
  readonly keys: readonly string[];
  readonly seed: number;
}

/**
 * Calls `getOrSet` on its keys again and again (values live a few hundred ms, so loads recur). The
 * loader takes 100–600 ms and sometimes throws. Journal: `load-start` / `load-end` / `load-threw`
 * (key, l), `got` (key, n), `get-error` (key, code).
 */
export const cacheLoader: Role<LoaderParams> = async ({ url, params, journal, label }) => {
  const cache = await openCache(url, params.cache, params.codec, params.lockMs);
  const random = new Random(params.seed * 31 + label.length * 104729 + Number(label.split('.')[1] ?? 0));
  const base = Number(label.replace(/\D+/g, '')) * 1_000_000;
  let closed = false;
  let l = 0;
  const loop = (async () => {
    while (!closed) {
      const key = random.pick(params.keys);
      const ttlMs = random.int(300, 1000);
      const loadMs = random.int(100, 600);
      const throws = random.chance(0.1);
      try {
        const n = await cache.getOrSet(
          key,
          async () => {
            const id = base + ++l;
            journal.write('load-start', { key, l: id });
            await pause(loadMs);
            if (throws) {
              journal.write('load-threw', { key, l: id });
              throw new Error('the loader failed');
            }
            journal.write('load-end', { key, l: id });
            return id;
          },
          params.lockMs,
          ttlMs,
        );
        journal.write('got', { key, n });
      } catch (error) {
        journal.write('get-error', { key, code: describeError(error) });
      }
      await pause(random.int(0, 200));
    }
  })();
  return {
    close: async () => {
      closed = true;
      await cache.ipc.close();
      await loop.catch(() => {});
    },
  };
};
