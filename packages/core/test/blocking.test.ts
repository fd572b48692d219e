import { deleteKeys, redisUrl, uniquePrefix } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type IpcClient, isIpcError } from '../src/index.js';

describe('IpcClient.blocking', () => {
  let prefix: string;
  let ipc: IpcClient;

  beforeEach(async () => {
    prefix = uniquePrefix();
    ipc = await createClient({ url: redisUrl(), prefix }).connect();
  });

  afterEach(async () => {
    await ipc.close();
    await deleteKeys(redisUrl(), prefix);
  });

  const brpop = (key: string) => (redis: IpcClient['redis'], wait: { seconds: number }) =>
    redis.brPop(key, wait.seconds);

  it('ends a blocked BRPOP promptly when its signal aborts, and the connection stays usable', async () => {
    const key = ipc.keys.structure('q', 'abort').main;
    const controller = new AbortController();
    const waiting = ipc.blocking(brpop(key), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    controller.abort();
    const error = await waiting.catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
    expect(elapsed).toBeLessThan(500);
    console.log(`abort of a blocked BRPOP took ${elapsed.toFixed(2)} ms`);
    // The same (single) blocking connection serves the next wait.
    expect(ipc.blockingConnections).toBe(1);
    await ipc.redis.lPush(key, 'x');
    await expect(ipc.blocking(brpop(key), { timeoutMs: 1000 })).resolves.toEqual({ key, element: 'x' });
    expect(ipc.blockingConnections).toBe(1);
  });
});
