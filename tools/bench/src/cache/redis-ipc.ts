// redis-ipc's cache: set/get throughput, and waitFor as the waiting side of a wake-up.

import { createCache } from '@redis-ipc/cache';
import { createClient } from '@redis-ipc/core';
import type { Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';
import type { LatencySummary } from '../harness/stats.js';
import {
  readInTurn,
  setThenGet,
  type ThroughputParams,
  type ThroughputReport,
  TTL_MS,
  type WakeParams,
  warmUp,
  writeSpaced,
} from './roles.js';

const WAIT_TIMEOUT_MS = 5000;

export const client: Role<ThroughputParams, ThroughputReport> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const cache = createCache<Task>(ipc, params.name, { ttlMs: TTL_MS });
  const set = (key: string, value: Task) => cache.set(key, value);
  const get = (key: string) => cache.get(key);
  await warmUp(params, set, get);
  return {
    run: () => setThenGet(params, set, get),
    close: () => ipc.close(),
  };
};

export const writer: Role<WakeParams, { written: number }> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const cache = createCache<Task>(ipc, params.name, { ttlMs: TTL_MS });
  return {
    run: () => writeSpaced(params, (key, task) => cache.set(key, task)),
    close: () => ipc.close(),
  };
};

export const reader: Role<WakeParams, LatencySummary> = async ({ url, params }) => {
  const ipc = createClient(url);
  await ipc.connect();
  const cache = createCache<Task>(ipc, params.name, { ttlMs: TTL_MS });
  return {
    run: () => readInTurn(params, (key) => cache.waitFor(key, { timeoutMs: WAIT_TIMEOUT_MS })),
    close: () => ipc.close(),
  };
};
