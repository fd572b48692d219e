import { createClient, type IpcClient, isTransientError } from '@redis-ipc/core';
import { type RedisCluster, startRedisCluster, uniquePrefix, until } from '@redis-ipc/testing';
import { createCluster, createClient as createNodeClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue, type WriteQueue } from '../src/index.js';

// A cluster of its own: moving slots and killing masters of the run's shared cluster would disturb
// other files. The slot migration runs first, the kill last.
describe('queue on a cluster whose slot moves, then whose master is killed', () => {
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

  // The node owning `key`'s slot, and another master, with their ids (plain node connections).
  const slotOwners = async (key: string) => {
    const admin = createCluster({ rootNodes: [...cluster.rootNodes] });
    admin.on('error', () => {});
    await admin.connect();
    try {
      const slot = Number(await admin.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
      const source = admin.slots[slot]!.master;
      const target = admin.masters.find((master) => master.address !== source.address)!;
      return {
        slot,
        source: { host: source.host, port: source.port },
        target: { host: target.host, port: target.port },
      };
    } finally {
      admin.destroy();
    }
  };

  it("moves the queue's slot to another master mid-run (MIGRATING/IMPORTING + MIGRATE): nothing lost", async () => {
    const prefix = uniquePrefix('mv');
    const [a, b] = [await open(prefix), await open(prefix)];
    const writer = createWriteQueue<number>(a, 'jobs');
    const handled = new Map<number, number>();
    const handler = async (n: number) => {
      handled.set(n, (handled.get(n) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    const readers = [createReadQueue<number>(a, 'jobs'), createReadQueue<number>(b, 'jobs')];
    const workers = readers.map((reader) => reader.process(handler, { concurrency: 2 }));
    const total = 400;
    const deadline = Date.now() + 40_000;
    let pushed = 0;
    const producing = (async () => {
      for (; pushed < total; pushed++) await pushUntilStored(writer, pushed, deadline);
    })();
    await until(() => pushed >= 100, 10_000, 'a quarter pushed');

    const { slot, source, target } = await slotOwners(a.keys.structure('q', 'jobs').main);
    const openNode = async ({ host, port }: { host: string; port: number }) => {
      const client = createNodeClient({ socket: { host, port } });
      client.on('error', () => {});
      await client.connect();
      return client;
    };
    const from = await openNode(source);
    const to = await openNode(target);
    const fromId = await from.sendCommand(['CLUSTER', 'MYID']);
    const toId = await to.sendCommand(['CLUSTER', 'MYID']);
    await to.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', String(fromId)]);
    await from.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', String(toId)]);
    // Keys move in batches while the producer and both consumers run.
    for (let round = 0; round < 100; round++) {
      const keys = (await from.sendCommand(['CLUSTER', 'GETKEYSINSLOT', String(slot), '100'])) as string[];
      if (keys.length === 0) break;
      await from.sendCommand(['MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS', ...keys]);
    }
    for (const node of [to, from])
      await node.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'NODE', String(toId)]);
    from.destroy();
    to.destroy();

    await producing;
    await until(() => handled.size === total, 30_000, 'every push handled after the slot moved');
    const duplicates = [...handled.values()].filter((count) => count > 1).length;
    console.info(`slot ${slot} moved mid-run: ${total} handled, duplicates: ${duplicates}`);
    for (let n = 0; n < total; n++) expect(handled.get(n)).toBeGreaterThanOrEqual(1);
    // Every task was acked: nothing is left in flight on the new owner.
    expect(await readers[0]!.inFlight()).toBe(0);
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all(readers.map((reader) => reader.close()));
  }, 90_000);

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
