import type { IpcClient } from '@redis-ipc/core';
import { type PlainClient, pause, rejection, type TestTarget, until as waitUntil } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConsumerGroup,
  createConsumerGroup,
  createReadStream,
  createWriteStream,
  type GroupEvent,
  isGapError,
  type StreamDeadLetterNotice,
  type StreamGap,
} from '../exports.js';

import { streamContext } from './context.js';

export function testConsumerGroup(target: TestTarget): void {
  describe('ConsumerGroup', () => {
    const t = streamContext(target, 'cg');
    let prefix: string;
    let ipc: IpcClient;
    let redis: PlainClient;
    const groups: Array<ConsumerGroup<unknown>> = [];
    const clients: IpcClient[] = [];

    const group = <T>(
      ...args: Parameters<typeof createConsumerGroup<T>> extends [unknown, ...infer R] ? R : never
    ) => {
      const made = createConsumerGroup<T>(ipc, ...args);
      groups.push(made as ConsumerGroup<unknown>);
      return made;
    };

    beforeEach(() => {
      prefix = t.prefix;
      ipc = t.ipc;
      redis = t.plain;
    });

    afterEach(async () => {
      await Promise.all(groups.splice(0).map((made) => made.close({ timeoutMs: 1000 })));
      await Promise.all(clients.splice(0).map((client) => client.close()));
    });

    it('shares events among consumers, each to one of them, and acks them in batches', async () => {
      const writer = createWriteStream<number>(ipc, 'jobs');
      const a = await group<number>('jobs', 'workers', 'a', { batchSize: 5 }).ready();
      const b = await group<number>('jobs', 'workers', 'b', { batchSize: 5 }).ready();
      await writer.publishMany(Array.from({ length: 20 }, (_, n) => n));
      const fromA = await a.read({ timeoutMs: 1000 });
      const fromB = await b.read({ timeoutMs: 1000 });
      expect(fromA.map((e) => e.value)).toEqual([0, 1, 2, 3, 4]);
      expect(fromB.map((e) => e.value)).toEqual([5, 6, 7, 8, 9]);
      expect(fromA[0]!.deliveries).toBe(1);
      const summary = await a.pending();
      expect(summary.count).toBe(10);
      expect(summary.consumers).toEqual(
        expect.arrayContaining([
          { name: 'a', pending: 5 },
          { name: 'b', pending: 5 },
        ]),
      );
      const entries = await a.pendingEntries({ consumer: 'b' });
      expect(entries.map((entry) => entry.id)).toEqual(fromB.map((e) => e.id));
      expect(entries[0]).toMatchObject({ consumer: 'b', deliveries: 1 });
      await Promise.all([a.ack(fromA), b.ack(fromB.map((e) => e.id))]);
      expect((await a.pending()).count).toBe(0);
      expect((await b.read({ count: 100 })).map((e) => e.value)).toEqual([10, 11, 12, 13, 14]);
      await expect(a.ack('not-an-id')).rejects.toMatchObject({ code: 'IPC_INVALID_ARGUMENT' });
    });

    it("starts a new group at '0' by default (nothing published before it is missed) or at '$'", async () => {
      const writer = createWriteStream<string>(ipc, 'start');
      await writer.publishMany(['old1', 'old2']);
      const all = await group<string>('start', 'everything', 'c').ready();
      const fresh = await group<string>('start', 'fresh', 'c', { startId: '$' }).ready();
      await writer.publish('new');
      expect((await all.read({ timeoutMs: 1000 })).map((e) => e.value)).toEqual(['old1', 'old2', 'new']);
      expect((await fresh.read({ timeoutMs: 1000 })).map((e) => e.value)).toEqual(['new']);
      await expect(fresh.read({ timeoutMs: 50 })).rejects.toMatchObject({
        code: 'IPC_TIMEOUT',
        timeoutMs: 50,
      });
      expect(() => group('start', 'bad', '')).toThrow(/consumer name/);
      expect(() => group('start', 'g', 'c', { minIdleMs: 0 })).toThrow(/minIdleMs/);
    });

    it('waits for new events, and a read() can be aborted', async () => {
      const writer = createWriteStream<number>(ipc, 'wait');
      const consumer = await group<number>('wait', 'g', 'c').ready();
      const waiting = consumer.read({ timeoutMs: 5000 });
      await pause(50);
      await writer.publish(7);
      expect((await waiting).map((e) => e.value)).toEqual([7]);
      const controller = new AbortController();
      const aborted = consumer.read({ signal: controller.signal });
      await pause(50);
      controller.abort();
      expect((await rejection(aborted)).code).toBe('IPC_ABORTED');
      await writer.publish(8);
      expect((await consumer.next({ timeoutMs: 1000 })).value).toBe(8);
    });

    it('reclaims the events of a consumer that went silent, counting the deliveries that reached a caller', async () => {
      const writer = createWriteStream<number>(ipc, 'reclaim');
      await writer.publishMany([1, 2, 3]);
      // A consumer on a client of its own that reads the events and dies (no refresh any more).
      const readAndDie = async (name: string, reads: number) => {
        const other = await t.client();
        const doomed = createConsumerGroup<number>(other, 'reclaim', 'g', name, {
          minIdleMs: 300,
          reclaimIntervalMs: 100,
        });
        const events: GroupEvent<number>[] = [];
        for (let n = 0; n < reads; n++) events.push(...(await doomed.read({ timeoutMs: 5000 })));
        await other.close();
        return events;
      };
      expect((await readAndDie('first', 1)).map((e) => [e.value, e.deliveries])).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      // Reclaimed events come one at a time, each marked as started before it is returned. The first
      // delivery wrote no mark, so the death during it is not counted.
      const second = await readAndDie('second', 3);
      expect(second.map((e) => [e.value, e.deliveries])).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      const survivor = group<number>('reclaim', 'g', 'survivor', { minIdleMs: 300, reclaimIntervalMs: 100 });
      const reclaimed: string[][] = [];
      survivor.on('reclaimed', (ids) => reclaimed.push(ids));
      const events: GroupEvent<number>[] = [];
      while (events.length < 3) events.push(...(await survivor.read({ timeoutMs: 5000 })));
      expect(events.map((e) => [e.value, e.deliveries])).toEqual([
        [1, 2],
        [2, 2],
        [3, 2],
      ]);
      expect(reclaimed.flat()).toHaveLength(3);
      // XPENDING agrees.
      expect((await survivor.pendingEntries()).map((entry) => entry.deliveries)).toEqual([2, 2, 2]);
      await survivor.ack(events);
      expect((await survivor.pending()).count).toBe(0);
      // Acknowledged: no start mark is left behind.
      expect(await redis.sendCommand(['EXISTS', ipc.keys.structure('s', 'reclaim').sub('starts:g')])).toBe(0);
    });

    it('keeps refreshing events a live consumer holds, so a long handler is not reclaimed', async () => {
      const writer = createWriteStream<number>(ipc, 'long');
      const slow = group<number>('long', 'g', 'slow', { minIdleMs: 500, reclaimIntervalMs: 100 });
      const idle = group<number>('long', 'g', 'idle', { minIdleMs: 500, reclaimIntervalMs: 100 });
      await Promise.all([slow.ready(), idle.ready()]);
      await writer.publish(1);
      const handled: string[] = [];
      let started = false;
      const slowLoop = slow.process(
        async (value) => {
          started = true;
          await pause(2000);
          handled.push(`slow ${value}`);
        },
        { signal: AbortSignal.timeout(2500) },
      );
      await waitUntil(() => started, 2000, 'slow handler started');
      const stolen: string[][] = [];
      idle.on('reclaimed', (ids) => stolen.push(ids));
      // Four times minIdleMs pass while the slow handler runs; the idle consumer looks all along.
      const idleLoop = idle.process((value) => handled.push(`idle ${value}`), {
        signal: AbortSignal.timeout(2500),
      });
      await slowLoop;
      await idleLoop;
      expect(handled).toEqual(['slow 1']);
      expect(stolen).toEqual([]);
      await waitUntil(async () => (await slow.pending()).count === 0, 2000, 'ack');
    });

    it('process(): runs at most `concurrency` handlers, acks what succeeds, retries what fails', async () => {
      const writer = createWriteStream<number>(ipc, 'proc');
      const consumer = group<number>('proc', 'g', 'c', { minIdleMs: 200, reclaimIntervalMs: 50 });
      await consumer.ready();
      await writer.publishMany(Array.from({ length: 40 }, (_, n) => n));
      let running = 0;
      let most = 0;
      const done = new Set<number>();
      const failures: Array<[unknown, GroupEvent<number>]> = [];
      consumer.on('failed', (error, event) => failures.push([error, event]));
      let failedOnce = false;
      const controller = new AbortController();
      const loop = consumer.process(
        async (value, event) => {
          running++;
          most = Math.max(most, running);
          await pause(5);
          running--;
          if (value === 13 && !failedOnce) {
            failedOnce = true;
            throw new Error('transient');
          }
          if (value === 13) expect(event.deliveries).toBe(2);
          done.add(value);
          if (done.size === 40) controller.abort();
        },
        { concurrency: 4, signal: controller.signal },
      );
      await loop;
      expect(most).toBe(4);
      expect(done.size).toBe(40);
      expect(failures).toHaveLength(1);
      expect((failures[0]![0] as Error).message).toBe('transient');
      await waitUntil(async () => (await consumer.pending()).count === 0, 2000, 'all acked');
    });

    it('close({ timeoutMs: Infinity }) waits for a running handler, however long it takes', async () => {
      const writer = createWriteStream<number>(ipc, 'patient');
      const consumer = group<number>('patient', 'g', 'c');
      await consumer.ready();
      let started = false;
      let finished = false;
      const loop = consumer.process(async () => {
        started = true;
        await pause(300);
        finished = true;
      });
      await writer.publish(1);
      await waitUntil(() => started, 5000, 'handler started');
      await consumer.close({ timeoutMs: Number.POSITIVE_INFINITY });
      expect(finished).toBe(true);
      await loop;
    });

    it('dead-letters an event whose handler keeps failing, and one that keeps being abandoned', async () => {
      const writer = createWriteStream<{ n: number }>(ipc, 'dlq');
      const consumer = group<{ n: number }>('dlq', 'g', 'c', {
        minIdleMs: 100,
        reclaimIntervalMs: 50,
        maxDeliveries: 2,
      });
      await consumer.ready();
      const notices: StreamDeadLetterNotice[] = [];
      consumer.on('dead-letter', (notice) => notices.push(notice));
      const id = await writer.publish({ n: 1 });
      const controller = new AbortController();
      let attempts = 0;
      const loop = consumer.process(
        () => {
          attempts++;
          if (attempts === 2) setTimeout(() => controller.abort(), 100);
          throw new Error(`boom ${attempts}`);
        },
        { signal: controller.signal },
      );
      await loop;
      expect(attempts).toBe(2);
      expect(notices).toEqual([
        expect.objectContaining({ id, reason: 'failed', error: 'boom 2', deliveries: 2, consumer: 'c' }),
      ]);
      const [letter] = await consumer.deadLetters();
      expect(letter).toMatchObject({
        sourceId: id,
        group: 'g',
        consumer: 'c',
        deliveries: 2,
        reason: 'failed',
        error: 'boom 2',
        content: '{"n":1}',
      });
      expect((await consumer.pending()).count).toBe(0);
      // Dead-lettered: its start mark went with it.
      expect(await redis.sendCommand(['EXISTS', ipc.keys.structure('s', 'dlq').sub('starts:g')])).toBe(0);

      // Abandoned twice (read, never acked, consumer gone) after the uncounted first delivery (a
      // death during a first delivery is not counted): dead-lettered by the next reclaim.
      const abandonedId = await writer.publish({ n: 2 });
      for (const name of ['x0', 'x1', 'x2']) {
        const other = await t.client();
        const quitter = createConsumerGroup<{ n: number }>(other, 'dlq', 'g', name, {
          minIdleMs: 100,
          reclaimIntervalMs: 50,
        });
        const got = await quitter.read({ timeoutMs: 2000 });
        expect(got.map((e) => e.id)).toEqual([abandonedId]);
        await other.close();
      }
      const sweeper = group<{ n: number }>('dlq', 'g', 'sweeper', {
        minIdleMs: 100,
        reclaimIntervalMs: 50,
        maxDeliveries: 2,
      });
      await expect(sweeper.read({ timeoutMs: 600 })).rejects.toMatchObject({ code: 'IPC_TIMEOUT' });
      const letters = await sweeper.deadLetters();
      expect(letters.map((l) => [l.sourceId, l.reason, l.consumer])).toEqual([
        [id, 'failed', 'c'],
        // The consumer that held it last, not the one that swept it.
        [abandonedId, 'max-deliveries', 'x2'],
      ]);
      expect((await sweeper.pending()).count).toBe(0);
    });

    it('dead-letters undecodable events (schema rejections too) instead of losing them', async () => {
      const writer = createWriteStream<unknown>(ipc, 'decode');
      const { z } = await import('zod');
      const consumer = group<{ n: number }>('decode', 'g', 'c', { schema: z.object({ n: z.number() }) });
      await consumer.ready();
      const errors: Array<{ id: string | undefined }> = [];
      consumer.on('decode-error', (error) => errors.push({ id: error.id }));
      const badJson = await redis.xAdd(writer.key, '*', { content: 'nope{' });
      const badShape = await writer.publish({ n: 'one' });
      await writer.publish({ n: 3 });
      const events = await consumer.read({ timeoutMs: 1000 });
      expect(events.map((e) => e.value)).toEqual([{ n: 3 }]);
      expect(errors.map((e) => e.id)).toEqual([badJson, badShape]);
      // The moves run in the background, each one script call (loaded on first use): wait for them.
      await waitUntil(async () => (await consumer.deadLetters()).length >= 2, 5000, 'both dead-lettered');
      const letters = await consumer.deadLetters();
      expect(letters.map((l) => [l.sourceId, l.reason, l.content])).toEqual([
        [badJson, 'decode', 'nope{'],
        [badShape, 'decode', '{"n":"one"}'],
      ]);
      await consumer.ack(events);
      expect((await consumer.pending()).count).toBe(0);
    });

    it('iterates with auto-ack: an event is acked when the loop moves on, not when it breaks', async () => {
      const writer = createWriteStream<number>(ipc, 'iter');
      const consumer = await group<number>('iter', 'g', 'c').ready();
      await writer.publishMany([1, 2, 3, 4]);
      const seen: number[] = [];
      for await (const event of consumer) {
        seen.push(event.value);
        if (event.value === 3) break;
      }
      expect(seen).toEqual([1, 2, 3]);
      await pause(20);
      const pending = await consumer.pendingEntries();
      // 3 was not finished (break); 4 was fetched but never handed out.
      expect(pending.map((entry) => entry.id)).toHaveLength(2);
      const controller = new AbortController();
      const more: number[] = [];
      for await (const event of consumer.events({ signal: controller.signal })) {
        more.push(event.value);
        controller.abort();
      }
      expect(more).toEqual([4]);
    });

    it('close() lets running handlers finish and sends their acks', async () => {
      const writer = createWriteStream<number>(ipc, 'drain');
      const consumer = createConsumerGroup<number>(ipc, 'drain', 'g', 'c');
      await consumer.ready();
      await writer.publishMany([1, 2, 3]);
      const started: number[] = [];
      const finished: number[] = [];
      const loop = consumer.process(
        async (value) => {
          started.push(value);
          await pause(300);
          finished.push(value);
        },
        { concurrency: 3 },
      );
      await waitUntil(() => started.length === 3, 2000, 'handlers started');
      await consumer.close({ timeoutMs: 5000 });
      await loop;
      expect(finished.sort()).toEqual([1, 2, 3]);
      expect(await createReadStream(ipc, 'drain').len()).toBe(3);
      expect(Number(((await redis.sendCommand(['XPENDING', writer.key, 'g'])) as unknown[])[0])).toBe(0);
      await expect(consumer.read()).rejects.toMatchObject({ code: 'IPC_CLOSED' });
    });

    it('reports events trimmed before the group got to them', async () => {
      const writer = createWriteStream<number>(ipc, 'lag', { maxLen: 3, exactTrim: true });
      const consumer = await group<number>('lag', 'g', 'c').ready();
      await writer.publish(0);
      await consumer.ack(await consumer.read({ timeoutMs: 1000 }));
      await writer.publishMany([1, 2, 3, 4, 5, 6]);
      const error = await rejection(consumer.read({ timeoutMs: 1000 }));
      expect(isGapError(error)).toBe(true);
      expect((error as unknown as { gap: StreamGap }).gap).toMatchObject({ stream: 'lag', count: 3 });
      expect((await consumer.read()).map((e) => e.value)).toEqual([4, 5, 6]);
      const gaps: StreamGap[] = [];
      consumer.on('gap', (gap) => gaps.push(gap));
      await writer.publishMany([7, 8, 9, 10, 11]);
      const controller = new AbortController();
      const handled: number[] = [];
      await consumer.process(
        (value) => {
          handled.push(value);
          if (value === 11) controller.abort();
        },
        { signal: controller.signal },
      );
      expect(handled).toEqual([9, 10, 11]);
      expect(gaps.map((gap) => gap.count)).toEqual([2]);
    });

    it('reports as trimmed the events trimmed while it held them, when it gives them back', async () => {
      const writer = createWriteStream<number>(ipc, 'held-trim');
      const consumer = await group<number>('held-trim', 'g', 'c', { batchSize: 10 }).ready();
      const trimmed: string[] = [];
      consumer.on('trimmed', (ids) => trimmed.push(...ids));
      const ids = await writer.publishMany([1, 2, 3, 4, 5]);
      let release = () => {};
      const blocked = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started = false;
      const loop = consumer.process(async () => {
        started = true;
        await blocked;
      });
      // The first event runs; the other four wait in the consumer's buffer while the stream is trimmed.
      await waitUntil(() => started, 2000, 'handler started');
      await redis.xTrim(consumer.key, 'MAXLEN', 0);
      const closing = consumer.close({ timeoutMs: 5000 });
      release();
      await closing;
      await loop;
      // Given back on close: each is pending no more, and said so, not dropped silently.
      expect(trimmed.sort()).toEqual(ids.slice(1).sort());
      expect((await consumer.pending()).count).toBe(0);
    });

    it("says as a process warning what it would report as 'trimmed' when nobody listens", async () => {
      const writer = createWriteStream<number>(ipc, 'unheard-trim');
      const consumer = await group<number>('unheard-trim', 'g', 'c', { minIdleMs: 2000 }).ready();
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        await writer.publishMany([1, 2]);
        expect(await consumer.read({ timeoutMs: 1000 })).toHaveLength(2);
        await redis.xTrim(consumer.key, 'MAXLEN', 0);
        await waitUntil(
          () => warnings.some((warning) => warning.name === 'TrimmedPendingWarning'),
          3000,
          'warning',
        );
        expect(warnings.find((warning) => warning.name === 'TrimmedPendingWarning')?.message).toContain(
          "2 pending event(s) of group 'g' on stream 'unheard-trim'",
        );
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('reports as trimmed the events trimmed while a read() caller holds them', async () => {
      const writer = createWriteStream<number>(ipc, 'read-trim');
      const consumer = await group<number>('read-trim', 'g', 'c', { minIdleMs: 2000 }).ready();
      const trimmed: string[] = [];
      consumer.on('trimmed', (ids) => trimmed.push(...ids));
      const ids = await writer.publishMany([1, 2, 3]);
      expect(await consumer.read({ timeoutMs: 1000 })).toHaveLength(3);
      await redis.xTrim(consumer.key, 'MAXLEN', 0);
      // The next refresh (every minIdleMs / 3) finds them gone from the stream.
      await waitUntil(() => trimmed.length === 3, 3000, 'trimmed report');
      expect(trimmed.sort()).toEqual([...ids].sort());
      expect((await consumer.pending()).count).toBe(0);
    });

    it('a handler that returns after its time limit has timed out: failed, not acknowledged', async () => {
      const writer = createWriteStream<number>(ipc, 'late');
      // Holds are checked every minIdleMs / 3 = 1 s: the handler returns long before the first check.
      const consumer = await group<number>('late', 'g', 'c', { minIdleMs: 3000 }).ready();
      const failures: unknown[] = [];
      consumer.on('failed', (error) => failures.push(error));
      await writer.publish(1);
      let returned = false;
      const controller = new AbortController();
      const loop = consumer.process(
        async () => {
          await pause(400);
          returned = true;
        },
        { timeoutMs: 200, signal: controller.signal },
      );
      await waitUntil(() => returned, 2000, 'handler returned');
      await pause(50);
      controller.abort();
      await loop;
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ code: 'IPC_TIMEOUT' });
      expect((await consumer.pending()).count).toBe(1);
    });

    it('an iterator body that keeps its event past the time limit has it failed, not acknowledged', async () => {
      const writer = createWriteStream<number>(ipc, 'late-body');
      const consumer = await group<number>('late-body', 'g', 'c', { minIdleMs: 3000 }).ready();
      const failures: unknown[] = [];
      consumer.on('failed', (error) => failures.push(error));
      await writer.publishMany([1, 2]);
      const seen: number[] = [];
      for await (const event of consumer.events({ timeoutMs: 200 })) {
        seen.push(event.value);
        if (event.value === 1) await pause(400);
        else break;
      }
      expect(seen).toEqual([1, 2]);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ code: 'IPC_TIMEOUT' });
      expect((await consumer.pending()).count).toBe(2);
    });

    it('is reachable from a reader, with the reader’s codec settings', async () => {
      const writer = createWriteStream<number>(ipc, 'via');
      const reader = createReadStream<number>(ipc, 'via');
      const consumer = reader.group('g', 'c');
      groups.push(consumer as ConsumerGroup<unknown>);
      await consumer.ready();
      await writer.publish(5);
      expect((await consumer.next({ timeoutMs: 1000 })).value).toBe(5);
      expect(consumer.deadLetterKey).toBe(`${prefix}:{via}:s:dead`);
    });
  });
}
