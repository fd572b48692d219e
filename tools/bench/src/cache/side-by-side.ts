// redis-ipc's waitFor and the hand-written SET + PUBLISH with the value, measured in the same pair
// of processes over the same seconds: the writer alternates between them write by write, and the
// reader waits for each key in turn with the matching side. Whatever the machine does meanwhile
// (another process, a slow spell) falls on both alike, so their ratio is the code's.
import { createCache } from '@redis-ipc/cache';
import { createClient } from '@redis-ipc/core';
import { closeAll, connectRaw } from '../harness/node-redis.js';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import type { LatencySummary } from '../harness/stats.js';
import { publishedWaits, publishingWrite } from './raw-publish.js';
import { readInTurnBySide, TTL_MS, type WakeParams, writeSpaced } from './roles.js';

const WAIT_TIMEOUT_MS = 5000;

/** Even keys go through redis-ipc, odd keys through the hand-written pattern. */
const isOurs = (key: string) => Number(key.slice(1)) % 2 === 0;

/** What the reader measured on each side. */
export interface SideBySideReport {
  readonly ours: LatencySummary;
  readonly reference: LatencySummary;
}

export const writer: Role<WakeParams, { written: number }> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const redis = await connectRaw(url, 'off');
  const cache = createCache<Task>(ipc, params.name, { ttlMs: TTL_MS });
  const handWritten = publishingWrite(redis, params.name, true);
  return {
    run: () =>
      writeSpaced(params, (key, task) => (isOurs(key) ? cache.set(key, task) : handWritten(key, task))),
    close: async () => {
      await closeAll([redis]);
      await ipc.close();
    },
  };
};

export const reader: Role<WakeParams, SideBySideReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const [redis, subscriber] = await Promise.all([connectRaw(url, 'off'), connectRaw(url, 'off')]);
  const cache = createCache<Task>(ipc, params.name, { ttlMs: TTL_MS });
  const handWritten = await publishedWaits(redis, subscriber, params.name, true);
  return {
    run: async () => {
      const [ours, reference] = await readInTurnBySide(
        params,
        (key) => (isOurs(key) ? cache.waitFor(key, { timeoutMs: WAIT_TIMEOUT_MS }) : handWritten(key)),
        (key) => (isOurs(key) ? 0 : 1),
        2,
      );
      return { ours: ours!, reference: reference! };
    },
    close: async () => {
      await closeAll([redis, subscriber]);
      await ipc.close();
    },
  };
};
