import { pause, rejection, testContext } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { type BlockingWait, isIpcError, type RedisClient } from '../src/index.js';
import { connect } from './connect.js';

const brpop = (key: string) => (redis: RedisClient, wait: BlockingWait) => redis.brPop(key, wait.seconds);

// More parked waits than blocking connections: each server-side wait is bounded, so connections rotate
// between the waiters and none of them is starved.
describe('blocking waits share a small pool fairly', () => {
  const t = testContext({ label: 'core', connect, options: { maxBlockingConnections: 2 } });

  it('delivers to a waiter queued behind two parked ones within one wait period', {
    timeout: 10_000,
  }, async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => t.ipc.keys.structure('q', name).main) as [
      string,
      string,
      string,
    ];
    const controller = new AbortController();
    const parkedA = rejection(t.ipc.blocking(brpop(a), { signal: controller.signal }));
    const parkedB = rejection(t.ipc.blocking(brpop(b), { signal: controller.signal }));
    await pause(50);
    const started = performance.now();
    const waitingC = t.ipc.blocking(brpop(c), { signal: controller.signal });
    await t.ipc.redis.lPush(c, 'for-c');
    await expect(waitingC).resolves.toEqual({ key: c, element: 'for-c' });
    const elapsed = performance.now() - started;
    console.info(`the third waiter got its value after ${elapsed.toFixed(0)} ms`);
    // One wait period (2 s by default), plus the round trips of the rotation.
    expect(elapsed).toBeLessThan(3000);
    expect(t.ipc.blockingConnections).toBe(2);
    controller.abort();
    for (const error of await Promise.all([parkedA, parkedB]))
      expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
  });

  it('ends a wait still queued for a connection at its deadline, and frees its place', async () => {
    const key = t.ipc.keys.structure('q', 'idle').main;
    const controller = new AbortController();
    const parked = [1, 2].map(() => rejection(t.ipc.blocking(brpop(key), { signal: controller.signal })));
    await pause(50);
    const started = performance.now();
    const error = await rejection(t.ipc.blocking(brpop(key), { timeoutMs: 300 }));
    expect(isIpcError(error, 'IPC_TIMEOUT')).toBe(true);
    expect(performance.now() - started).toBeLessThan(1500);
    controller.abort();
    await Promise.all(parked);
    // Nothing was left queued: a new wait gets a connection at once.
    await t.ipc.redis.lPush(key, 'x');
    await expect(t.ipc.blocking(brpop(key), { timeoutMs: 2000 })).resolves.toEqual({ key, element: 'x' });
  });
});
