import { getEventListeners } from 'node:events';
import { rejection, testContext } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { type BlockingWait, isIpcError, type RedisClient } from '../src/index.js';
import { connect } from './connect.js';

const brpop = (key: string) => (redis: RedisClient, wait: BlockingWait) => redis.brPop(key, wait.seconds);

// A process's shutdown signal outlives every call made with it: no call may leave a listener on it.
describe('a long-lived AbortSignal', () => {
  const t = testContext({ label: 'core', connect, options: { maxBlockingConnections: 8 } });

  it('keeps no listener once hundreds of blocking calls on it have settled', async () => {
    const shutdown = new AbortController();
    const { signal } = shutdown;
    const full = t.ipc.keys.structure('q', 'full').main;
    const empty = t.ipc.keys.structure('q', 'empty').main;
    const wrongType = t.ipc.keys.structure('q', 'string').main;
    await t.ipc.redis.lPush(
      full,
      Array.from({ length: 150 }, (_, i) => String(i)),
    );
    await t.ipc.redis.set(wrongType, 'not a list');
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 150; i++) calls.push(t.ipc.blocking(brpop(full), { signal, timeoutMs: 5000 }));
    for (let i = 0; i < 100; i++)
      calls.push(rejection(t.ipc.blocking(brpop(empty), { signal, timeoutMs: 20 })));
    for (let i = 0; i < 50; i++) calls.push(rejection(t.ipc.blocking(brpop(wrongType), { signal })));
    const outcomes = await Promise.all(calls);
    expect(outcomes.slice(150, 250).every((error) => isIpcError(error, 'IPC_TIMEOUT'))).toBe(true);
    expect(outcomes.slice(250).every((error) => isIpcError(error, 'IPC_COMMAND'))).toBe(true);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(t.ipc.closeSignal, 'abort')).toHaveLength(0);
  });

  it('keeps no listener after calls it aborted, or that the client closed', async () => {
    const key = t.ipc.keys.structure('q', 'none').main;
    const shutdown = new AbortController();
    const aborted = new AbortController();
    const calls = Array.from({ length: 20 }, () =>
      rejection(t.ipc.blocking(brpop(key), { signal: AbortSignal.any([shutdown.signal, aborted.signal]) })),
    );
    const closing = Array.from({ length: 20 }, () =>
      rejection(t.ipc.blocking(brpop(key), { signal: shutdown.signal })),
    );
    aborted.abort();
    for (const error of await Promise.all(calls)) expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
    await t.ipc.close();
    for (const error of await Promise.all(closing)) expect(isIpcError(error, 'IPC_CLOSED')).toBe(true);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });
});
