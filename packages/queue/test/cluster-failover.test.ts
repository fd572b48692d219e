import { createClient, type IpcClient, isTransientError } from '@redis-ipc/core';
import { type RedisCluster, startRedisCluster, uniquePrefix, until } from '@redis-ipc/testing';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue, type WriteQueue } from '../src/index.js';

// A cluster of its own: killing a master of the run's shared cluster would disturb other files.
describe('queue on a cluster whose master is killed (SIGKILL) while readers are parked', () => {
  let cluster: RedisCluster;
  const clients: IpcClient[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cluster?.stop();
  });

  const open = async (prefix: string) => {
    const client = await createClient({ cluster: { rootNodes: [...cluster.rootNodes] }, prefix }).connect();
    clients.push(client);
    return client;
  };

  // Pushes `n`, again while the cluster answers with a transient error (failover under way): the
  // producer's part of at-least-once. Bounded by the deadline.
  const pushUntilStored = async (writer: WriteQueue<number>, n: number, deadline: number) => {
    for (;;) {
      try {
        return await writer.push(n);
      } catch (error) {
        if (!isTransientError(error) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };

  it('promotes the replica; the parked readers carry on within seconds and lose nothing acknowledged', async () => {
    const prefix = uniquePrefix('fo');
    const [a, b] = [await open(prefix), await open(prefix)];
    const writer = createWriteQueue<number>(a, 'jobs');
    const handled = new Map<number, number>();
    let firstAfterKill: number | undefined;
    let killedAt = Number.POSITIVE_INFINITY;
    const handler = (n: number) => {
      handled.set(n, (handled.get(n) ?? 0) + 1);
      if (n >= 20 && firstAfterKill === undefined) firstAfterKill = Date.now() - killedAt;
    };
    const readers = [createReadQueue<number>(a, 'jobs'), createReadQueue<number>(b, 'jobs')];
    const workers = readers.map((reader) => reader.process(handler, { concurrency: 2 }));

    for (let n = 0; n < 20; n++) await writer.push(n);
    await until(() => handled.size === 20, 10_000, 'the first 20 handled');

    // The master of the queue's slot, as the cluster says.
    const admin = createCluster({ rootNodes: [...cluster.rootNodes] });
    admin.on('error', () => {});
    await admin.connect();
    const key = a.keys.structure('q', 'jobs').main;
    const slot = Number(await admin.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
    const masterPort = admin.slots[slot]!.master.port;
    admin.destroy();
    const master = cluster.nodes.find((node) => node.port === masterPort)!;

    // The readers are parked (BLMOVE on the master) when it dies.
    await new Promise((resolve) => setTimeout(resolve, 300));
    killedAt = Date.now();
    await master.kill();
    const deadline = Date.now() + 30_000;
    for (let n = 20; n < 40; n++) await pushUntilStored(writer, n, deadline);
    await until(() => handled.size === 40, 30_000, 'every acknowledged push handled after the failover');
    console.info(
      `after SIGKILL of the master: first task handled ${firstAfterKill} ms later; ` +
        `duplicates: ${[...handled.values()].filter((count) => count > 1).length}`,
    );
    expect(firstAfterKill).toBeLessThan(15_000);
    for (let n = 0; n < 40; n++) expect(handled.get(n)).toBeGreaterThanOrEqual(1);
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all(readers.map((reader) => reader.close()));
  }, 90_000);
});
