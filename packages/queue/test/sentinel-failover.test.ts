import { createClient, type IpcClient, isTransientError } from '@redis-ipc/core';
import { type RedisSentinelSetup, startRedisSentinel, uniquePrefix, until } from '@redis-ipc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue, type WriteQueue } from '../src/index.js';

// A Sentinel setup of its own: failing over the run's shared one would disturb other files.
describe('queue under Sentinel whose primary is killed (SIGKILL) under load', () => {
  let setup: RedisSentinelSetup;
  const clients: IpcClient[] = [];

  beforeAll(async () => {
    setup = await startRedisSentinel({ downAfterMs: 1000 });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await setup?.stop();
  });

  const open = async (prefix: string) => {
    const sentinelRootNodes = setup.sentinels.map((url) => ({
      host: '127.0.0.1',
      port: Number(new URL(url).port),
    }));
    const client = await createClient({
      sentinel: { name: setup.masterName, sentinelRootNodes },
      prefix,
    }).connect();
    clients.push(client);
    return client;
  };

  // Pushes `n`, again while the primary is away (a transient error): the producer's part of
  // at-least-once. Bounded by the deadline.
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

  it('the replica is promoted; producers and consumers carry on and every acknowledged push is handled', async () => {
    const prefix = uniquePrefix('sfo');
    const [a, b] = [await open(prefix), await open(prefix)];
    const writer = createWriteQueue<number>(a, 'jobs');
    const handled = new Map<number, number>();
    const handler = (n: number) => void handled.set(n, (handled.get(n) ?? 0) + 1);
    const readers = [createReadQueue<number>(a, 'jobs'), createReadQueue<number>(b, 'jobs')];
    const workers = readers.map((reader) => reader.process(handler, { concurrency: 2 }));
    const before = await setup.currentPrimary();

    // Load: a producer pushing all along, the primary killed a third of the way through.
    const total = 300;
    const deadline = Date.now() + 40_000;
    let killedAt = 0;
    const producing = (async () => {
      for (let n = 0; n < total; n++) {
        if (n === 100) {
          killedAt = Date.now();
          await setup.primary.kill();
        }
        await pushUntilStored(writer, n, deadline);
      }
    })();
    await producing;
    await until(() => handled.size === total, 30_000, 'every acknowledged push handled');
    const after = await setup.currentPrimary();
    console.info(
      `Sentinel failover under load: ${before} -> ${after}, all ${total} handled ${Date.now() - killedAt} ms ` +
        `after the kill; duplicates: ${[...handled.values()].filter((count) => count > 1).length}`,
    );
    expect(after).not.toBe(before);
    for (let n = 0; n < total; n++) expect(handled.get(n)).toBeGreaterThanOrEqual(1);
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all(readers.map((reader) => reader.close()));
  }, 90_000);
});
