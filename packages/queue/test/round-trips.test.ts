import type { IpcClient } from '@redis-ipc/core';
import { type RedisServer, startRedisServer, uniquePrefix, until } from '@redis-ipc/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue, type Task } from '../src/index.js';
import { open } from './support/connect.js';

// Counts commands with INFO commandstats, so it needs a server nobody else uses.
describe('round trips', () => {
  let server: RedisServer;
  let ipc: IpcClient;

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  beforeEach(async () => {
    ipc = await open(server.url, { prefix: uniquePrefix('rt') });
  });

  afterEach(async () => {
    await ipc.close();
  });

  async function stats(): Promise<{ calls: Map<string, number>; total: number }> {
    const info = String(await ipc.redis.sendCommand(['INFO', 'commandstats']));
    const calls = new Map<string, number>();
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
      calls.set(match[1]!, Number(match[2]));
    const total = [...calls.entries()].filter(([name]) => name !== 'info').reduce((sum, [, n]) => sum + n, 0);
    return { calls, total };
  }

  async function measure(work: () => Promise<unknown>): Promise<(command: string) => number> {
    const before = await stats();
    await work();
    const after = await stats();
    return (command) =>
      command === '*'
        ? after.total - before.total
        : (after.calls.get(command) ?? 0) - (before.calls.get(command) ?? 0);
  }

  it('pushMany sends one LPUSH; concurrent pushes share one', async () => {
    const writer = createWriteQueue<{ n: number }>(ipc, 'jobs');
    const many = await measure(() => writer.pushMany(Array.from({ length: 1000 }, (_, n) => ({ n }))));
    expect(many('lpush')).toBe(1);
    const concurrent = await measure(() =>
      Promise.all(Array.from({ length: 64 }, (_, n) => writer.push({ n }))),
    );
    expect(concurrent('lpush')).toBe(1);
    expect(await writer.length()).toBe(1064);
  });

  it('acks made in the same turn go in one command', async () => {
    const writer = createWriteQueue<{ n: number }>(ipc, 'jobs');
    await writer.pushMany(Array.from({ length: 100 }, (_, n) => ({ n })));
    const reader = createReadQueue<{ n: number }>(ipc, 'jobs', { prefetch: 100 });
    const tasks: Task<{ n: number }>[] = [];
    for (let i = 0; i < 100; i++) tasks.push((await reader.pop())!);
    const acks = await measure(() => Promise.all(tasks.map((task) => task.ack())));
    expect(acks('hdel')).toBe(1);
    expect(await reader.inFlight()).toBe(0);
    await reader.close();
  });

  it('a worker costs far less than one Redis command per task, Lua-internal commands included', async () => {
    const writer = createWriteQueue<{ n: number }>(ipc, 'jobs');
    const total = 5000;
    const count = await measure(async () => {
      await writer.pushMany(Array.from({ length: total }, (_, n) => ({ n })));
      const reader = createReadQueue<{ n: number }>(ipc, 'jobs');
      let done = 0;
      reader.process(
        () => {
          done++;
        },
        { concurrency: 32 },
      );
      await until(() => done === total, 20_000, 'all handled');
      await until(async () => (await reader.inFlight()) === 0, 5000, 'all acked');
      await reader.close();
    });
    const perTask = count('*') / total;
    console.info(
      `${total} tasks: ${count('evalsha') + count('eval')} scripts, ${count('hdel')} HDEL, ${count('*')} commands in all (${perTask.toFixed(3)} per task)`,
    );
    expect(perTask).toBeLessThan(0.3);
  });
});
