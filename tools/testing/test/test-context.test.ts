import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainClient } from '../src/plain-client.js';
import { type RedisServer, startRedisServer } from '../src/redis-server.js';
import { clusterTarget, sentinelTarget, standaloneTarget, testTargets } from '../src/targets.js';
import { testContext } from '../src/test-context.js';
import hello from './fixtures/lua/hello-0.lua?raw';

// The context is written for redis-ipc clients; a plain node-redis client stands in for one here.
interface Opened {
  prefix: string;
  name?: string;
  close(): Promise<void>;
  closed: boolean;
}
const opened: Opened[] = [];

describe('testContext', () => {
  const t = testContext({
    label: 'ctx',
    connect: async ({ target, prefix }, options?: { name: string }) => {
      const client = await plainClient(target.url);
      const entry: Opened = {
        prefix,
        name: options?.name,
        closed: false,
        close: async () => {
          entry.closed = true;
          await client.close();
        },
      };
      opened.push(entry);
      return entry;
    },
    options: { name: 'main' },
  });
  let firstPrefix = '';

  it('gives each test a client, a plain client and a prefix of its own', async () => {
    expect(t.target).toEqual(standaloneTarget());
    expect(t.prefix).toMatch(/^ctx-[0-9a-f]{10}$/);
    expect(t.ipc.prefix).toBe(t.prefix);
    expect(t.ipc.name).toBe('main');
    expect((await t.client({ name: 'other' })).name).toBe('other');
    await t.plain.set(`${t.prefix}:a`, '1');
    await t.plain.set(`${t.prefix}-raw`, '1');
    await t.plain.set(`outside-${t.prefix}`, '1');
    t.deleteAfter(`outside-${t.prefix}`);
    const proxy = await t.proxy();
    const viaProxy = await plainClient(proxy.url);
    expect(await viaProxy.get(`${t.prefix}:a`)).toBe('1');
    viaProxy.destroy();
    firstPrefix = t.prefix;
  });

  it('closed what the previous test opened and deleted its keys', async () => {
    expect(t.prefix).not.toBe(firstPrefix);
    const previous = opened.filter((entry) => entry.prefix === firstPrefix);
    expect(previous.map((entry) => [entry.name, entry.closed])).toEqual([
      ['main', true],
      ['other', true],
    ]);
    for (const key of [`${firstPrefix}:a`, `${firstPrefix}-raw`, `outside-${firstPrefix}`]) {
      expect(await t.plain.exists(key)).toBe(0);
    }
  });

  it('says so when used outside a test', () => {
    const outside = testContext({ connect: async () => ({ close: async () => {} }) });
    expect(() => outside.ipc).toThrow(/only inside a test/);
  });

  it('lists the targets of the run: its server, then its cluster and Sentinel setup unless left out', () => {
    const targets = testTargets();
    expect(targets[0]).toEqual({ name: 'standalone', url: t.url });
    const shared = [clusterTarget(), sentinelTarget()].filter((target) => target !== undefined);
    expect(targets.slice(1)).toEqual(shared);
    expect(targets.slice(1).map((target) => target.name)).toEqual(
      [
        process.env.REDIS_IPC_CLUSTER === 'off' ? undefined : 'cluster',
        process.env.REDIS_IPC_SENTINEL === 'off' ? undefined : 'sentinel',
      ].filter((name) => name !== undefined),
    );
  });
});

describe('testContext on a server the file starts itself', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  const t = testContext({
    target: () => standaloneTarget(server.url),
    connect: async ({ target }) => plainClient(target.url),
  });

  it('reads the target before each test', async () => {
    expect(t.url).toBe(server.url);
    await t.ipc.set(`${t.prefix}:k`, '1');
    expect(await t.plain.get(`${t.prefix}:k`)).toBe('1');
  });
});

describe('the vitest preset', () => {
  it('expands --- @include in Lua imported with ?raw', async () => {
    expect(hello).toContain("local function greet(name) return 'hello ' .. name end");
    expect(hello).not.toContain('@include');
  });
});
