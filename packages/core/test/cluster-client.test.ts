import { type ClusterTarget, clusterTarget, pause, rejection, testContext } from '@redis-ipc/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { type BlockingWait, createClient, isIpcError, LuaScript, type RedisClient } from '../src/index.js';
import { connect } from './connect.js';

const target = clusterTarget();
const blmove = (from: string, to: string) => (redis: RedisClient, wait: BlockingWait) =>
  redis.sendCommand<string | null>(['BLMOVE', from, to, 'RIGHT', 'LEFT', String(wait.seconds)]);

// The client on the run's shared cluster: structures whose names hash to different masters, used at
// once from one client; each command, script and blocking read goes to the master owning its slot.
describe.skipIf(!target)('IpcClient on a Redis Cluster', () => {
  const t = testContext({ label: 'core', connect, target: target as ClusterTarget });
  let names: string[];

  beforeEach(async () => {
    // Eight structures: their slots cover all three masters.
    names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  });

  const keysOf = (name: string) => t.ipc.keys.structure('q', name);

  it('routes raw commands, transactions, scans and scripts by key, on every master', async () => {
    const script = new LuaScript(
      "redis.call('LPUSH', KEYS[1], ARGV[1]); return redis.call('LLEN', KEYS[1])",
      1,
    );
    const masters = new Set<string>();
    for (const name of names) {
      const keys = keysOf(name);
      await t.ipc.redis.sendCommand(['RPUSH', keys.main, 'x']);
      expect(await script.run(t.ipc.redis, [keys.main], ['y'])).toBe(2);
      const [length] = (await t.ipc.redis.multi().addCommand(['LLEN', keys.main]).exec()) as unknown[];
      expect(length).toBe(2);
      await t.ipc.redis.set(keys.sub('v:1'), '1');
      const found: string[] = [];
      for await (const batch of t.ipc.redis.scanIterator({ MATCH: `${keys.sub('v')}:*`, COUNT: 100 })) {
        found.push(...batch);
      }
      expect(found).toEqual([keys.sub('v:1')]);
      masters.add(String(await t.plain.sendCommand(['CLUSTER', 'KEYSLOT', keys.main])));
      const node = await t.ipc.redis.sendCommand(['CLUSTER', 'KEYSLOT', keys.main]);
      expect(node).toBeDefined();
    }
    expect(masters.size).toBeGreaterThan(2);
  });

  it('parks blocking reads on the slot owners and wakes each with its own push', async () => {
    const waits = names.map((name) => {
      const keys = keysOf(name);
      return t.ipc.blocking(blmove(keys.main, keys.sub('landing')), { timeoutMs: 10_000 });
    });
    await pause(100);
    for (const name of names) await t.ipc.redis.sendCommand(['LPUSH', keysOf(name).main, name]);
    expect(await Promise.all(waits)).toEqual(names);
    expect(t.ipc.blockingConnections).toBeGreaterThanOrEqual(3);
  });

  it('ends a parked read on abort with CLIENT UNBLOCK on its node', async () => {
    const keys = keysOf('a');
    const controller = new AbortController();
    const waiting = t.ipc.blocking(blmove(keys.main, keys.sub('landing')), { signal: controller.signal });
    await pause(100);
    controller.abort();
    expect(isIpcError(await rejection(waiting), 'IPC_ABORTED')).toBe(true);
    await t.ipc.redis.sendCommand(['LPUSH', keys.main, 'kept']);
    expect(await t.ipc.redis.lLen(keys.main)).toBe(1);
  });

  it('wakes sharded subscribers from scripts and from PUBLISH, on the channel slot only', async () => {
    const channel = keysOf('a').sub('e');
    const heard: string[] = [];
    const unsubscribe = await t.ipc.subscriber.subscribe(channel, (message) => heard.push(message));
    const script = new LuaScript("redis.call('PUBLISH', ARGV[1], ARGV[2]); return 1", 1);
    await script.run(t.ipc.redis, [keysOf('a').main], [channel, 'from-script']);
    await t.ipc.redis.sendCommand(['PUBLISH', channel, 'direct']);
    await t.until(() => heard.length === 2);
    expect(heard).toEqual(['from-script', 'direct']);
    // Sharded: a plain PUBLISH subscriber would not hear it, and SPUBLISH counts our subscriber.
    expect(await t.plain.sendCommand(['SPUBLISH', channel, 'counted'])).toBe(1);
    await unsubscribe();
  });

  it('takes an existing node-redis cluster client and leaves it open', async () => {
    const { createCluster } = await import('redis');
    const cluster = createCluster({ rootNodes: (target as ClusterTarget).rootNodes.map((url) => ({ url })) });
    await cluster.connect();
    try {
      const ipc = await createClient({ client: cluster, prefix: t.prefix }).connect();
      const keys = ipc.keys.structure('q', 'given');
      const waiting = ipc.blocking(blmove(keys.main, keys.sub('landing')), { timeoutMs: 5000 });
      await ipc.redis.sendCommand(['LPUSH', keys.main, 'v']);
      expect(await waiting).toBe('v');
      await ipc.close();
      expect(cluster.isOpen).toBe(true);
    } finally {
      await cluster.close();
    }
  });
});

describe('createClient({ cluster }) with no reachable root node', () => {
  it('rejects connect() with ConnectionError', async () => {
    const ipc = createClient({ cluster: { rootNodes: [{ url: 'redis://127.0.0.1:1' }] } });
    expect(isIpcError(await rejection(ipc.connect()), 'IPC_CONNECTION')).toBe(true);
    await ipc.close();
  });
});
