import { rejection, type SentinelTarget, sentinelTarget, testContext } from '@redis-ipc/testing';
import { createSentinel } from 'redis';
import { describe, expect, it } from 'vitest';
import { type BlockingWait, createClient, isIpcError, LuaScript, type RedisClient } from '../src/index.js';
import { connect } from './connect.js';

const target = sentinelTarget();
const brpop = (key: string) => (redis: RedisClient, wait: BlockingWait) => redis.brPop(key, wait.seconds);

// The client on the run's shared Sentinel-managed primary: commands, scripts, blocking reads and
// pub/sub all reach the primary the sentinel names.
describe.skipIf(!target)('IpcClient under Redis Sentinel', () => {
  const t = testContext({ label: 'core', connect, target: target as SentinelTarget });

  it('sends commands, transactions, scans and scripts to the primary', async () => {
    const keys = t.ipc.keys.structure('q', 'jobs');
    await t.ipc.redis.sendCommand(['RPUSH', keys.main, 'x']);
    const script = new LuaScript("return redis.call('LLEN', KEYS[1])", 1);
    expect(await script.run(t.ipc.redis, [keys.main])).toBe(1);
    const [length] = (await t.ipc.redis.multi().addCommand(['LLEN', keys.main]).exec()) as unknown[];
    expect(length).toBe(1);
    const found: string[] = [];
    for await (const batch of t.ipc.redis.scanIterator({ MATCH: `${t.prefix}*`, COUNT: 100 }))
      found.push(...batch);
    expect(found).toEqual([keys.main]);
    expect(await t.plain.lLen(keys.main)).toBe(1);
  });

  it('parks blocking reads on the primary (typed commands too) and ends them on abort', async () => {
    const key = t.ipc.keys.structure('q', 'jobs').main;
    const waiting = t.ipc.blocking(brpop(key), { timeoutMs: 5000 });
    await t.pause(50);
    await t.ipc.redis.lPush(key, 'a');
    expect(await waiting).toEqual({ key, element: 'a' });
    const controller = new AbortController();
    const aborted = t.ipc.blocking(brpop(key), { signal: controller.signal });
    await t.pause(50);
    controller.abort();
    expect(isIpcError(await rejection(aborted), 'IPC_ABORTED')).toBe(true);
    await t.ipc.redis.lPush(key, 'kept');
    expect(await t.ipc.redis.lLen(key)).toBe(1);
  });

  it('delivers published messages to subscribers', async () => {
    const channel = t.ipc.keys.structure('c', 'x').sub('e');
    const heard: string[] = [];
    const unsubscribe = await t.ipc.subscriber.subscribe(channel, (message) => heard.push(message));
    await t.ipc.redis.sendCommand(['PUBLISH', channel, 'hello']);
    await t.until(() => heard.length === 1);
    expect(heard).toEqual(['hello']);
    await unsubscribe();
  });

  it('takes an existing node-redis sentinel client and leaves it open', async () => {
    const where = target as SentinelTarget;
    const sentinel = createSentinel({
      name: where.masterName,
      sentinelRootNodes: where.sentinels.map((url) => ({
        host: '127.0.0.1',
        port: Number(new URL(url).port),
      })),
    });
    sentinel.on('error', () => {});
    await sentinel.connect();
    try {
      const ipc = await createClient({ client: sentinel, prefix: t.prefix }).connect();
      const key = ipc.keys.structure('q', 'given').main;
      const waiting = ipc.blocking(brpop(key), { timeoutMs: 5000 });
      await ipc.redis.sendCommand(['LPUSH', key, 'v']);
      expect(await waiting).toEqual({ key, element: 'v' });
      await ipc.close();
      expect(sentinel.isOpen).toBe(true);
    } finally {
      await sentinel.close();
    }
  });
});
