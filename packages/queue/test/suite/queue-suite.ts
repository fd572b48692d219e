import {
  createClient,
  type IpcClient,
  type IpcClientOptions,
  type IpcError,
  isIpcError,
} from '@redis-ipc/core';
import { pause, rejection, type TestTarget, targetOptions, testContext, until } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import {
  createReadQueue,
  createWriteQueue,
  type DeliveryMode,
  type RecoveredEvent,
} from '../../src/index.js';

interface Job {
  n: number;
}

/** Settings of one run of {@link testQueue}. */
export interface QueueSuiteOptions {
  /** The delivery mode every reader of the suite uses. */
  readonly delivery: DeliveryMode;
}

/**
 * The queue's conformance suite: the same tests for every delivery mode and every target (a server
 * today; a cluster later). What cannot hold for an at-most-once reader — it keeps no lease, no
 * in-flight record, no delivery count, so acks, nacks, retries, dead letters of failed handlers and
 * recovery after a crash do not exist there — is skipped for it, and only that.
 */
export function testQueue(target: TestTarget, { delivery }: QueueSuiteOptions): void {
  const atMostOnce = delivery === 'at-most-once';
  // Leases, acks, nacks, retries, delivery counts, recovery: an at-most-once reader has none of them.
  const leased = it.skipIf(atMostOnce);

  describe(`queue (${delivery}, ${target.name})`, () => {
    const t = testContext({
      target,
      label: 'q',
      connect: ({ target: where, prefix }, options?: IpcClientOptions): Promise<IpcClient> =>
        createClient({ ...targetOptions(where, options), prefix }).connect(),
    });

    it('hands tasks out first in, first out, and pop() is undefined when empty', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
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
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
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
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
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
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
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
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
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
      expect(isIpcError(await rejection(writer.push({ n: 1 }, { id: '' })), 'IPC_INVALID_ARGUMENT')).toBe(
        true,
      );
      const big = { n: 1, pad: 'x'.repeat(100) } as Job;
      expect(isIpcError(await rejection(writer.push(big)), 'IPC_PAYLOAD_TOO_LARGE')).toBe(true);
      expect(isIpcError(await rejection(writer.pushMany([{ n: 1 }, big])), 'IPC_PAYLOAD_TOO_LARGE')).toBe(
        true,
      );
      expect(await writer.length()).toBe(0);
    });

    it('ends a for-await loop cleanly when the reader closes or the signal aborts', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      await writer.pushMany([{ n: 1 }, { n: 2 }]);
      const controller = new AbortController();
      const seen: number[] = [];
      for await (const task of reader.iterate({ signal: controller.signal })) {
        seen.push(task.value.n);
        void task.ack();
        if (seen.length === 2) setTimeout(() => controller.abort(), 50);
      }
      expect(seen).toEqual([1, 2]);

      let count = 0;
      const looping = (async () => {
        for await (const task of reader) {
          count++;
          void task.ack();
        }
        return count;
      })();
      await writer.push({ n: 3 });
      await until(() => count === 1, 5000, 'third task seen');
      await reader.close();
      await expect(looping).resolves.toBe(1);
      expect(await reader.inFlight()).toBe(0);
    });

    it('closing gives buffered tasks back to the head of the queue, in order', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      await writer.pushMany(Array.from({ length: 10 }, (_, n) => ({ n })));
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, prefetch: 8 });
      const first = (await reader.iterate().next()).value;
      expect(first?.value.n).toBe(0);
      // One handed out, eight buffered for the iterator (leased, or popped).
      expect(await reader.length()).toBe(1);
      if (!atMostOnce) expect(await reader.inFlight()).toBe(9);
      await first!.ack();
      await reader.close();
      expect(await reader.inFlight()).toBe(0);
      const other = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
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
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, prefetch: 8 });
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
      await until(async () => (await reader.length()) < 19, 5000, 'buffer filled');
      const closing = worker.close();
      release();
      await closing;
      // Nobody consumes here any more: another reader gets the rest at once, in order, uncounted.
      await until(async () => (await reader.length()) === 19, 5000, 'buffer given back');
      expect(await reader.inFlight()).toBe(0);
      expect(await reader.length()).toBe(19);
      const other = createReadQueue<Job>(t.ipc, 'jobs', { delivery, prefetch: 0 });
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
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, prefetch: 8 });
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

    leased('keeps a taken task in flight until it is acked', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, prefetch: 0 });
      await writer.push({ n: 1 });
      const task = await reader.take({ timeoutMs: 1000 });
      expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 1, dead: 0 });
      // The in-flight record is the stored item itself, in this reader's own hash, under the delivery's
      // own token (not the task id, which may repeat).
      const keys = t.ipc.keys.structure('q', 'jobs');
      const held = await t.ipc.redis.hGetAll(keys.sub(`inflight:${reader.consumerId}`));
      const tokens = Object.keys(held).filter((field) => /^\d+$/.test(field));
      expect(tokens).toHaveLength(1);
      expect(held[tokens[0]!]).toMatch(/^\{"uuid":/);
      expect(held[task.id]).toBeUndefined();
      await task.ack();
      expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
      await reader.close();
    });

    leased('nack() returns a task to the head at once, counting its deliveries', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, prefetch: 0 });
      await writer.pushMany([{ n: 1 }, { n: 2 }]);
      const first = await reader.take({ timeoutMs: 1000 });
      expect(first.value.n).toBe(1);
      expect(await first.nack()).toBe('requeued');
      const again = await reader.take({ timeoutMs: 1000 });
      expect(again.value.n).toBe(1); // back at the head, before task 2
      expect(again.id).toBe(first.id);
      expect(again.deliveries).toBe(2);
      await again.ack();
      const second = await reader.take({ timeoutMs: 1000 });
      expect(second.value.n).toBe(2);
      expect(second.deliveries).toBe(1);
      await second.ack();
      // The delivery count of an acked task is forgotten.
      expect(await t.ipc.redis.exists(t.ipc.keys.structure('q', 'jobs').sub('deliveries'))).toBe(0);
      expect(await first.nack()).toBe('ignored');
      await reader.close();
    });

    leased('nack({ delayMs }) holds a task back for the delay, then hands it out again', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      await writer.push({ n: 1 });
      const task = await reader.take({ timeoutMs: 1000 });
      const nackedAt = performance.now();
      expect(await task.nack({ delayMs: 400 })).toBe('delayed');
      expect(await reader.counts()).toMatchObject({ waiting: 0, delayed: 1, inFlight: 0 });
      expect(await reader.pop()).toBeUndefined();
      const retried = await reader.take({ timeoutMs: 3000 });
      const waited = performance.now() - nackedAt;
      expect(retried.value.n).toBe(1);
      expect(retried.deliveries).toBe(2);
      expect(waited).toBeGreaterThanOrEqual(380);
      expect(waited).toBeLessThan(2000);
      await retried.ack();
      await reader.close();
    });

    leased('dead-letters a task after maxDeliveries, with its last error, and can requeue it', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, maxDeliveries: 3 });
      const letters: string[] = [];
      reader.on('dead-letter', (event) => letters.push(event.id));
      const id = await writer.push({ n: 9 });
      const outcomes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const task = await reader.take({ timeoutMs: 1000 });
        outcomes.push(await task.nack({ error: new RangeError(`attempt ${task.deliveries} failed`) }));
      }
      expect(outcomes).toEqual(['requeued', 'requeued', 'dead-lettered']);
      expect(letters).toEqual([id]);
      expect(await reader.pop()).toBeUndefined();
      expect(await reader.deadLetterCount()).toBe(1);
      const [letter] = await reader.deadLetters();
      expect(letter).toMatchObject({
        id,
        deliveries: 3,
        reason: 'RangeError: attempt 3 failed',
        consumer: reader.consumerId,
      });
      expect(JSON.parse(letter!.item)).toMatchObject({ uuid: id, content: { n: 9 } });
      expect(letter!.failedAt).toBeGreaterThan(Date.now() - 60_000);

      expect(await reader.requeueDeadLetters()).toBe(1);
      expect(await reader.deadLetterCount()).toBe(0);
      const back = await reader.take({ timeoutMs: 1000 });
      expect(back.id).toBe(id);
      expect(back.deliveries).toBe(1); // a fresh start
      await back.ack();
      await reader.close();
    });

    leased('returns the tasks of a reader that stopped renewing its lease to the queue', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      await writer.pushMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
      // A reader on a client that goes away without closing the reader: it just stops renewing,
      // as after SIGKILL.
      const doomedIpc = await t.client();
      const doomed = createReadQueue<Job>(doomedIpc, 'jobs', { delivery, leaseMs: 600 });
      const held = [await doomed.take({ timeoutMs: 1000 }), await doomed.take({ timeoutMs: 1000 })];
      expect(held.map((task) => task.value.n)).toEqual([1, 2]);
      await doomedIpc.close();

      const survivor = createReadQueue<Job>(t.ipc, 'jobs', { delivery, leaseMs: 600 });
      const recovered: RecoveredEvent[] = [];
      survivor.on('recovered', (event) => recovered.push(event));
      const seen: number[] = [];
      const started = performance.now();
      while (seen.length < 3) {
        const task = await survivor.take({ timeoutMs: 5000 });
        seen.push(task.value.n);
        if (task.value.n !== 3) expect(task.deliveries).toBe(2);
        await task.ack();
      }
      expect(seen.sort()).toEqual([1, 2, 3]);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(recovered.reduce((sum, event) => sum + event.requeued, 0)).toBeGreaterThanOrEqual(2);
      expect(await survivor.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
      await survivor.close();
    });

    leased('dead-letters the task of a reader that kept dying with it, after maxDeliveries', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const id = await writer.push({ n: 1 });
      for (let round = 0; round < 2; round++) {
        const doomedIpc = await t.client();
        const doomed = createReadQueue<Job>(doomedIpc, 'jobs', { delivery, leaseMs: 300, maxDeliveries: 2 });
        await doomed.take({ timeoutMs: 5000 });
        await doomedIpc.close();
      }
      const survivor = createReadQueue<Job>(t.ipc, 'jobs', { delivery, leaseMs: 300, maxDeliveries: 2 });
      await survivor.pop();
      await until(async () => (await survivor.deadLetterCount()) === 1, 5000, 'dead letter');
      const [letter] = await survivor.deadLetters();
      expect(letter).toMatchObject({ id, deliveries: 2 });
      expect(letter!.reason).toMatch(/lease expired/);
      await survivor.close();
    });

    it('keeps the lease of a live reader whose handler runs far longer than leaseMs', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      await writer.push({ n: 1 });
      const slow = createReadQueue<Job>(t.ipc, 'jobs', { delivery, leaseMs: 300 });
      const task = await slow.take({ timeoutMs: 1000 });
      const otherIpc = await t.client();
      const other = createReadQueue<Job>(otherIpc, 'jobs', { delivery, leaseMs: 300 });
      // The other reader runs its recovery several times meanwhile; it must not take the task.
      const stolen = await other.take({ timeoutMs: 1500 }).catch((error: unknown) => error);
      expect(isIpcError(stolen, 'IPC_TIMEOUT')).toBe(true);
      await task.ack();
      expect(await other.counts()).toMatchObject({ waiting: 0, inFlight: 0 });
      await other.close();
      await otherIpc.close();
      await slow.close();
    });

    leased('process() acks on success, retries on failure with the delay, then dead-letters', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, maxDeliveries: 3, retryDelayMs: 50 });
      const attempts = new Map<number, number>();
      const failures: string[] = [];
      reader.on('failed', (event) => failures.push(event.outcome));
      const worker = reader.process(
        (job) => {
          attempts.set(job.n, (attempts.get(job.n) ?? 0) + 1);
          if (job.n === 0) throw new Error('always fails');
          if (job.n === 1 && attempts.get(1) === 1) throw new Error('fails once');
        },
        { concurrency: 4 },
      );
      await writer.pushMany([{ n: 0 }, { n: 1 }, { n: 2 }]);
      await until(
        async () => (await reader.deadLetterCount()) === 1 && attempts.get(1) === 2,
        5000,
        'retries',
      );
      await until(async () => (await reader.counts()).inFlight === 0, 5000, 'acks');
      expect(Object.fromEntries(attempts)).toEqual({ 0: 3, 1: 2, 2: 1 });
      expect(failures.sort()).toEqual(['dead-lettered', 'delayed', 'delayed', 'delayed']);
      const [letter] = await reader.deadLetters();
      expect(letter!.reason).toBe('always fails');
      await worker.close();
      await reader.close();
    });

    it('process() never runs more than `concurrency` handlers at once', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      let running = 0;
      let peak = 0;
      let done = 0;
      reader.process(
        async () => {
          running++;
          peak = Math.max(peak, running);
          await pause(5);
          running--;
          done++;
        },
        { concurrency: 3 },
      );
      await writer.pushMany(Array.from({ length: 30 }, (_, n) => ({ n })));
      await until(() => done === 30, 10_000, 'all handled');
      expect(peak).toBe(3);
      await reader.close();
      expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    });

    leased(
      'process() nacks a handler that runs past timeoutMs, aborts its signal, and takes the next task',
      async () => {
        const writer = createWriteQueue<Job>(t.ipc, 'jobs');
        const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, maxDeliveries: 2, retryDelayMs: 0 });
        const failed: Array<[number, string, boolean]> = [];
        reader.on('failed', ({ task, error, outcome }) =>
          failed.push([task.value.n, outcome, isIpcError(error, 'IPC_TIMEOUT')]),
        );
        const handled: number[] = [];
        const abortedBy: unknown[] = [];
        let slowRunning = 0;
        reader.process(
          async (job, task) => {
            if (job.n === 0) {
              // Ignores its signal: runs on past the limit, and what it returns then is ignored.
              slowRunning++;
              await pause(1000);
              slowRunning--;
              return;
            }
            if (job.n === 1 && task.deliveries === 1) {
              // Stops when told to; its rejection is ignored too (the timeout was reported already).
              await new Promise<void>((resolve) => task.signal.addEventListener('abort', () => resolve()));
              abortedBy.push(task.signal.reason);
              throw new Error('stopped');
            }
            handled.push(job.n);
          },
          { concurrency: 1, timeoutMs: 200 },
        );
        await writer.pushMany([{ n: 0 }, { n: 1 }, { n: 2 }]);
        await until(() => handled.length === 2 && failed.length === 3, 5000, 'every task handled or failed');
        // One lane, yet task 0's handlers (still running) held up neither task 1 nor task 2.
        expect(slowRunning).toBeGreaterThan(0);
        expect(handled.sort()).toEqual([1, 2]);
        expect(failed.sort()).toEqual([
          [0, 'dead-lettered', true],
          [0, 'requeued', true],
          [1, 'requeued', true],
        ]);
        expect(abortedBy).toHaveLength(1);
        expect(isIpcError(abortedBy[0], 'IPC_TIMEOUT')).toBe(true);
        const [letter] = await reader.deadLetters();
        expect(letter!.reason).toBe('TimeoutError: Timed out after 200 ms');
        await until(async () => (await reader.counts()).inFlight === 0, 5000, 'acks');
        // The late outcomes of the timed-out handlers change nothing.
        await pause(1100);
        expect(failed).toHaveLength(3);
        expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 1 });
        await reader.close();
      },
    );

    it('process() refuses a timeoutMs that is not a duration', () => {
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      for (const timeoutMs of [-1, Number.NaN]) {
        expect(() => reader.process(() => {}, { timeoutMs })).toThrowError(
          expect.objectContaining({ code: 'IPC_INVALID_ARGUMENT' }),
        );
      }
    });

    leased('process() treats a timeoutMs beyond what a timer can wait as no limit', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      const failed: unknown[] = [];
      reader.on('failed', ({ error }) => failed.push(error));
      const done: number[] = [];
      const worker = reader.process(
        async (job, task) => {
          await pause(200);
          if (!task.signal.aborted) done.push(job.n);
        },
        { timeoutMs: 30 * 24 * 3600 * 1000 },
      );
      await writer.push({ n: 1 });
      await until(() => done.length === 1, 5000, 'handler finished');
      expect(failed).toEqual([]);
      await worker.close();
      // Closing with no deadline waits for the handlers, then still gives back what is held.
      await writer.pushMany([{ n: 2 }, { n: 3 }]);
      expect((await reader.pop())?.value.n).toBe(2);
      await reader.close({ timeoutMs: Number.POSITIVE_INFINITY });
      expect(await reader.counts()).toMatchObject({ waiting: 2, inFlight: 0 });
      expect(() => createReadQueue<Job>(t.ipc, 'jobs', { delivery, leaseMs: 2 ** 31 })).toThrowError(
        expect.objectContaining({ code: 'IPC_INVALID_ARGUMENT' }),
      );
    });

    leased('process() survives a failed listener that throws, and reports it as an error event', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, maxDeliveries: 2, retryDelayMs: 0 });
      const errors: IpcError[] = [];
      reader.on('error', (error) => errors.push(error));
      const outcomes: string[] = [];
      reader.on('failed', ({ outcome }) => {
        outcomes.push(outcome);
        throw new Error('a bug in the listener');
      });
      const seen: number[] = [];
      const worker = reader.process(
        (job, task) => {
          seen.push(job.n);
          // Rejects: reported once the nack is stored.
          if (job.n === 0) return Promise.reject(new Error('fails'));
          // Throws after its own ack: reported at once, in the lane.
          if (job.n === 1) {
            void task.ack();
            throw new Error('fails after its ack');
          }
          return undefined;
        },
        { concurrency: 1 },
      );
      await writer.pushMany([{ n: 0 }, { n: 1 }, { n: 2 }]);
      await until(() => seen.length === 4, 5000, 'every task handled');
      expect(seen.sort()).toEqual([0, 0, 1, 2]);
      // The dead letter is reported once the second failure's nack is stored, after its handler ran.
      await until(() => outcomes.length === 3, 5000, 'every failure reported');
      expect(outcomes.sort()).toEqual(['dead-lettered', 'ignored', 'requeued']);
      await until(() => errors.length === 3, 5000, 'listener failures reported');
      expect(errors.every((error) => /a bug in the listener/.test(String(error.message)))).toBe(true);
      expect(worker.running).toBe(0);
      await reader.close({ timeoutMs: 1000 });
      expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 1 });
    });

    leased(
      'close() gives back a task whose handler outlived the deadline: its signal aborts, its time limit never fires',
      async () => {
        const writer = createWriteQueue<Job>(t.ipc, 'jobs');
        const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery, retryDelayMs: 0 });
        const outcomes: string[] = [];
        const errors: IpcError[] = [];
        reader.on('failed', ({ outcome }) => outcomes.push(outcome));
        reader.on('error', (error) => errors.push(error));
        let signal: AbortSignal | undefined;
        const worker = reader.process(
          (_job, task) => {
            signal = task.signal;
            // Never settles, and ignores its signal.
            return new Promise(() => {});
          },
          { timeoutMs: 1500 },
        );
        await writer.push({ n: 1 });
        await until(() => worker.running === 1, 5000, 'handler started');
        await reader.close({ timeoutMs: 100 });
        expect(signal?.aborted).toBe(true);
        expect(isIpcError(signal?.reason, 'IPC_CLOSED')).toBe(true);
        expect(await reader.counts()).toEqual({ waiting: 1, delayed: 0, inFlight: 0, dead: 0 });
        // Past the handler's time limit: nothing is nacked or reported for a task given back already.
        await pause(1700);
        expect(outcomes).toEqual([]);
        expect(errors).toEqual([]);
        expect(await reader.counts()).toEqual({ waiting: 1, delayed: 0, inFlight: 0, dead: 0 });
        // The worker's own close() does not wait for a handler its reader gave up on.
        await worker.close();
      },
    );

    leased('close() keeps its own deadline while a worker closes with a later one', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      const started: number[] = [];
      let release!: () => void;
      const hung = new Promise<void>((resolve) => {
        release = resolve;
      });
      const worker = reader.process(async (job) => {
        started.push(job.n);
        await hung;
      });
      await writer.pushMany([{ n: 1 }, { n: 2 }]);
      await until(() => started.length === 1, 5000, 'handler started');
      // Say a SIGTERM handler closed the worker, with a long deadline, and the reader is closed next.
      const workerClosed = worker.close({ timeoutMs: 15_000 }).then(() => 'closed');
      const closingAt = performance.now();
      await reader.close({ timeoutMs: 200 });
      expect(performance.now() - closingAt).toBeLessThan(5000);
      expect(await Promise.race([workerClosed, pause(2000).then(() => 'still closing')])).toBe('closed');
      expect(await reader.counts()).toEqual({ waiting: 2, delayed: 0, inFlight: 0, dead: 0 });
      release();
    });

    it('close() keeps its own deadline while a worker closes with an earlier one', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      let started = false;
      let signalAborted: boolean | undefined;
      const worker = reader.process(async (_job, task) => {
        started = true;
        await pause(300);
        signalAborted = task.signal.aborted;
      });
      await writer.push({ n: 1 });
      await until(() => started, 5000, 'handler started');
      // The worker's own close gives up at once; the reader's close still gives the handler 5 s.
      await worker.close({ timeoutMs: 0 });
      await reader.close({ timeoutMs: 5000 });
      expect(signalAborted).toBe(false);
      // Finished in time, so acked: nothing to run again.
      expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    });

    leased('close() waits for running handlers, and gives back those past the deadline', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      const reader = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      const finished: number[] = [];
      const started: number[] = [];
      reader.process(
        async (job) => {
          started.push(job.n);
          await pause(job.n === 0 ? 100 : 3000);
          finished.push(job.n);
        },
        { concurrency: 2 },
      );
      await writer.pushMany([{ n: 0 }, { n: 1 }, { n: 2 }]);
      await until(() => started.length === 2, 5000, 'handlers started');
      const closing = performance.now();
      await reader.close({ timeoutMs: 500 });
      const took = performance.now() - closing;
      expect(finished).toEqual([0]);
      expect(took).toBeGreaterThanOrEqual(400);
      expect(took).toBeLessThan(2500);
      // Task 0 acked; task 1 (still running) and task 2 (never started) are back in the queue.
      const counts = await reader.counts();
      expect(counts).toEqual({ waiting: 2, delayed: 0, inFlight: 0, dead: 0 });
      const other = createReadQueue<Job>(t.ipc, 'jobs', { delivery });
      const next = await other.pop();
      expect(next?.value.n).toBe(1);
      expect(next?.deliveries).toBe(2);
      const last = await other.pop();
      expect(last?.value.n).toBe(2);
      expect(last?.deliveries).toBe(1);
      await other.close();
    });

    leased('an error event with no listener never crashes the process', async () => {
      const writer = createWriteQueue<Job>(t.ipc, 'jobs');
      await writer.push({ n: 1 });
      const otherIpc = await t.client();
      const reader = createReadQueue<Job>(otherIpc, 'jobs', { delivery });
      const task = await reader.take({ timeoutMs: 1000 });
      await otherIpc.close();
      // The ack fails (client closed) and is reported as an error event that nobody listens to.
      await expect(task.ack()).rejects.toSatisfy((error: unknown) => isIpcError(error, 'IPC_CLOSED'));
      void task.nack();
      await pause(50);
    });
  });
}
