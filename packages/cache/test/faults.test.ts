import { isIpcError } from '@redis-ipc/core';
import { type RedisServer, rejection, standaloneTarget, startRedisServer } from '@redis-ipc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { cacheContext } from './connect.js';

// These tests stop and restart Redis, so they use a server of their own.
describe('server restarts', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  const t = cacheContext({ target: () => standaloneTarget(server.url), label: 'fault' });

  it('does not leave a waiter hanging past its timeout across a restart', async () => {
    const cache = createCache<number>(await t.client(), 'restart');
    const started = performance.now();
    // Long enough for the server and the client's connections to be back before the deadline.
    const waiting = rejection(cache.waitFor('k', { timeoutMs: 3000 }));
    await t.until(() => cache.waiting === 1);
    await t.pause(100);
    await server.kill();
    await t.pause(300);
    await server.start();
    const error = await waiting;
    const elapsed = performance.now() - started;
    expect(isIpcError(error, 'IPC_TIMEOUT')).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(2950);
    expect(elapsed).toBeLessThan(3000 + 2000);
  });

  it('rejects with ConnectionError at the deadline while Redis stays down', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'down');
    const waiting = rejection(cache.waitFor('k', { timeoutMs: 800 }));
    await t.until(() => cache.waiting === 1);
    const started = performance.now();
    await server.kill();
    try {
      const error = await waiting;
      expect(isIpcError(error, 'IPC_CONNECTION')).toBe(true);
      expect(performance.now() - started).toBeLessThan(800 + 2000);
      // A wait that starts while Redis is down is bounded too.
      const late = await rejection(cache.waitFor('k2', { timeoutMs: 300 }));
      expect(isIpcError(late, 'IPC_CONNECTION')).toBe(true);
    } finally {
      await server.start();
      // IpcClient.close() waits for commands queued while offline (the late probe's GET): let them run.
      await t.until(() => ipc.redis.isReady, 10_000);
    }
  });

  it('takes its last look at the deadline while only the subscription connection is down', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'last-look');
    await cache.set('present', 1);
    const other = cache.waitFor('absent', { timeoutMs: 10_000 }).catch(() => undefined);
    await t.until(
      async () =>
        Number((await t.plain.pubSubNumSub(`${t.prefix}:{last-look}:c:e`))[`${t.prefix}:{last-look}:c:e`]) ===
        1,
    );
    // The subscription connection is cut, and the server then stays busy for 300 ms: its reconnect
    // is not through when the wait below ends. The shared connection is up all along.
    const spin =
      "local t = redis.call('TIME') local start = t[1] * 1000000 + t[2] " +
      "repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - start >= 300000 return 1";
    await Promise.all([
      t.plain.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']),
      t.plain.sendCommand(['EVAL', spin, '0']),
    ]);
    expect(await cache.waitFor('present', { timeoutMs: 0 })).toBe(1);
    expect(isIpcError(await rejection(cache.waitFor('absent', { timeoutMs: 0 })), 'IPC_TIMEOUT')).toBe(true);
    cache.close();
    await other;
  });

  it('re-arms after a restart that lost the waiting marker, so a later write still wakes the waiter', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'rearm');
    const marker = `${t.prefix}:{rearm}:c:k:k`;
    const waiting = cache.waitFor('k', { timeoutMs: 15_000 });
    await t.until(async () => (await ipc.redis.exists(marker)) === 1);
    await server.restart();
    // The restarted server is empty; the waiter puts its marker back once reconnected.
    await t.until(async () => (await ipc.redis.exists(marker)) === 1, 8000);
    const writer = createCache<number>(await t.client(), 'rearm');
    await writer.set('k', 3);
    expect(await waiting).toBe(3);
  });

  it('sees a value written while it was reconnecting', async () => {
    const cache = createCache<number>(await t.client(), 'missed', {
      foreignWritePollMs: Number.POSITIVE_INFINITY,
    });
    const waiting = cache.waitFor('k', { timeoutMs: 15_000 });
    await t.until(() => cache.waiting === 1);
    await t.pause(100);
    await server.kill();
    await server.start();
    // Written by another client before the waiter's connections are back: no marker, no message.
    const writer = createCache<number>(await t.client(), 'missed');
    await writer.set('k', 4);
    expect(await waiting).toBe(4);
  });
});

