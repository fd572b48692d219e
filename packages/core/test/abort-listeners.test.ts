import { getEventListeners } from 'node:events';
import { deleteKeys, redisUrl, rejection, uniquePrefix } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BlockingWait,
  createClient,
  type IpcClient,
  isIpcError,
  type RedisClient,
} from '../src/index.js';

const brpop = (key: string) => (redis: RedisClient, wait: BlockingWait) => redis.brPop(key, wait.seconds);

// A process's shutdown signal outlives every call made with it: no call may leave a listener on it.
describe('a long-lived AbortSignal', () => {
  let prefix: string;
  let ipc: IpcClient;

  beforeEach(async () => {
    prefix = uniquePrefix();
    ipc = await createClient({ url: redisUrl(), prefix, maxBlockingConnections: 8 }).connect();
  });

  afterEach(async () => {
    await ipc.close();
    await deleteKeys(redisUrl(), prefix);
  });

  it('keeps no listener once hundreds of blocking calls on it have settled', async () => {
    const shutdown = new AbortController();
    const { signal } = shutdown;
    const full = ipc.keys.structure('q', 'full').main;
    const empty = ipc.keys.structure('q', 'empty').main;
    const wrongType = ipc.keys.structure('q', 'string').main;
    await ipc.redis.lPush(
      full,
      Array.from({ length: 150 }, (_, i) => String(i)),
    );
    await ipc.redis.set(wrongType, 'not a list');
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 150; i++) calls.push(ipc.blocking(brpop(full), { signal, timeoutMs: 5000 }));
    for (let i = 0; i < 100; i++)
      calls.push(rejection(ipc.blocking(brpop(empty), { signal, timeoutMs: 20 })));
    for (let i = 0; i < 50; i++) calls.push(rejection(ipc.blocking(brpop(wrongType), { signal })));
    const outcomes = await Promise.all(calls);
    expect(outcomes.slice(150, 250).every((error) => isIpcError(error, 'IPC_TIMEOUT'))).toBe(true);
    expect(outcomes.slice(250).every((error) => isIpcError(error, 'IPC_COMMAND'))).toBe(true);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(ipc.closeSignal, 'abort')).toHaveLength(0);
  });

  it('keeps no listener after calls it aborted, or that the client closed', async () => {
    const key = ipc.keys.structure('q', 'none').main;
    const shutdown = new AbortController();
    const aborted = new AbortController();
    const calls = Array.from({ length: 20 }, () =>
      rejection(ipc.blocking(brpop(key), { signal: AbortSignal.any([shutdown.signal, aborted.signal]) })),
    );
    const closing = Array.from({ length: 20 }, () =>
      rejection(ipc.blocking(brpop(key), { signal: shutdown.signal })),
    );
    aborted.abort();
    for (const error of await Promise.all(calls)) expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
    await ipc.close();
    for (const error of await Promise.all(closing)) expect(isIpcError(error, 'IPC_CLOSED')).toBe(true);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });
});
