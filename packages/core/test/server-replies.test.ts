import { inspect } from 'node:util';
import { freePort, pause, type RedisServer, rejection, startRedisServer } from '@redis-ipc/testing';
import { createClient as createRedisClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  type IpcClient,
  type IpcError,
  isIpcError,
  isTransientError,
  LuaScript,
  type RedisClient,
  toIpcError,
} from '../src/index.js';

// Stands for node-redis's ErrorReply in a second copy of node-redis: same text, another class.
class ForeignErrorReply extends Error {}

// A client whose replies fail with another copy's error classes: the same server, the same replies.
function asForeignCopy(redis: RedisClient): RedisClient {
  const sendCommand = (args: string[]) =>
    redis.sendCommand(args).catch((error: unknown) => {
      throw new ForeignErrorReply((error as Error).message);
    });
  return { sendCommand } as unknown as RedisClient;
}

// These tests change server settings (ACL users, busy threshold, replication), so they use servers of
// their own.
describe('server replies and connection failures', () => {
  let server: RedisServer;
  let ipc: IpcClient;

  beforeAll(async () => {
    server = await startRedisServer({ args: ['--busy-reply-threshold', '100'] });
    ipc = await createClient({ url: server.url }).connect();
  });

  afterAll(async () => {
    await ipc.close();
    await server.stop();
  });

  it('reloads a script after NOSCRIPT when the client comes from another copy of node-redis', async () => {
    const script = new LuaScript("return redis.call('INCR', KEYS[1])", 1);
    const foreign = asForeignCopy(ipc.redis);
    await ipc.redis.sendCommand(['SCRIPT', 'FLUSH']);
    expect(await script.run(foreign, ['foreign:n'])).toBe(1);
    expect(await script.run(foreign, ['foreign:n'])).toBe(2);
  });

  it('reports BUSY (a script running too long) as UnavailableError, transient, not ConnectionError', async () => {
    const busy = await createRedisClient({ url: server.url }).connect();
    try {
      // Runs for 600 ms on the server; past busy-reply-threshold (100 ms) other clients get BUSY.
      const running = busy.sendCommand([
        'EVAL',
        "local t = redis.call('TIME') local s = t[1] * 1e6 + t[2] repeat local n = redis.call('TIME') until n[1] * 1e6 + n[2] - s > 600000 return 1",
        '0',
      ]);
      await pause(300);
      const error = await rejection(
        ipc.redis.get('busy:k').catch((raw: unknown) => Promise.reject(toIpcError(raw))),
      );
      expect(error.code).toBe('IPC_UNAVAILABLE');
      expect(isTransientError(error)).toBe(true);
      expect((error as IpcError & { reply: string }).reply).toBe('BUSY');
      await running;
    } finally {
      busy.destroy();
    }
  });

  it('reports a write to a read-only replica as UnavailableError', async () => {
    const primary = await startRedisServer();
    const replica = await createRedisClient({ url: server.url }).connect();
    try {
      await replica.sendCommand(['REPLICAOF', '127.0.0.1', String(primary.port)]);
      const error = toIpcError(await rejection(replica.set('replica:k', '1')));
      expect(error.code).toBe('IPC_UNAVAILABLE');
      expect(error.message).toMatch(/READONLY/);
    } finally {
      await replica.sendCommand(['REPLICAOF', 'NO', 'ONE']);
      replica.destroy();
      await primary.stop();
    }
  });

  it('says authentication failed for a wrong password, and never shows the credentials', async () => {
    const guarded = await startRedisServer({ args: ['--requirepass', 'right-password'] });
    const user = 'acl-user-q7';
    const password = 'pw-9f3c1e77';
    const admin = await createRedisClient({ url: guarded.url, password: 'right-password' }).connect();
    await admin.sendCommand(['ACL', 'SETUSER', user, 'on', '>right-password', '~*', '+@all']);
    admin.destroy();
    const client = createClient({
      url: `redis://${user}:${password}@127.0.0.1:${guarded.port}`,
      offlineTimeoutMs: 1000,
    });
    const events: unknown[] = [];
    client.on('error', (error) => events.push(error));
    try {
      const sent = await rejection(
        client.redis.get('auth:k').catch((raw: unknown) => Promise.reject(toIpcError(raw))),
      );
      const connecting = await rejection(client.connect());
      for (const error of [sent, connecting]) expect(isIpcError(error, 'IPC_AUTH')).toBe(true);
      expect(events.length).toBeGreaterThan(0);
      for (const seen of [sent, connecting, ...events]) {
        const text = inspect(seen, { depth: Number.POSITIVE_INFINITY });
        expect(text).not.toContain(password);
        expect(text).not.toContain(user);
      }
    } finally {
      await client.close();
      await guarded.stop();
    }
  });

  it('does not repeat a URL it cannot parse, which may hold a password', () => {
    let thrown: unknown;
    try {
      createClient('redis://someone:pw-5d1b0c@exa mple:1');
    } catch (error) {
      thrown = error;
    }
    expect(isIpcError(thrown, 'IPC_INVALID_ARGUMENT')).toBe(true);
    expect(inspect(thrown, { depth: Number.POSITIVE_INFINITY })).not.toContain('pw-5d1b0c');
  });

  it('rejects commands with ConnectionError once Redis has been unreachable for offlineTimeoutMs', async () => {
    const url = `redis://user-k2:pw-4e0a91@127.0.0.1:${await freePort()}`;
    const client = createClient({ url, offlineTimeoutMs: 500, reconnectMaxDelayMs: 100 });
    const events: unknown[] = [];
    client.on('error', (error) => events.push(error));
    try {
      const started = performance.now();
      const sent = await rejection(
        client.redis.get('k').catch((raw: unknown) => Promise.reject(toIpcError(raw))),
      );
      const waited = performance.now() - started;
      expect(isIpcError(sent, 'IPC_CONNECTION')).toBe(true);
      expect(waited).toBeGreaterThanOrEqual(450);
      expect(waited).toBeLessThan(2000);
      // Later commands are refused at once while it stays unreachable, and connect() says so too.
      const again = performance.now();
      expect(toIpcError(await rejection(client.redis.get('k'))).code).toBe('IPC_CONNECTION');
      expect(isIpcError(await rejection(client.connect()), 'IPC_CONNECTION')).toBe(true);
      const subscribing = client.subscriber.subscribe('news', () => {});
      expect(isIpcError(await rejection(subscribing), 'IPC_CONNECTION')).toBe(true);
      expect(performance.now() - again).toBeLessThan(200);
      expect(events.length).toBeGreaterThan(0);
      for (const seen of [sent, ...events]) {
        const text = inspect(seen, { depth: Number.POSITIVE_INFINITY });
        expect(text).not.toContain('pw-4e0a91');
        expect(text).not.toContain('user-k2');
      }
    } finally {
      await client.close();
    }
  });

  it('queues commands again once the connection is back', async () => {
    const own = await startRedisServer();
    const client = await createClient({
      url: own.url,
      offlineTimeoutMs: 300,
      reconnectMaxDelayMs: 100,
    }).connect();
    try {
      await own.kill();
      const error = toIpcError(await rejection(client.redis.get('k')));
      expect(error.code).toBe('IPC_CONNECTION');
      await own.start();
      await client.connect().catch(() => undefined);
      const deadline = performance.now() + 5000;
      while (!client.redis.isReady && performance.now() < deadline) await pause(20);
      expect(await client.redis.set('k', 'v')).toBe('OK');
      // Down for less than offlineTimeoutMs: the command waits for the connection instead of failing.
      await own.kill();
      const pending = client.redis.get('k');
      await pause(100);
      await own.start();
      expect(await pending).toBeNull();
    } finally {
      await client.close();
      await own.stop();
    }
  });
});
