import type { IpcClient } from '@redis-ipc/core';
import { type PlainClient, pause, rejection, type TestTarget } from '@redis-ipc/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createReadStream,
  createWriteStream,
  type DecodeErrorLike,
  isGapError,
  type StreamEvent,
  type StreamGap,
} from '../exports.js';

import { streamContext } from './context.js';

export function testReadStream(target: TestTarget): void {
  describe('ReadStream', () => {
    const t = streamContext(target, 'rs');
    let _prefix: string;
    let ipc: IpcClient;
    let redis: PlainClient;

    beforeEach(() => {
      _prefix = t.prefix;
      ipc = t.ipc;
      redis = t.plain;
    });

    it('answers len, last and range without blocking, empty when there is nothing', async () => {
      const reader = createReadStream<number>(ipc, 'empty');
      expect(await reader.len()).toBe(0);
      expect(await reader.last()).toBeUndefined();
      expect(await reader.range()).toEqual([]);

      const writer = createWriteStream<number>(ipc, 'empty');
      const ids = await writer.publishMany([1, 2, 3, 4, 5]);
      expect(await reader.len()).toBe(5);
      const last = await reader.last();
      expect(last).toEqual({ id: ids[4], value: 5, timestamp: Number(ids[4]!.split('-')[0]) });
      expect((await reader.range({ count: 2 })).map((e) => e.value)).toEqual([1, 2]);
      expect((await reader.range({ reverse: true, count: 2 })).map((e) => e.value)).toEqual([5, 4]);
      expect((await reader.range({ from: ids[1], to: ids[3] })).map((e) => e.value)).toEqual([2, 3, 4]);
      expect((await reader.range({ from: `(${ids[1]}`, to: ids[3] })).map((e) => e.value)).toEqual([3, 4]);
      expect(await reader.range({ count: 0 })).toEqual([]);
      // The reader was made before those were published: for it they are new, and non-blocking reads
      // did not move its cursor.
      expect((await reader.next({ timeoutMs: 0 })).value).toBe(1);
    });

    it('refuses malformed ids instead of sending them (the crate panicked)', async () => {
      expect(() => createReadStream(ipc, 's', { from: 'yesterday' })).toThrow(/stream id/);
      expect(() => createReadStream(ipc, 's', { from: '1-2-3' })).toThrow(/stream id/);
      expect(() => createReadStream(ipc, 's', { batchSize: 0 })).toThrow(/batchSize/);
      const reader = createReadStream(ipc, 's');
      await expect(reader.range({ from: 'abc' })).rejects.toMatchObject({ code: 'IPC_INVALID_ARGUMENT' });
      await expect(reader.next({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'IPC_INVALID_ARGUMENT' });
      // A saved cursor may be given without its sequence part, or with leading zeros.
      expect(createReadStream(ipc, 's', { from: '0001700000000000' }).cursor).toBe('1700000000000-0');
    });

    it("from '$' delivers everything published after the reader was made, also between timed-out reads", async () => {
      const writer = createWriteStream<string>(ipc, 'live');
      await writer.publish('before');
      const reader = await createReadStream<string>(ipc, 'live').ready();
      await writer.publish('one');
      await writer.publish('two');
      expect((await reader.next({ timeoutMs: 1000 })).value).toBe('one');
      expect((await reader.next({ timeoutMs: 1000 })).value).toBe('two');
      const timedOut = await rejection(reader.next({ timeoutMs: 100 }));
      expect(timedOut.code).toBe('IPC_TIMEOUT');
      expect((timedOut as unknown as { timeoutMs: number }).timeoutMs).toBe(100);
      // Published while nobody waits: still delivered, in order.
      await writer.publishMany(['three', 'four']);
      await pause(50);
      expect((await reader.next({ timeoutMs: 1000 })).value).toBe('three');
      expect((await reader.next({ timeoutMs: 0 })).value).toBe('four');
    });

    it("from '0' reads what is there, then waits for more; nextBatch returns what is at hand", async () => {
      const writer = createWriteStream<number>(ipc, 'all');
      await writer.publishMany([1, 2, 3, 4, 5, 6, 7]);
      const reader = createReadStream<number>(ipc, 'all', { from: '0', batchSize: 3 });
      expect((await reader.nextBatch({ count: 2 })).map((e) => e.value)).toEqual([1, 2]);
      expect((await reader.nextBatch()).map((e) => e.value)).toEqual([3]);
      expect((await reader.nextBatch({ count: 10 })).map((e) => e.value)).toEqual([4, 5, 6]);
      expect((await reader.nextBatch()).map((e) => e.value)).toEqual([7]);
      const waiting = reader.nextBatch({ timeoutMs: 2000 });
      await pause(50);
      await writer.publish(8);
      expect((await waiting).map((e) => e.value)).toEqual([8]);
    });

    it('moves the cursor only past delivered events: a reader resumed from it skips nothing', async () => {
      const writer = createWriteStream<number>(ipc, 'resume');
      const ids = await writer.publishMany(Array.from({ length: 50 }, (_, n) => n));
      const first = createReadStream<number>(ipc, 'resume', { from: '0', batchSize: 20 });
      for (let n = 0; n < 5; n++) expect((await first.next()).value).toBe(n);
      // 20 were fetched, 5 delivered.
      expect(first.cursor).toBe(ids[4]);
      await first.close();
      expect(first.cursor).toBe(ids[4]);
      await expect(first.next()).rejects.toMatchObject({ code: 'IPC_CLOSED' });

      const second = createReadStream<number>(ipc, 'resume', { from: first.cursor });
      const rest: number[] = [];
      while (rest.length < 45)
        rest.push(...(await second.nextBatch({ timeoutMs: 1000 })).map((e) => e.value));
      expect(rest).toEqual(Array.from({ length: 45 }, (_, n) => n + 5));
    });

    it('serves concurrent next() calls one after the other, each a different event', async () => {
      const writer = createWriteStream<number>(ipc, 'many');
      const reader = await createReadStream<number>(ipc, 'many', { batchSize: 2 }).ready();
      const waits = Array.from({ length: 6 }, () => reader.next({ timeoutMs: 3000 }));
      await pause(30);
      await writer.publishMany([0, 1, 2, 3, 4, 5]);
      expect((await Promise.all(waits)).map((e) => e.value)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('ends a wait on abort, and the next call still gets what was published meanwhile', async () => {
      const writer = createWriteStream<string>(ipc, 'abort');
      const reader = await createReadStream<string>(ipc, 'abort').ready();
      const controller = new AbortController();
      const waiting = reader.next({ signal: controller.signal });
      await pause(50);
      controller.abort(new Error('user left'));
      const error = await rejection(waiting);
      expect(error.code).toBe('IPC_ABORTED');
      await writer.publish('after');
      expect((await reader.next({ timeoutMs: 1000 })).value).toBe('after');
      await expect(reader.next({ signal: AbortSignal.abort() })).rejects.toMatchObject({
        code: 'IPC_ABORTED',
      });
    });

    it('iterates in order and ends cleanly on close and on abort', async () => {
      const writer = createWriteStream<number>(ipc, 'iter');
      const reader = await createReadStream<number>(ipc, 'iter', { batchSize: 7 }).ready();
      const seen: number[] = [];
      const loop = (async () => {
        for await (const event of reader) {
          seen.push(event.value);
          if (seen.length === 30) void reader.close();
        }
      })();
      for (let n = 0; n < 30; n++) await writer.publish(n);
      await loop;
      expect(seen).toEqual(Array.from({ length: 30 }, (_, n) => n));

      const other = await createReadStream<number>(ipc, 'iter', { from: '0' }).ready();
      const controller = new AbortController();
      let count = 0;
      for await (const _ of other.events({ signal: controller.signal })) {
        if (++count === 10) controller.abort();
      }
      expect(count).toBe(10);
    });

    it('reports undecodable entries as DecodeError with their id, then goes on', async () => {
      const writer = createWriteStream<{ n: number }>(ipc, 'bad');
      const reader = await createReadStream<{ n: number }>(ipc, 'bad').ready();
      await writer.publish({ n: 1 });
      const badId = await redis.xAdd(writer.key, '*', { content: '{not json' });
      const noContentId = await redis.xAdd(writer.key, '*', { other: 'x' });
      await writer.publish({ n: 2 });
      expect((await reader.next({ timeoutMs: 1000 })).value).toEqual({ n: 1 });
      const error = (await rejection(reader.next())) as unknown as DecodeErrorLike;
      expect(error.code).toBe('IPC_DECODE');
      expect(error.id).toBe(badId);
      expect(error.raw).toBe('{not json');
      expect(reader.cursor).toBe(badId);
      expect(((await rejection(reader.next())) as unknown as DecodeErrorLike).id).toBe(noContentId);
      expect((await reader.next()).value).toEqual({ n: 2 });

      // nextBatch stops before a bad entry; the iterator reports it and carries on.
      const batchReader = createReadStream<{ n: number }>(ipc, 'bad', { from: '0' });
      expect((await batchReader.nextBatch()).map((e) => e.value)).toEqual([{ n: 1 }]);
      await expect(batchReader.nextBatch()).rejects.toMatchObject({ code: 'IPC_DECODE', id: badId });
      const iterating = createReadStream<{ n: number }>(ipc, 'bad', { from: '0' });
      const reported: string[] = [];
      iterating.on('decode-error', (decodeError) => reported.push(decodeError.id ?? ''));
      const values: Array<{ n: number }> = [];
      for await (const event of iterating) {
        values.push(event.value);
        if (values.length === 2) break;
      }
      expect(values).toEqual([{ n: 1 }, { n: 2 }]);
      expect(reported).toEqual([badId, noContentId]);
      // range leaves them out and reports them too.
      expect((await iterating.range()).map((e) => e.value)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(reported).toHaveLength(4);
    });

    it('reports schema rejections as DecodeError carrying the issues', async () => {
      const schema = z.object({ n: z.number().int() });
      const writer = createWriteStream<unknown>(ipc, 'schema');
      const reader = await createReadStream(ipc, 'schema', { schema }).ready();
      const badId = await writer.publish({ n: 'one' });
      await writer.publish({ n: 2 });
      const error = (await rejection(reader.next({ timeoutMs: 1000 }))) as unknown as DecodeErrorLike;
      expect(error.code).toBe('IPC_DECODE');
      expect(error.id).toBe(badId);
      expect(error.issues?.length).toBeGreaterThan(0);
      expect((await reader.next()).value).toEqual({ n: 2 });
    });

    it('reports events trimmed before they were read as a gap (GapError), with how many were lost', async () => {
      const writer = createWriteStream<number>(ipc, 'gap');
      const reader = await createReadStream<number>(ipc, 'gap').ready();
      await writer.publish(0);
      expect((await reader.next({ timeoutMs: 1000 })).value).toBe(0);
      const cursor = reader.cursor;
      const trimming = createWriteStream<number>(ipc, 'gap', { maxLen: 5, exactTrim: true });
      const ids: string[] = [];
      for (let n = 1; n <= 20; n++) ids.push(await trimming.publish(n));
      const error = await rejection(reader.next({ timeoutMs: 1000 }));
      expect(isGapError(error)).toBe(true);
      const gap = (error as unknown as { gap: StreamGap }).gap;
      expect(gap).toEqual({ stream: 'gap', after: cursor, before: ids[15], count: 15 });
      // Past the gap: the oldest survivor comes next, then the rest.
      expect((await reader.nextBatch()).map((e) => e.value)).toEqual([16, 17, 18, 19, 20]);

      // A saved cursor older than everything left: reported too (how many is unknown then).
      const resumed = createReadStream<number>(ipc, 'gap', { from: cursor });
      const again = await rejection(resumed.next({ timeoutMs: 1000 }));
      expect((again as unknown as { gap: StreamGap }).gap).toMatchObject({ after: cursor, before: ids[15] });
      expect((await resumed.next()).value).toBe(16);
    });

    it('finds gaps left by approximate trimming and by XDEL, and when nothing unread survived', async () => {
      const writer = createWriteStream<number>(ipc, 'rough');
      const reader = await createReadStream<number>(ipc, 'rough').ready();
      const trimming = createWriteStream<number>(ipc, 'rough', { maxLen: 100 });
      for (let i = 0; i < 10; i++)
        await trimming.publishMany(Array.from({ length: 100 }, (_, n) => i * 100 + n));
      const gap = ((await rejection(reader.next({ timeoutMs: 1000 }))) as unknown as { gap: StreamGap }).gap;
      const info = (await redis.sendCommand(['XINFO', 'STREAM', writer.key])) as Record<string, unknown>;
      expect(gap.count).toBe(1000 - Number(info.length));
      expect(gap.before).toBe((info['first-entry'] as [string])[0]);
      const survivors: number[] = [];
      while (survivors.length < Number(info.length)) {
        survivors.push(...(await reader.nextBatch({ timeoutMs: 1000 })).map((e) => e.value));
      }
      expect(survivors).toEqual(
        Array.from({ length: survivors.length }, (_, n) => 1000 - survivors.length + n),
      );

      // An unread entry removed with XDEL.
      const ids = await writer.publishMany([1, 2, 3]);
      await redis.xDel(writer.key, ids[1]!);
      expect((await reader.next({ timeoutMs: 1000 })).value).toBe(1);
      const deleted = ((await rejection(reader.next())) as unknown as { gap: StreamGap }).gap;
      expect(deleted).toMatchObject({ after: ids[0], before: ids[2] });
      expect((await reader.next()).value).toBe(3);

      // Everything unread trimmed away, nothing new yet: a look says so.
      await writer.publishMany([4, 5]);
      await redis.sendCommand(['XTRIM', writer.key, 'MAXLEN', '0']);
      const emptied = ((await rejection(reader.next({ timeoutMs: 0 }))) as unknown as { gap: StreamGap }).gap;
      expect(emptied).toMatchObject({ after: ids[2], before: undefined, count: 2 });
      await expect(reader.next({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'IPC_TIMEOUT' });
      await writer.publish(6);
      expect((await reader.next({ timeoutMs: 1000 })).value).toBe(6);

      // The same while waiting: reported before the next event.
      const six = reader.cursor;
      await writer.publishMany([7, 8]);
      await redis.sendCommand(['XTRIM', writer.key, 'MAXLEN', '0']);
      const next = await writer.publish(9);
      const trimmed = ((await rejection(reader.next({ timeoutMs: 1000 }))) as unknown as { gap: StreamGap })
        .gap;
      expect(trimmed).toEqual({ stream: 'rough', after: six, before: next, count: 2 });
      expect((await reader.next()).value).toBe(9);
    });

    it('reports no gap while it keeps up with a trimmed stream, nor for history before a start at 0', async () => {
      const writer = createWriteStream<number>(ipc, 'steady', { maxLen: 3, exactTrim: true });
      await writer.publishMany([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const fromStart = createReadStream<number>(ipc, 'steady', { from: '0' });
      expect((await fromStart.nextBatch()).map((e) => e.value)).toEqual([7, 8, 9]);
      const reader = await createReadStream<number>(ipc, 'steady', { batchSize: 2 }).ready();
      for (let n = 10; n < 200; n++) {
        await writer.publish(n);
        if (n % 2 === 1) {
          expect((await reader.next({ timeoutMs: 1000 })).value).toBe(n - 1);
          expect((await reader.next({ timeoutMs: 1000 })).value).toBe(n);
        }
      }
      // Lagging by less than maxLen is fine too.
      await writer.publishMany([200, 201]);
      expect((await reader.nextBatch({ timeoutMs: 1000 })).map((e) => e.value)).toEqual([200, 201]);
      // The reader left behind at 9 did lose 10 to 198.
      const lagging = await rejection(fromStart.nextBatch({ timeoutMs: 1000 }));
      expect((lagging as unknown as { gap: StreamGap }).gap.count).toBe(189);
      expect((await fromStart.nextBatch()).map((e) => e.value)).toEqual([199, 200, 201]);
    });

    it('accounts for every event when trimming overtakes a reader going through a backlog', async () => {
      const writer = createWriteStream<number>(ipc, 'burst');
      const reader = await createReadStream<number>(ipc, 'burst', { batchSize: 10 }).ready();
      await writer.publishMany(Array.from({ length: 1000 }, (_, n) => n));
      const delivered: number[] = [];
      for (let i = 0; i < 5; i++)
        delivered.push(...(await reader.nextBatch({ timeoutMs: 1000 })).map((e) => e.value));
      const trimming = createWriteStream<number>(ipc, 'burst', { maxLen: 100, exactTrim: true });
      await trimming.publishMany(Array.from({ length: 1000 }, (_, n) => 1000 + n));
      let lost = 0;
      for (;;) {
        try {
          const batch = await reader.nextBatch({ timeoutMs: 0 });
          delivered.push(...batch.map((e) => e.value));
        } catch (error) {
          if (isGapError(error)) {
            lost += error.gap.count ?? Number.NaN;
            continue;
          }
          expect((error as { code: string }).code).toBe('IPC_TIMEOUT');
          break;
        }
      }
      // What was delivered, then what was lost, then the survivors: all 2000, in order, once.
      expect(delivered.length + lost).toBe(2000);
      const kept = delivered.length - 100;
      expect(delivered.slice(0, kept)).toEqual(Array.from({ length: kept }, (_, n) => n));
      expect(delivered.slice(kept)).toEqual(Array.from({ length: 100 }, (_, n) => 1900 + n));
    });

    it("emits 'gap' from the iterator when listened to, otherwise the iterator throws GapError", async () => {
      const writer = createWriteStream<number>(ipc, 'loop', { maxLen: 2, exactTrim: true });
      const listened = await createReadStream<number>(ipc, 'loop').ready();
      const unlistened = await createReadStream<number>(ipc, 'loop').ready();
      await writer.publishMany([1, 2, 3, 4]);
      const gaps: StreamGap[] = [];
      listened.on('gap', (gap) => gaps.push(gap));
      const seen: Array<StreamEvent<number>> = [];
      for await (const event of listened) {
        seen.push(event);
        if (seen.length === 2) break;
      }
      expect(seen.map((e) => e.value)).toEqual([3, 4]);
      expect(gaps).toHaveLength(1);
      expect(gaps[0]!.count).toBe(2);
      const thrown = await rejection(
        (async () => {
          for await (const _ of unlistened) {
            // The gap comes first.
          }
        })(),
      );
      expect(isGapError(thrown)).toBe(true);
      expect((await unlistened.next()).value).toBe(3);
    });
  });
}
