import { pause, rejection, testContext } from '@redis-ipc/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { type BlockingWait, createClient, isIpcError, type RedisClient } from '../src/index.js';
import { connect } from './connect.js';

const brpop = (key: string) => (redis: RedisClient, wait: BlockingWait) => redis.brPop(key, wait.seconds);

describe('IpcClient.blocking', () => {
  const t = testContext({ label: 'core', connect });
  let key: string;

  beforeEach(() => {
    key = t.ipc.keys.structure('q', 'jobs').main;
  });

  it('resolves with the reply as soon as the server has one', async () => {
    const waiting = t.ipc.blocking(brpop(key), { timeoutMs: 5000 });
    await t.ipc.redis.lPush(key, 'a');
    await expect(waiting).resolves.toEqual({ key, element: 'a' });
  });

  it('ends a blocked BRPOP promptly when its signal aborts, and the connection stays usable', async () => {
    const controller = new AbortController();
    const waiting = t.ipc.blocking(brpop(key), { signal: controller.signal });
    await pause(50);
    const started = performance.now();
    controller.abort(new Error('user went away'));
    const error = await rejection(waiting);
    const elapsed = performance.now() - started;
    expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
    expect((error as Error).cause).toEqual(new Error('user went away'));
    expect(elapsed).toBeLessThan(500);
    console.info(`abort of a blocked BRPOP took ${elapsed.toFixed(2)} ms`);
    // The server is no longer blocked for us: a push now is not swallowed by the aborted call.
    await t.ipc.redis.lPush(key, 'x');
    expect(await t.ipc.redis.lLen(key)).toBe(1);
    // And the same dedicated connection serves the next wait.
    await expect(t.ipc.blocking(brpop(key), { timeoutMs: 1000 })).resolves.toEqual({ key, element: 'x' });
    expect(t.ipc.blockingConnections).toBe(1);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const error = await rejection(t.ipc.blocking(brpop(key), { signal: AbortSignal.abort() }));
    expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
    expect(t.ipc.blockingConnections).toBe(0);
  });

  it('rejects with TimeoutError (not an empty value) when the timeout passes', async () => {
    const started = performance.now();
    const error = await rejection(t.ipc.blocking(brpop(key), { timeoutMs: 150 }));
    const elapsed = performance.now() - started;
    expect(isIpcError(error, 'IPC_TIMEOUT')).toBe(true);
    expect((error as unknown as { timeoutMs: number }).timeoutMs).toBe(150);
    expect(elapsed).toBeGreaterThanOrEqual(145);
    expect(elapsed).toBeLessThan(1000);
  });

  it('waits longer than node-redis’s default 5 s command timeout', { timeout: 20_000 }, async () => {
    const started = performance.now();
    const waiting = t.ipc.blocking(brpop(key), { timeoutMs: 15_000 });
    await pause(10_000);
    await t.ipc.redis.lPush(key, 'late');
    await expect(waiting).resolves.toEqual({ key, element: 'late' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(10_000);
  });

  it('keeps ordinary commands fast while twenty readers are blocked', async () => {
    const controller = new AbortController();
    const readers = Array.from({ length: 20 }, () =>
      rejection(t.ipc.blocking(brpop(key), { signal: controller.signal })),
    );
    await pause(100);
    expect(t.ipc.blockingConnections).toBe(20);
    const started = performance.now();
    await t.ipc.redis.set(`${t.prefix}:probe`, '1');
    expect(await t.ipc.redis.get(`${t.prefix}:probe`)).toBe('1');
    const elapsed = performance.now() - started;
    // A GET stuck behind a blocked reader would wait as long as the reader; typically this takes 1 ms.
    expect(elapsed).toBeLessThan(1000);
    controller.abort();
    for (const error of await Promise.all(readers)) expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
  });

  it('queues waiters beyond maxBlockingConnections instead of failing', async () => {
    const small = await t.client({ maxBlockingConnections: 2 });
    const waits = Array.from({ length: 5 }, () => small.blocking(brpop(key), { timeoutMs: 5000 }));
    await pause(50);
    expect(small.blockingConnections).toBe(2);
    await t.ipc.redis.lPush(key, ['1', '2', '3', '4', '5']);
    const elements = (await Promise.all(waits)).map((reply) => reply.element).sort();
    expect(elements).toEqual(['1', '2', '3', '4', '5']);
  });

  it('wakes every blocked caller with ClosedError on close(), leaving no socket behind', async () => {
    const other = createClient({ url: t.url, prefix: t.prefix });
    await other.connect();
    const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    const waits = Array.from({ length: 5 }, () => rejection(other.blocking(brpop(key))));
    await pause(50);
    const before = sockets();
    await other.close();
    for (const error of await Promise.all(waits)) expect(isIpcError(error, 'IPC_CLOSED')).toBe(true);
    await pause(50);
    expect(before - sockets()).toBe(6);
    const after = await rejection(other.blocking(brpop(key)));
    expect(isIpcError(after, 'IPC_CLOSED')).toBe(true);
  });

  it('hands a reply that raced an abort to onLateValue instead of losing it', async () => {
    const late: unknown[] = [];
    const controller = new AbortController();
    // The command resolves with a value even though the caller aborted while it ran.
    const waiting = t.ipc.blocking(
      async (redis) => {
        const reply = await redis.lPush(key, 'v');
        controller.abort();
        await pause(20);
        return reply;
      },
      { signal: controller.signal, onLateValue: (value) => late.push(value) },
    );
    const error = await rejection(waiting);
    expect(isIpcError(error, 'IPC_ABORTED')).toBe(true);
    await pause(50);
    expect(late).toEqual([1]);
  });

  it('loses nothing popped by a wait that close() ends: the value resolves it or reaches onLateValue', async () => {
    for (let round = 0; round < 20; round++) {
      const client = await createClient({ url: t.url, prefix: t.prefix }).connect();
      const late: unknown[] = [];
      const outcome = client.blocking(brpop(key), { onLateValue: (value) => late.push(value) }).then(
        () => 'value',
        (error: unknown) => (isIpcError(error, 'IPC_CLOSED') ? 'closed' : error),
      );
      await pause(20);
      // The push and the close cross each other (after 0 to 3 turns of the event loop).
      const pushed = t.ipc.redis.lPush(key, `v${round}`);
      for (let turn = 0; turn < round % 4; turn++) await new Promise((resolve) => setImmediate(resolve));
      await client.close();
      await pushed;
      const result = await outcome;
      const left = await t.ipc.redis.lLen(key);
      // Exactly one place holds the value: the caller, onLateValue, or still the list.
      expect([result === 'value', late.length === 1, left === 1].filter(Boolean)).toHaveLength(1);
      if (result !== 'value') expect(result).toBe('closed');
      await t.ipc.redis.del(key);
    }
  });

  it('wraps a node-redis client the user already has, and leaves it open on close()', async () => {
    const { createClient: createRedisClient } = await import('redis');
    const own = createRedisClient({ url: t.url }) as unknown as RedisClient;
    await own.connect();
    const wrapped = await createClient({ client: own, prefix: t.prefix }).connect();
    const waiting = wrapped.blocking(brpop(key), { timeoutMs: 2000 });
    await own.lPush(key, 'w');
    await expect(waiting).resolves.toEqual({ key, element: 'w' });
    await wrapped.close();
    expect(own.isOpen).toBe(true);
    expect(await own.ping()).toBe('PONG');
    await own.close();
  });
});