// A server stopped with SIGSTOP keeps its sockets open and answers nothing: the client still counts
// as connected, and every command sent meanwhile waits for the server to go on. A wait must end at
// its deadline all the same; the last look it takes then is bounded (see the README).
const STOP_MS = 4000;
const TIMEOUT_MS = 1000;
// The last look's grace, plus timers on a loaded machine.
const LATE_MS = 1000;

describe('a stopped server', () => {
  let server: RedisServer;
  let pid: number;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  const t = cacheContext({ target: () => standaloneTarget(server.url), label: 'stopped' });

  // Stops the server for STOP_MS, or until `check` ends, whichever is later. SIGCONT is sent by a
  // timer, so a wait that only ends once the server answers again fails the test instead of hanging.
  async function whileStopped(check: (stoppedAt: number) => Promise<void>): Promise<void> {
    pid ??= Number(/process_id:(\d+)/.exec(await t.plain.info('server'))![1]);
    const stoppedAt = performance.now();
    process.kill(pid, 'SIGSTOP');
    const resume = setTimeout(() => process.kill(pid, 'SIGCONT'), STOP_MS);
    try {
      await check(stoppedAt);
    } finally {
      await t.pause(Math.max(0, STOP_MS - (performance.now() - stoppedAt)));
      clearTimeout(resume);
      process.kill(pid, 'SIGCONT');
      await t.until(async () => (await t.plain.ping()) === 'PONG', 10_000);
    }
  }

  // Resolves with how long `wait` took to reject, and with what.
  async function timed(wait: () => Promise<unknown>): Promise<{ ms: number; error: Error }> {
    const started = performance.now();
    const error = await rejection(wait());
    return { ms: performance.now() - started, error };
  }

  function expectOnTime({ ms, error }: { ms: number; error: Error }): void {
    expect(isIpcError(error, 'IPC_TIMEOUT'), String(error)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
  }

  it('ends a waitFor at its deadline, whether it began before the stop or during it', async () => {
    const cache = createCache<number>(await t.client(), 'wait');
    const before = timed(() => cache.waitFor('before', { timeoutMs: TIMEOUT_MS }));
    await t.until(() => cache.waiting === 1);
    await t.pause(100);
    await whileStopped(async () => {
      const during = timed(() => cache.waitFor('during', { timeoutMs: TIMEOUT_MS }));
      expectOnTime(await before);
      expectOnTime(await during);
    });
  });

  it('ends a getOrSet waiting for another loader at its deadline, whether it began before the stop or during it', async () => {
    const holder = createCache<number>(await t.client(), 'load');
    let finishLoad!: (value: number) => void;
    const loading = holder
      .getOrSet(
        'k',
        () =>
          new Promise<number>((resolve) => {
            finishLoad = resolve;
          }),
        { lockMs: 10_000 },
      )
      .catch((error: unknown) => error);
    await t.until(() => finishLoad !== undefined);
    const cache = createCache<number>(await t.client(), 'load');
    const loader = () => Promise.resolve(1);
    const before = timed(() => cache.getOrSet('k', loader, { timeoutMs: TIMEOUT_MS }));
    await t.until(() => cache.waiting === 1);
    await t.pause(100);
    try {
      await whileStopped(async () => {
        const during = timed(() => cache.getOrSet('k', loader, { timeoutMs: TIMEOUT_MS }));
        expectOnTime(await before);
        expectOnTime(await during);
      });
    } finally {
      finishLoad(2);
    }
    expect(await loading).toBe(2);
  });
});
