import { isIpcError } from '@redis-ipc/core';
import { describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue } from '../src/index.js';
import { clientPerTest, pause, rejection, until } from './helpers.js';

interface Job {
  n: number;
}

describe('push, pop and take', () => {
  const t = clientPerTest();

  it('hands tasks out first in, first out, and pop() is undefined when empty', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    const reader = createReadQueue<Job>(t.ipc, 'jobs');
    expect(await reader.pop()).toBeUndefined();
    const ids = [await writer.push({ n: 1 }), await writer.push({ n: 2 })];
    ids.push(...(await writer.pushMany([{ n: 3 }, { n: 4 }, { n: 5 }])));
    expect(new Set(ids).size).toBe(5);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const task = await reader.pop();
      expect(task?.id).toBe(ids[i]);
      expect(task?.deliveries).toBe(1);
      expect(task?.producer).toBe(t.ipc.id);
      seen.push(task!.value.n);
      await task!.ack();
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(await reader.pop()).toBeUndefined();
    expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    await reader.close();
  });

  it('stores items as readable JSON with uuid and content', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    const id = await writer.push({ n: 7 }, { id: 'job-7' });
    expect(id).toBe('job-7');
    const [item] = await t.ipc.redis.lRange(t.ipc.keys.structure('q', 'jobs').main, 0, -1);
    expect(item).toBe(`{"uuid":"job-7","producer":${JSON.stringify(t.ipc.id)},"content":{"n":7}}`);
  });

  it('take() waits for a push and wakes at once', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    const reader = createReadQueue<Job>(t.ipc, 'jobs');
    const taking = reader.take({ timeoutMs: 5000 });
    await pause(100);
    const pushedAt = performance.now();
    await writer.push({ n: 42 });
    const task = await taking;
    const latency = performance.now() - pushedAt;
    expect(task.value).toEqual({ n: 42 });
    expect(latency).toBeLessThan(1000);
    await task.ack();
    expect(await reader.inFlight()).toBe(0);
    await reader.close();
  });

  it('take() rejects with TimeoutError when the time passes, and AbortError promptly on abort', async () => {
    const reader = createReadQueue<Job>(t.ipc, 'jobs');
    const started = performance.now();
    const timedOut = await rejection(reader.take({ timeoutMs: 150 }));
    expect(isIpcError(timedOut, 'IPC_TIMEOUT')).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);

    const controller = new AbortController();
    const taking = reader.take({ signal: controller.signal });
    await pause(100);
    const abortedAt = performance.now();
    controller.abort();
    const aborted = await rejection(taking);
    expect(isIpcError(aborted, 'IPC_ABORTED')).toBe(true);
    expect(performance.now() - abortedAt).toBeLessThan(500);

    // Nothing was swallowed by the abandoned waits: a task pushed now is still there.
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    await writer.push({ n: 1 });
    await pause(50);
    expect(await reader.length()).toBe(1);
    await reader.close();
  });

  it('take() treats a timeoutMs beyond what a timer can wait as no limit', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    const reader = createReadQueue<Job>(t.ipc, 'jobs');
    const taking = reader.take({ timeoutMs: 2 ** 32 });
    const early = await Promise.race([
      taking.then(
        () => 'settled',
        () => 'settled',
      ),
      pause(300).then(() => 'waiting'),
    ]);
    expect(early).toBe('waiting');
    await writer.push({ n: 1 });
    const task = await taking;
    expect(task.value.n).toBe(1);
    await task.ack();
    await reader.close();
  });

  it('serves many concurrent take() calls from one blocking wait', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    const reader = createReadQueue<Job>(t.ipc, 'jobs');
    const takes = Array.from({ length: 20 }, () => reader.take({ timeoutMs: 5000 }));
    await pause(50);
    expect(t.ipc.blockingConnections).toBe(1);
    await writer.pushMany(Array.from({ length: 20 }, (_, n) => ({ n })));
    const tasks = await Promise.all(takes);
    expect(tasks.map((task) => task.value.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, n) => n),
    );
    await Promise.all(tasks.map((task) => task.ack()));
    expect(await reader.inFlight()).toBe(0);
    await reader.close();
  });

  it('rejects bad ids and values before sending anything', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs', { maxPayloadBytes: 64 });
    expect(isIpcError(await rejection(writer.push({ n: 1 }, { id: 'a"b' })), 'IPC_INVALID_ARGUMENT')).toBe(
      true,
    );
    expect(isIpcError(await rejection(writer.push({ n: 1 }, { id: '' })), 'IPC_INVALID_ARGUMENT')).toBe(true);
    const big = { n: 1, pad: 'x'.repeat(100) } as Job;
    expect(isIpcError(await rejection(writer.push(big)), 'IPC_PAYLOAD_TOO_LARGE')).toBe(true);
    expect(isIpcError(await rejection(writer.pushMany([{ n: 1 }, big])), 'IPC_PAYLOAD_TOO_LARGE')).toBe(true);
    expect(await writer.length()).toBe(0);
  });

  it('ends a for-await loop cleanly when the reader closes or the signal aborts', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    const reader = createReadQueue<Job>(t.ipc, 'jobs');
    await writer.pushMany([{ n: 1 }, { n: 2 }]);
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const task of reader.iterate({ signal: controller.signal })) {
      seen.push(task.value.n);
      void task.ack();
      if (seen.length === 2) setTimeout(() => controller.abort(), 50);
    }
    expect(seen).toEqual([1, 2]);

    const looping = (async () => {
      let count = 0;
      for await (const task of reader) {
        count++;
        void task.ack();
      }
      return count;
    })();
    await writer.push({ n: 3 });
    await pause(100);
    await reader.close();
    await expect(looping).resolves.toBe(1);
    expect(await reader.inFlight()).toBe(0);
  });

  it('closing gives buffered tasks back to the head of the queue, in order', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    await writer.pushMany(Array.from({ length: 10 }, (_, n) => ({ n })));
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { prefetch: 8 });
    const first = (await reader.iterate().next()).value;
    expect(first?.value.n).toBe(0);
    expect(await reader.inFlight()).toBe(9); // one handed out, eight buffered for the iterator
    await first!.ack();
    await reader.close();
    expect(await reader.inFlight()).toBe(0);
    const other = createReadQueue<Job>(t.ipc, 'jobs');
    const order: number[] = [];
    for (let task = await other.pop(); task; task = await other.pop()) {
      order.push(task.value.n);
      expect(task.deliveries).toBe(1); // buffered, never handed out: not counted
      void task.ack();
    }
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await other.close();
  });

  it('gives its buffered tasks back to the head of the queue when its last worker stops', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    await writer.pushMany(Array.from({ length: 20 }, (_, n) => ({ n })));
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { prefetch: 8 });
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const worker = reader.process(async (job) => {
      started.push(job.n);
      await gate;
    });
    await until(() => started.length === 1, 5000, 'first task started');
    await until(async () => (await reader.inFlight()) > 1, 5000, 'buffer filled');
    const closing = worker.close();
    release();
    await closing;
    // Nobody consumes here any more: another reader gets the rest at once, in order, uncounted.
    await until(async () => (await reader.inFlight()) === 0, 5000, 'buffer given back');
    expect(await reader.length()).toBe(19);
    const other = createReadQueue<Job>(t.ipc, 'jobs', { prefetch: 0 });
    const next = await other.pop();
    expect(next?.value.n).toBe(1);
    expect(next?.deliveries).toBe(1);
    await next?.ack();
    await other.close();
    await reader.close();
  });

  it('gives its buffered tasks back when a for-await loop breaks', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs');
    await writer.pushMany(Array.from({ length: 10 }, (_, n) => ({ n })));
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { prefetch: 8 });
    for await (const task of reader) {
      expect(task.value.n).toBe(0);
      await task.ack();
      break;
    }
    await until(async () => (await reader.inFlight()) === 0, 5000, 'buffer given back');
    expect(await reader.length()).toBe(9);
    // The reader itself goes on from where it was.
    expect((await reader.pop())?.value.n).toBe(1);
    await reader.close();
  });
});
