import { Random } from '@redis-ipc/testing/random';
import type { Role } from '../run/role.js';
import { describeError, pause } from '../run/work.js';
import { openCache } from './value.js';

/** Parameters of the {@link cacheWaiter} role. */
export interface WaiterParams {
  readonly cache: string;
  readonly codec: 'json' | 'buffer';
  readonly lockMs: number;
  readonly keys: readonly string[];
  readonly waitMs: readonly [number, number];
  /** Seeds the waiter's own choices of keys and timeouts. */
  readonly seed: number;
}

const LANES = 3;

/**
 * Waits for keys, one after another, in a few concurrent lanes. Journal: `wait` (key, w, timeoutMs)
 * when a wait begins, then `woke` (key, w, n) or `wait-error` (key, w, code).
 */
export const cacheWaiter: Role<WaiterParams> = async ({ url, params, journal, label }) => {
  const cache = await openCache(url, params.cache, params.codec, params.lockMs);
  const random = new Random(params.seed + label.length * 7919 + Number(label.split('.')[1] ?? 0));
  let closed = false;
  let w = 0;
  const lane = async () => {
    while (!closed) {
      const key = random.pick(params.keys);
      const timeoutMs = random.int(params.waitMs[0], params.waitMs[1]);
      const id = ++w;
      journal.write('wait', { key, w: id, timeoutMs });
      try {
        const n = await cache.waitFor(key, timeoutMs);
        journal.write('woke', { key, w: id, n });
      } catch (error) {
        journal.write('wait-error', { key, w: id, code: describeError(error) });
      }
      await pause(random.int(0, 150));
    }
  };
  const lanes = Array.from({ length: LANES }, lane);
  return {
    close: async () => {
      closed = true;
      await cache.ipc.close();
      await Promise.allSettled(lanes);
    },
  };
};
