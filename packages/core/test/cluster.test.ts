import { clusterTarget, type RedisCluster, startRedisCluster } from '@redis-ipc/testing';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyspace } from '../src/index.js';

// A real three-master cluster: the keys of one structure must live in one slot, so that one Lua script
// can touch them all, whatever the name and however the structure names its auxiliary keys.
describe('key naming on a Redis Cluster', () => {
  // The run's shared cluster; one of its own only when the run has none (REDIS_IPC_CLUSTER=off).
  let own: RedisCluster | undefined;
  let rootNodes: Array<{ url: string }>;

  beforeAll(async () => {
    const shared = clusterTarget();
    if (shared) {
      rootNodes = shared.rootNodes.map((url) => ({ url }));
      return;
    }
    own = await startRedisCluster({ replicasPerMaster: 0 });
    rootNodes = [...own.rootNodes];
  }, 60_000);

  afterAll(async () => {
    await own?.stop();
  });

  it('puts every key of a structure in the same slot, in both modes, and spreads structures over nodes', async () => {
    const client = createCluster({ rootNodes });
    await client.connect();
    try {
      const slotOf = async (key: string) =>
        Number(await client.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
      const masters = new Set<string>();
      for (const raw of [false, true]) {
        const space = new Keyspace({ raw });
        for (const name of ['orders', 'users', 'events.v2', 'tenant:42/jobs', 'a', 'b', 'c', 'd']) {
          const keys = space.structure('q', name);
          const slot = await slotOf(keys.main);
          for (const part of ['inflight', 'dead', 'k:{other}:x', 'k:😀'])
            expect(await slotOf(keys.sub(part))).toBe(slot);
          // A script over the main key and an auxiliary key runs without CROSSSLOT.
          const reply = await client.sendCommand(keys.main, false, [
            'EVAL',
            "redis.call('LPUSH', KEYS[1], 'x'); return redis.call('RPOPLPUSH', KEYS[1], KEYS[2])",
            '2',
            keys.main,
            keys.sub('inflight'),
          ]);
          expect(reply).toBe('x');
          await client.sendCommand(keys.main, false, ['DEL', keys.main, keys.sub('inflight')]);
          masters.add(client.slots[slot]!.master.address);
        }
      }
      expect(masters.size).toBeGreaterThan(1);
    } finally {
      await client.close();
    }
  });
});
