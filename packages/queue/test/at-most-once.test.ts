import { pause, testTargets, until } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue } from '../src/index.js';
import { testQueue } from './suite/queue-suite.js';
import { queueContext } from './support/connect.js';

for (const target of testTargets()) testQueue(target, { delivery: 'at-most-once' });

interface Job {
  n: number;
}

// What only an at-most-once reader does: plain pops, no bookkeeping.
describe('at-most-once delivery', () => {
  const t = queueContext('q1');

  it('pops plainly: no lease, no in-flight bookkeeping, ack and nack are no-ops', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery: 'at-most-once', prefetch: 0 });
    await writer.pushMany([{ n: 1 }, { n: 2 }]);
    const task = await reader.take({ timeoutMs: 1000 });
    expect(task.value).toEqual({ n: 1 });
    expect(await reader.counts()).toEqual({ waiting: 1, delayed: 0, inFlight: 0, dead: 0 });
    await task.ack();
    expect(await task.nack()).toBe('ignored');
    expect(await reader.length()).toBe(1);
    const keys = await t.ipc.redis.keys(`${t.prefix}*`);
    expect(keys).toEqual([t.ipc.keys.structure('q', 'jobs').main]);
    await reader.close();
  });

  it('waits in one blocking pop and hands over batches to a worker', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery: 'at-most-once' });
    const handled: number[] = [];
    reader.process(
      (job) => {
        handled.push(job.n);
      },
      { concurrency: 8 },
    );
    await pause(50);
    await writer.pushMany(Array.from({ length: 500 }, (_, n) => ({ n })));
    await until(() => handled.length === 500, 5000, 'all handled');
    expect(new Set(handled).size).toBe(500);
    await reader.close();
  });

  it('closing puts popped but unhandled tasks back at the head, in order', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    await writer.pushMany(Array.from({ length: 5 }, (_, n) => ({ n })));
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery: 'at-most-once', prefetch: 10 });
    expect((await reader.iterate().next()).value?.value.n).toBe(0);
    expect(await reader.length()).toBe(0);
    await reader.close();
    const other = createReadQueue<Job>(t.ipc, 'jobs', { delivery: 'at-most-once', prefetch: 0 });
    const rest: number[] = [];
    for (let task = await other.pop(); task; task = await other.pop()) rest.push(task.value.n);
    expect(rest).toEqual([1, 2, 3, 4]);
    await other.close();
  });
});
