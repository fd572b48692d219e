import { isIpcError } from '@redis-ipc/core';
import {
  pause,
  type RedisServer,
  rejection,
  startProxy,
  startRedisServer,
  uniquePrefix,
} from '@redis-ipc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue } from '../src/index.js';
import { open, queueContext } from './support/connect.js';

interface Job {
  n: number;
}

describe('idempotent push', () => {
  const t = queueContext();

  it('enqueues a caller-given id at most once within the window', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs', { dedupeWindowMs: 300 });
    expect(await writer.push({ n: 1 }, { id: 'order-1' })).toBe('order-1');
    expect(await writer.push({ n: 1 }, { id: 'order-1' })).toBe('order-1');
    expect(
      await writer.pushMany([{ n: 2 }, { n: 1 }, { n: 2 }], { ids: ['order-2', 'order-1', 'order-2'] }),
    ).toEqual(['order-2', 'order-1', 'order-2']);
    expect(await writer.length()).toBe(2);
    // Even once the task has been taken and acked, a late retry adds nothing.
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { prefetch: 0 });
    const task = await reader.take({ timeoutMs: 1000 });
    expect(task.id).toBe('order-1');
    await task.ack();
    await writer.push({ n: 1 }, { id: 'order-1' });
    expect(await writer.length()).toBe(1);
    // After the window the id may be used again.
    await pause(400);
    await writer.push({ n: 1 }, { id: 'order-1' });
    expect(await writer.length()).toBe(2);
    await reader.close();
  });

  it('keeps call order within one turn across plain, unique and more-than-one-command pushes', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'mixed', { dedupeWindowMs: 60_000 });
    const many = Array.from({ length: 1500 }, (_, i) => ({ n: 10 + i }));
    // All in the same turn: one flush, several commands (plain, unique, plain split at 1,000 items).
    const calls = Promise.all([
      writer.push({ n: 0 }),
      writer.pushUnique({ n: 1 }, 'u-1'),
      writer.pushUnique({ n: 2 }, 'u-1'),
      writer.pushMany(many),
      writer.push({ n: 3 }, { id: 'u-2' }),
    ]);
    const [plain, first, again, ids, given] = await calls;
    expect(typeof plain).toBe('string');
    expect(first).toEqual({ id: 'u-1', pushed: true });
    expect(again).toEqual({ id: 'u-1', pushed: false });
    expect(ids).toHaveLength(1500);
    expect(new Set(ids).size).toBe(1500);
    expect(given).toBe('u-2');
    // LPUSH puts the newest at the head: the list read backwards is the order tasks are taken in.
    const items = await t.ipc.redis.lRange(t.ipc.keys.structure('q', 'mixed').main, 0, -1);
    const taken = items.reverse().map((item) => (JSON.parse(item) as { content: Job }).content.n);
    expect(taken).toEqual([0, 1, ...many.map((job) => job.n), 3]);
  });

  it('rejects every push of a turn whose command fails, and nothing of another turn', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'wrong-type');
    await t.ipc.redis.set(t.ipc.keys.structure('q', 'wrong-type').main, 'not a list');
    const failed = await Promise.allSettled([writer.push({ n: 1 }), writer.pushMany([{ n: 2 }, { n: 3 }])]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    await t.ipc.redis.del(t.ipc.keys.structure('q', 'wrong-type').main);
    expect(typeof (await writer.push({ n: 4 }))).toBe('string');
    expect(await writer.length()).toBe(1);
  });
});

// A real ambiguous failure: the push reaches Redis, the reply never comes back, the connection drops.
describe('a retry after an ambiguous failure', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  async function pushThenCut(withId: boolean): Promise<number> {
    const proxy = await startProxy(server.port);
    const name = uniquePrefix('jobs');
    const producer = await open(proxy.url);
    const checker = await open(server.url);
    try {
      const writer = createWriteQueue<Job>(producer, name);
      // Loads the script while replies still flow, as in a producer that has been running a while.
      await writer.push({ n: 0 }, { id: 'warm-up' });
      const main = checker.keys.structure('q', name).main;
      await checker.redis.del(main);
      proxy.dropReplies();
      const options = withId ? { id: 'payment-42' } : {};
      const attempt = writer.push({ n: 42 }, options);
      // The write has reached Redis…
      for (let i = 0; i < 100 && (await checker.redis.lLen(main)) === 0; i++) await pause(10);
      expect(await checker.redis.lLen(main)).toBe(1);
      // …and the reply is lost with the connection.
      proxy.cut();
      const error = await rejection(attempt);
      expect(isIpcError(error, 'IPC_CONNECTION')).toBe(true);
      // The producer does what producers do: it retries.
      await writer.push({ n: 42 }, options);
      return await checker.redis.lLen(main);
    } finally {
      proxy.cut();
      await producer.close();
      await checker.close();
      await proxy.close();
    }
  }

  it('creates no duplicate with a caller-given id', async () => {
    expect(await pushThenCut(true)).toBe(1);
  });

  it('(without an id the retry duplicates the task, as a plain LPUSH does)', async () => {
    expect(await pushThenCut(false)).toBe(2);
  });
});
