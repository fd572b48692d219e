// Polling wake-up, what the Rust crate's blocking get does: GET the key every `variant` ms until it
// is there. The writer only SETs.
import { sleep } from '../harness/clock.js';
import { closeAll, connectRaw } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import type { LatencySummary } from '../harness/stats.js';
import { readInTurn, TTL_MS, type WakeParams, writeSpaced } from './roles.js';

const GIVE_UP_MS = 5000;

export const writer: Role<WakeParams, { written: number }> = async ({ url, params }) => {
  const redis = await connectRaw(url, 'off');
  return {
    run: () =>
      writeSpaced(params, (key, task) =>
        redis.set(`${params.name}:${key}`, JSON.stringify(task), {
          expiration: { type: 'PX', value: TTL_MS },
        }),
      ),
    close: () => closeAll([redis]),
  };
};

export const reader: Role<WakeParams, LatencySummary> = async ({ url, params }) => {
  const redis = await connectRaw(url, 'off');
  const intervalMs = Number(params.variant);
  return {
    run: () =>
      readInTurn(params, async (key) => {
        const giveUp = Date.now() + GIVE_UP_MS;
        for (;;) {
          const raw = await redis.get(`${params.name}:${key}`);
          if (raw !== null) return JSON.parse(raw) as Task;
          if (Date.now() > giveUp) throw new Error(`${key} did not appear within ${GIVE_UP_MS} ms`);
          await sleep(intervalMs);
        }
      }),
    close: () => closeAll([redis]),
  };
};
