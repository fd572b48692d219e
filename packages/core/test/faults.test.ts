import { freePort, pause, type RedisServer, startRedisServer } from '@redis-ipc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, isIpcError, LuaScript, toIpcError } from '../src/index.js';

// These tests stop and restart Redis, so they use a server of their own.
describe('faults', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('reconnects by itself after the server is stopped and started again', async () => {
    const ipc = await createClient({ url: server.url, prefix: 'restart' }).connect();
    try {
      await ipc.redis.set('restart:k', '1');
      await server.kill();
      // A command sent while Redis is down waits for the connection to come back.
      const pending = ipc.redis.get('restart:k');
      await pause(300);
      const restartedAt = performance.now();
      await server.start();
      expect(await pending).toBeNull(); // no persistence: the restarted server is empty
      const resumedAfter = performance.now() - restartedAt;
      expect(resumedAfter).toBeLessThan(1500);
      console.info(`shared connection resumed ${resumedAfter.toFixed(0)} ms after the server returned`);
      expect(await ipc.redis.ping()).toBe('PONG');
    } finally {
      await ipc.close();
    }
  });

  it('keeps a blocked reader waiting across a restart, and delivers what is pushed after it', async () => {
    const ipc = await createClient({ url: server.url }).connect();
    try {
      const key = 'restart:list';
      const waiting = ipc.blocking((redis, wait) => redis.brPop(key, wait.seconds), { timeoutMs: 20_000 });
      await pause(100);
      await server.kill();
      await pause(300);
      await server.start();
      const writer = await createClient({ url: server.url }).connect();
      await writer.redis.lPush(key, 'after-restart');
      await writer.close();
      await expect(waiting).resolves.toEqual({ key, element: 'after-restart' });
    } finally {
      await ipc.close();
    }
  });

  it('does not leave a waiter hanging past its timeout while Redis is down', async () => {
    const ipc = await createClient({ url: server.url }).connect();
    try {
      const started = performance.now();
      const waiting = ipc.blocking((redis, wait) => redis.brPop('restart:none', wait.seconds), {
        timeoutMs: 800,
      });
      await pause(50);
      await server.kill();
      const error = await waiting.catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(isIpcError(error, 'IPC_CONNECTION')).toBe(true);
      expect(elapsed).toBeLessThan(800 + 1500);
    } finally {
      await server.start();
      await ipc.close();
    }
  });

  it('closes at once while Redis is down, failing the commands that were waiting for it', async () => {
    const ipc = await createClient({ url: server.url }).connect();
    await server.kill();
    try {
      const pending = ipc.redis.get('restart:k').catch((e: unknown) => e);
      await pause(100);
      const started = performance.now();
      await ipc.close();
      expect(performance.now() - started).toBeLessThan(500);
      // Cut off by close(), not by the network: a ClosedError, which nobody retries.
      expect(isIpcError(toIpcError(await pending), 'IPC_CLOSED')).toBe(true);
    } finally {
      await server.start();
    }
  });

  it('reloads a Lua script the server no longer has (NOSCRIPT after restart or SCRIPT FLUSH)', async () => {
    const ipc = await createClient({ url: server.url }).connect();
    try {
      const script = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1);
      expect(await script.run(ipc.redis, ['lua:n'], ['2'])).toBe(2);
      await ipc.redis.scriptFlush();
      expect(await script.run(ipc.redis, ['lua:n'], ['3'])).toBe(5);
      await server.restart();
      expect(await script.run(ipc.redis, ['lua:n'], ['1'])).toBe(1);
      const error = await script.run(ipc.redis, ['lua:n'], ['not-a-number']).catch((e: unknown) => e);
      expect(isIpcError(error, 'IPC_COMMAND')).toBe(true);
    } finally {
      await ipc.close();
    }
  });

  it('restores subscriptions after a restart and tells listeners to re-check', async () => {
    const ipc = await createClient({ url: server.url }).connect();
    try {
      const received: string[] = [];
      let reconnects = 0;
      ipc.subscriber.onReconnect(() => {
        reconnects++;
      });
      await ipc.subscriber.subscribe('chan', (message) => received.push(message));
      await ipc.redis.publish('chan', 'one');
      // Killed only once 'one' has arrived: a kill can reset the socket before it is read.
      const arrived = Date.now() + 5000;
      while (received.length < 1 && Date.now() < arrived) await pause(5);
      await server.kill();
      await server.start();
      const deadline = Date.now() + 5000;
      while (reconnects === 0 && Date.now() < deadline) await pause(20);
      expect(reconnects).toBe(1);
      await ipc.redis.publish('chan', 'two');
      while (received.length < 2 && Date.now() < deadline) await pause(20);
      expect(received).toEqual(['one', 'two']);
    } finally {
      await ipc.close();
    }
  });
  it('leaves no connection open when closed while its connections are still opening', async () => {
    const admin = await createClient({ url: server.url }).connect();
    const clientNames = async () =>
      String(await admin.redis.sendCommand(['CLIENT', 'LIST', 'TYPE', 'normal']))
        .split('\n')
        .filter((line) => line.includes(' id=') || line.startsWith('id=')).length;
    try {
      const alone = await clientNames();
      // Closed after 0, 1, 2 … turns of the event loop: while the shared, blocking and subscriber
      // connections are being opened.
      for (let turns = 0; turns < 6; turns++) {
        const ipc = createClient({ url: server.url });
        const blocked = ipc
          .blocking((redis, wait) => redis.brPop('nothing', wait.seconds))
          .catch((error: unknown) => error);
        ipc.subscriber.subscribe('nothing', () => {}).catch(() => undefined);
        for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
        await ipc.close();
        expect(isIpcError(await blocked, 'IPC_CLOSED')).toBe(true);
      }
      // Every socket those clients opened is gone (the server sees a close within a moment).
      const deadline = performance.now() + 3000;
      while ((await clientNames()) > alone && performance.now() < deadline) {
        await pause(20);
      }
      expect(await clientNames()).toBe(alone);
    } finally {
      await admin.close();
    }
  });
});

describe('errors from a real server', () => {
  it('reports a refused connection as ConnectionError, not as a timeout', async () => {
    const port = await freePort();
    const ipc = createClient({
      url: `redis://127.0.0.1:${port}`,
      redis: { socket: { reconnectStrategy: false } },
    });
    const error = await ipc.connect().catch((e: unknown) => e);
    expect(isIpcError(error, 'IPC_CONNECTION')).toBe(true);
    expect(isIpcError(error, 'IPC_TIMEOUT')).toBe(false);
    await ipc.close();
  });

  it('reports an error reply as CommandError, and the connection stays fine', async () => {
    const server = await startRedisServer();
    const ipc = await createClient({ url: server.url }).connect();
    try {
      await ipc.redis.set('text', 'abc');
      const script = new LuaScript("return redis.call('INCR', KEYS[1])", 1);
      const error = await script.run(ipc.redis, ['text']).catch((e: unknown) => e);
      expect(isIpcError(error, 'IPC_COMMAND')).toBe(true);
      expect((error as Error).name).toBe('CommandError');
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect(await ipc.redis.ping()).toBe('PONG');
    } finally {
      await ipc.close();
      await server.stop();
    }
  });
});
