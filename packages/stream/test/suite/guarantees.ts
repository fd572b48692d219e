import type { TestTarget } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import {
  type ConsumerGroup,
  createConsumerGroup,
  createReadStream,
  createWriteStream,
  type GroupEvent,
  isGapError,
  isGroupMissingError,
  type StreamGap,
} from '../exports.js';
import { streamContext } from './context.js';

/**
 * What the stream promises and once broke: nothing skipped silently, nothing pinned for ever. Each
 * test is the shape of one defect.
 */
export function testStreamGuarantees(target: TestTarget): void {
  describe('stream guarantees', () => {
    const t = streamContext(target, 'sg');
    const open: Array<{ close(): Promise<void> }> = [];
    const consumer = <T>(
      ...args: Parameters<typeof createConsumerGroup<T>> extends [unknown, ...infer R] ? R : never
    ) => {
      const made = createConsumerGroup<T>(t.ipc, ...args);
      open.push({ close: () => made.close({ timeoutMs: 200 }) });
      return made;
    };
    const closeAll = () => Promise.all(open.splice(0).map((made) => made.close()));

    it('reports a gap of unknown size when the stream was deleted and made again behind a reader', async () => {
      const writer = createWriteStream<number>(t.ipc, 'reset');
      const reader = await createReadStream<number>(t.ipc, 'reset', { from: '$' }).ready();
      await writer.publish(0);
      expect((await reader.next({ timeoutMs: 1000 })).value).toBe(0);
      const saved = reader.cursor;
      await writer.publishMany([1, 2, 3, 4, 5]);
      await t.plain.sendCommand(['DEL', writer.key]);
      await writer.publishMany([100, 101, 102]);
      const gap = await reader.next({ timeoutMs: 1000 }).catch((error: unknown) => error);
      expect(isGapError(gap)).toBe(true);
      expect((gap as { gap: StreamGap }).gap).toMatchObject({ after: saved, count: undefined });
      expect((await reader.nextBatch({ timeoutMs: 1000 })).map((e) => e.value)).toEqual([100, 101, 102]);
      // A reader resumed from the saved cursor reaches the same verdict.
      const resumed = createReadStream<number>(t.ipc, 'reset', { from: saved });
      const again = await resumed.next({ timeoutMs: 1000 }).catch((error: unknown) => error);
      expect(isGapError(again)).toBe(true);
      await Promise.all([reader.close(), resumed.close()]);
    });

    it('gives up an event whose handler hangs past timeoutMs, and the events buffered behind it', async () => {
      const writer = createWriteStream<number>(t.ipc, 'hung');
      const options = { batchSize: 10, minIdleMs: 600, reclaimIntervalMs: 200 };
      const a = await consumer<number>('hung', 'g', 'a', options).ready();
      await writer.publishMany(Array.from({ length: 10 }, (_, n) => n));
      const handled = new Map<number, string>();
      const failures: unknown[] = [];
      a.on('failed', (error) => failures.push(error));
      let hung: GroupEvent<number> | undefined;
      void a.process(
        (value, event) => {
          // The first handler never settles; A's later ones work.
          if (!hung) {
            hung = event;
            return new Promise(() => {});
          }
          handled.set(value, 'a');
        },
        { timeoutMs: 1000 },
      );
      await t.until(() => hung !== undefined);
      const b = consumer<number>('hung', 'g', 'b', options);
      void b.process((value) => {
        handled.set(value, 'b');
      });
      await t.until(() => handled.size === 10, 8000, 'all ten handled');
      expect(hung!.value).toBe(0);
      expect(hung!.signal.aborted).toBe(true);
      expect(failures).toEqual([expect.objectContaining({ code: 'IPC_TIMEOUT' })]);
      // What A had buffered behind the stuck handler went to B at once.
      expect([...handled].filter(([, by]) => by === 'b').length).toBeGreaterThan(0);
      await closeAll();
    });

    it('gives back the event an iterator body threw on, and what it had buffered', async () => {
      const writer = createWriteStream<number>(t.ipc, 'thrown');
      const options = { batchSize: 10, minIdleMs: 600, reclaimIntervalMs: 200 };
      const a = await consumer<number>('thrown', 'g', 'a', options).ready();
      await writer.publishMany(Array.from({ length: 10 }, (_, n) => n));
      await expect(
        (async () => {
          for await (const event of a) throw new Error(`body failed on ${event.value}`);
        })(),
      ).rejects.toThrow('body failed on 0');
      const b = consumer<number>('thrown', 'g', 'b', options);
      const handled = new Map<number, number>();
      void b.process((value, delivered) => {
        handled.set(value, delivered.deliveries);
      });
      await t.until(() => handled.size === 10, 8000);
      // The event the body threw on counts as a delivery; the nine only buffered do not.
      expect(handled.get(0)).toBe(2);
      expect([...handled.values()].filter((deliveries) => deliveries === 1)).toHaveLength(9);
      await closeAll();
    });

    it('does not reclaim while its slots are full, so a dead consumer’s events go to one with room', async () => {
      const writer = createWriteStream<number>(t.ipc, 'orphans');
      const options = { batchSize: 10, minIdleMs: 600, reclaimIntervalMs: 200 };
      const a = await consumer<number>('orphans', 'g', 'a', options).ready();
      await writer.publishMany([0, 1, 2, 3, 4]);
      // Consumer c takes them and dies (a plain client: nobody refreshes them).
      await t.plain.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '5', 'STREAMS', writer.key, '>']);
      await writer.publish(5);
      const started: number[] = [];
      void a.process(
        (value) => {
          started.push(value);
          return new Promise(() => {});
        },
        { timeoutMs: 20_000 },
      );
      await t.until(() => started.length === 1);
      await t.pause(1500);
      const b = consumer<number>('orphans', 'g', 'b', options);
      const handled = new Set<number>();
      void b.process((value) => {
        handled.add(value);
      });
      await t.until(() => handled.size === 5, 8000);
      expect([...handled].sort()).toEqual([0, 1, 2, 3, 4]);
      expect(started).toEqual([5]);
      await closeAll();
    });

    it('lets events read and never acknowledged go after ackTimeoutMs', async () => {
      const writer = createWriteStream<number>(t.ipc, 'unacked');
      const options = { minIdleMs: 600, reclaimIntervalMs: 200, ackTimeoutMs: 800 };
      const a = await consumer<number>('unacked', 'g', 'a', options).ready();
      await writer.publishMany([0, 1, 2]);
      const [event] = await a.read({ count: 1, timeoutMs: 1000 });
      expect(event!.value).toBe(0);
      const b = consumer<number>('unacked', 'g', 'b', options);
      const handled = new Map<number, number>();
      void b.process((value, delivered) => {
        handled.set(value, delivered.deliveries);
      });
      await t.until(() => handled.size === 3, 8000);
      expect(event!.signal.aborted).toBe(true);
      // The event A's caller kept past its limit counts as a delivery; those A only fetched do not.
      expect([...handled].sort()).toEqual([
        [0, 2],
        [1, 1],
        [2, 1],
      ]);
      await closeAll();
    });

    it('gives back what an aborted process() had buffered', async () => {
      const writer = createWriteStream<number>(t.ipc, 'aborted');
      const options = { batchSize: 10, minIdleMs: 600, reclaimIntervalMs: 200 };
      const a = await consumer<number>('aborted', 'g', 'a', options).ready();
      await writer.publishMany(Array.from({ length: 10 }, (_, n) => n));
      const stop = new AbortController();
      const seen: number[] = [];
      await a.process(
        (value) => {
          seen.push(value);
          stop.abort();
        },
        { signal: stop.signal },
      );
      expect(seen).toEqual([0]);
      const b = consumer<number>('aborted', 'g', 'b', options);
      const handled = new Set<number>();
      void b.process((value) => {
        handled.add(value);
      });
      await t.until(() => handled.size === 9, 8000);
      expect(handled.has(0)).toBe(false);
      await closeAll();
    });

    it('refreshes the events it works on every minIdleMs / 3', async () => {
      const writer = createWriteStream<number>(t.ipc, 'refresh');
      const a = await consumer<number>('refresh', 'g', 'a', {
        minIdleMs: 1500,
        ackTimeoutMs: Infinity,
      }).ready();
      await writer.publish(1);
      await a.read({ timeoutMs: 1000 });
      let maxIdle = 0;
      const until = performance.now() + 3000;
      while (performance.now() < until) {
        const [entry] = (await t.plain.sendCommand([
          'XPENDING',
          writer.key,
          'g',
          '-',
          '+',
          '1',
        ])) as unknown[][];
        maxIdle = Math.max(maxIdle, Number(entry![2]));
        await t.pause(40);
      }
      // Every 500 ms, give or take a round trip and a timer's lateness; twice that was the old pace.
      expect(maxIdle).toBeLessThan(800);
      await closeAll();
    });

    it('stops with GroupMissingError when its group is destroyed, instead of making it again', async () => {
      const writer = createWriteStream<number>(t.ipc, 'destroyed');
      const a = await consumer<number>('destroyed', 'g', 'a').ready();
      await writer.publishMany([0, 1, 2, 3, 4]);
      const handled: number[] = [];
      const errors: unknown[] = [];
      a.on('error', (error) => errors.push(error));
      const running = a.process((value) => {
        handled.push(value);
      });
      // Watched from now on: the loop may end before the publish below has been answered.
      const ended = running.then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await t.until(() => handled.length === 5);
      await t.plain.sendCommand(['XGROUP', 'DESTROY', writer.key, 'g']);
      await writer.publish(5);
      const outcome = await ended;
      expect(isGroupMissingError(outcome)).toBe(true);
      expect(handled).toEqual([0, 1, 2, 3, 4]);
      expect(errors.filter(isGroupMissingError)).toHaveLength(1);
      await expect(a.read({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'IPC_GROUP_MISSING' });
      // Nobody made it again.
      const groups = (await t.plain.sendCommand(['XINFO', 'GROUPS', writer.key])) as unknown[];
      expect(groups).toEqual([]);
      await closeAll();
    });

    it('rejects a fan-out iterator with DecodeError at an undecodable event nobody listens for', async () => {
      const writer = createWriteStream<number>(t.ipc, 'schema');
      const reader = createReadStream<number>(t.ipc, 'schema', { from: '0' });
      await writer.publish(1);
      await t.plain.sendCommand(['XADD', writer.key, '*', 'content', '{not json']);
      await writer.publish(3);
      const seen: number[] = [];
      const outcome = await (async () => {
        for await (const event of reader) seen.push(event.value);
      })().then(
        () => 'ended',
        (error: unknown) => error,
      );
      expect(outcome).toMatchObject({ code: 'IPC_DECODE' });
      expect(seen).toEqual([1]);
      // The cursor stays before it: a reader resumed there meets it again.
      const [first] = await reader.range({ count: 1 });
      expect(reader.cursor).toBe(first!.id);
      // With a listener it is reported and skipped.
      const listened = createReadStream<number>(t.ipc, 'schema', { from: '0' });
      const reported: unknown[] = [];
      listened.on('decode-error', (error) => reported.push(error));
      const values: number[] = [];
      for await (const event of listened) {
        values.push(event.value);
        if (values.length === 2) break;
      }
      expect(values).toEqual([1, 3]);
      expect(reported).toHaveLength(1);
      await expect(reader.range()).rejects.toMatchObject({ code: 'IPC_DECODE' });
      await Promise.all([reader.close(), listened.close()]);
    });

    it('keeps a worker running past a gap by default, and stops it with onGap: stop', async () => {
      const writer = createWriteStream<number>(t.ipc, 'trimmed');
      const a = await consumer<number>('trimmed', 'g', 'a', { batchSize: 1 }).ready();
      await writer.publishMany([0, 1, 2, 3]);
      await a.read({ count: 1, timeoutMs: 1000 }).then((events) => a.ack(events));
      // Everything the group has not read yet is trimmed away, then more comes.
      await t.plain.sendCommand(['XTRIM', writer.key, 'MAXLEN', '0']);
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        await writer.publishMany([10, 11]);
        const handled: number[] = [];
        const stop = new AbortController();
        const running = a.process(
          (value) => {
            handled.push(value);
            if (value === 11) stop.abort();
          },
          { signal: stop.signal },
        );
        await running;
        expect(handled).toEqual([10, 11]);
        await t.until(() => warnings.some((warning) => isGapError(warning)));
      } finally {
        process.off('warning', onWarning);
      }
      const b = await consumer<number>('trimmed', 'g2', 'b', { startId: '0', batchSize: 1 }).ready();
      await b.read({ count: 1, timeoutMs: 1000 }).then((events) => b.ack(events));
      await t.plain.sendCommand(['XTRIM', writer.key, 'MAXLEN', '0']);
      await writer.publish(20);
      const gaps: StreamGap[] = [];
      b.on('gap', (gap) => gaps.push(gap));
      await expect(b.process(() => {}, { onGap: 'stop' })).rejects.toMatchObject({ code: 'IPC_GAP' });
      expect(gaps).toEqual([]);
      await closeAll();
    });
  });
}

export type { ConsumerGroup, GroupEvent };
