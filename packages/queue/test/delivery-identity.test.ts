import { getEventListeners } from 'node:events';
import { createClient } from '@redis-ipc/core';
import { describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue, type DeadLetterEvent } from '../src/index.js';
import { queueContext } from './support/connect.js';

interface Job {
  n: number;
}

describe('every delivery has its own identity', () => {
  const t = queueContext('qid');
  const main = () => t.ipc.keys.structure('q', 'jobs').main;

  it('two queued tasks with one id are two deliveries: nacking one leaves the other alone', async () => {
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { prefetch: 0 });
    // A replayed item: the same bytes pushed twice (a raw writer's retry, or an id reused after the window).
    const item = '{"uuid":"same-id","content":{"n":1}}';
    await t.plain.lPush(main(), [item, item]);
    const first = await reader.take({ timeoutMs: 2000 });
    const second = await reader.take({ timeoutMs: 2000 });
    expect([first.id, second.id]).toEqual(['same-id', 'same-id']);
    expect(await reader.counts()).toMatchObject({ waiting: 0, inFlight: 2 });
    expect(await first.nack()).toBe('requeued');
    expect(await reader.counts()).toMatchObject({ waiting: 1, inFlight: 1 });
    expect(await second.ack()).toBe('acked');
    const again = await reader.take({ timeoutMs: 2000 });
    expect(again.deliveries).toBe(2);
    expect(await again.ack()).toBe('acked');
    expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    await reader.close();
  });

  it('two identical undecodable items are two dead letters', async () => {
    const reader = createReadQueue<Job>(t.ipc, 'jobs', { prefetch: 0, decodeErrors: 'skip' });
    const letters: DeadLetterEvent[] = [];
    reader.on('dead-letter', (event) => letters.push(event));
    await t.plain.lPush(main(), ['not json', 'not json']);
    expect(await reader.pop()).toBeUndefined();
    expect(await reader.deadLetterCount()).toBe(2);
    expect(letters.map((letter) => letter.reason)).toEqual(['decode', 'decode']);
    expect(await reader.counts()).toMatchObject({ waiting: 0, inFlight: 0, dead: 2 });
    await reader.close();
  });

  it('a nack whose reply was lost still reports what it did, and its dead-letter event fires', async () => {
    const proxy = await t.proxy();
    const ipc = await createClient({ url: proxy.url, prefix: t.prefix }).connect();
    try {
      const reader = createReadQueue<Job>(ipc, 'jobs', { prefetch: 0, maxDeliveries: 1 });
      reader.on('error', () => {});
      const letters: DeadLetterEvent[] = [];
      reader.on('dead-letter', (event) => letters.push(event));
      await createWriteQueue<Job>(t.ipc, 'jobs').push({ n: 1 });
      const task = await reader.take({ timeoutMs: 2000 });
      proxy.dropReplies();
      const nacking = task.nack({ error: new Error('boom') });
      await t.until(async () => (await t.plain.lLen(`${main()}:dead`)) === 1, 5000, 'dead-lettered');
      proxy.cut();
      expect(await nacking).toBe('dead-lettered');
      expect(letters).toEqual([{ id: task.id, reason: 'failed', deliveries: 1, error: 'boom' }]);
      await reader.close();
    } finally {
      await ipc.close();
    }
  });

  it('pushUnique says whether the task was added', async () => {
    const writer = createWriteQueue<Job>(t.ipc, 'jobs', { dedupeWindowMs: 60_000 });
    expect(await writer.pushUnique({ n: 1 }, 'order-7')).toEqual({ id: 'order-7', pushed: true });
    expect(await writer.pushUnique({ n: 1 }, 'order-7')).toEqual({ id: 'order-7', pushed: false });
    expect(await writer.pushManyUnique([{ n: 1 }, { n: 2 }], ['order-7', 'order-8'])).toEqual([
      { id: 'order-7', pushed: false },
      { id: 'order-8', pushed: true },
    ]);
    expect(await writer.length()).toBe(2);
  });

  it('pop() and take() take only what they return', async () => {
    await createWriteQueue<Job>(t.ipc, 'jobs').pushMany(Array.from({ length: 300 }, (_, n) => ({ n })));
    const reader = createReadQueue<Job>(t.ipc, 'jobs');
    const popped = await reader.pop();
    await popped!.ack();
    const taken = await reader.take({ timeoutMs: 2000 });
    await taken.ack();
    expect(await reader.counts()).toEqual({ waiting: 298, delayed: 0, inFlight: 0, dead: 0 });
    await reader.close();
  });

  it('a worker whose lanes are all busy gives its buffer back after one lease period', async () => {
    await createWriteQueue<Job>(t.ipc, 'jobs').pushMany(Array.from({ length: 10 }, (_, n) => ({ n })));
    const busy = createReadQueue<Job>(t.ipc, 'jobs', { leaseMs: 2000, prefetch: 10 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    busy.process(() => gate);
    await t.until(async () => (await busy.length()) === 0, 5000, 'the busy worker took everything');
    const since = performance.now();
    await t.until(async () => (await busy.length()) === 9, 5000, 'the buffer given back');
    // Given back on the lease timer (it ticks every leaseMs / 3) once it saw nothing drawn for leaseMs.
    expect(performance.now() - since).toBeLessThan(2000 + (2 * 2000) / 3 + 500);
    const other = createReadQueue<Job>(t.ipc, 'jobs', { prefetch: 0 });
    const next = await other.take({ timeoutMs: 2000 });
    expect(next.value.n).toBe(1);
    expect(next.deliveries).toBe(1);
    await next.ack();
    release();
    await other.close();
    await busy.close();
  });

  it('readers and workers closed against one long-lived signal leave no listener on it', async () => {
    const shutdown = new AbortController();
    for (let i = 0; i < 200; i++) {
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { signal: shutdown.signal });
      const worker = reader.process(() => {}, { signal: shutdown.signal });
      await worker.close();
      await reader.close();
    }
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('a blocking pool smaller than the readers waiting still delivers to each within one wait period', async () => {
    const small = await t.client({ maxBlockingConnections: 2, blockingSliceMs: 2000 });
    const readers = ['a', 'b', 'c'].map((name) => createReadQueue<Job>(small, name));
    const takes = readers.map((reader) => reader.take({ timeoutMs: 15_000 }));
    const settled = Promise.allSettled(takes);
    await t.pause(300);
    const pushedAt = performance.now();
    await createWriteQueue<Job>(t.ipc, 'c').push({ n: 3 });
    const task = await takes[2]!;
    expect(task.value.n).toBe(3);
    expect(performance.now() - pushedAt).toBeLessThan(4500);
    for (const reader of readers) await reader.close();
    await settled;
  });
});
