import { bufferCodec, type IpcClient } from '@redis-ipc/core';
import { type PlainClient, pause, rejection, type TestTarget } from '@redis-ipc/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { compareStreamIds, createConsumerGroup, createReadStream, createWriteStream } from '../exports.js';

import { streamContext } from './context.js';

export function testWriteStream(target: TestTarget): void {
  describe('WriteStream', () => {
    const t = streamContext(target, 'ws');
    let prefix: string;
    let ipc: IpcClient;
    let redis: PlainClient;

    beforeEach(() => {
      prefix = t.prefix;
      ipc = t.ipc;
      redis = t.plain;
    });

    it('refuses an option name it does not know, in every factory, naming it', () => {
      const unknown = { maxLength: 10 } as never;
      expect(() => createWriteStream(ipc, 'orders', unknown)).toThrow(/unknown option 'maxLength'/);
      expect(() => createReadStream(ipc, 'orders', unknown)).toThrow(/unknown option 'maxLength'/);
      expect(() => createConsumerGroup(ipc, 'orders', 'g', 'c', unknown)).toThrow(
        /unknown option 'maxLength'/,
      );
    });

    it('accepts many events on one stream (the Rust crate’s fixed id accepted one), one content field each', async () => {
      const writer = createWriteStream<{ n: number }>(ipc, 'orders');
      const ids = await Promise.all(Array.from({ length: 1000 }, (_, n) => writer.publish({ n })));
      const more = await writer.publishMany(Array.from({ length: 500 }, (_, n) => ({ n: 1000 + n })));
      const all = [...ids, ...more];
      expect(new Set(all).size).toBe(1500);
      for (let i = 1; i < all.length; i++) expect(compareStreamIds(all[i - 1]!, all[i]!)).toBeLessThan(0);
      expect(await redis.xLen(writer.key)).toBe(1500);
      const entries = (await redis.sendCommand(['XRANGE', writer.key, '-', '+', 'COUNT', '3'])) as Array<
        [string, string[]]
      >;
      expect(entries.map(([, fields]) => fields)).toEqual([
        ['content', '{"n":0}'],
        ['content', '{"n":1}'],
        ['content', '{"n":2}'],
      ]);
      expect(writer.key).toBe(`${prefix}:{orders}:s`);
    });

    it('encodes every value of publishMany before sending any', async () => {
      const writer = createWriteStream<unknown>(ipc, 'mixed');
      expect(await writer.publishMany([])).toEqual([]);
      const error = await rejection(writer.publishMany([{ ok: 1 }, 10n]));
      expect(error.code).toBe('IPC_INVALID_ARGUMENT');
      expect(await redis.xLen(writer.key)).toBe(0);
    });

    it('refuses a payload over maxPayloadBytes without sending it', async () => {
      const writer = createWriteStream<string>(ipc, 'big', { maxPayloadBytes: 16 });
      const error = await rejection(writer.publish('x'.repeat(100)));
      expect(error.code).toBe('IPC_PAYLOAD_TOO_LARGE');
      expect(await redis.exists(writer.key)).toBe(0);
    });

    it('trims to maxLen approximately by default and exactly on request', async () => {
      const rough = createWriteStream<number>(ipc, 'rough', { maxLen: 50 });
      for (let i = 0; i < 10; i++)
        await rough.publishMany(Array.from({ length: 100 }, (_, n) => i * 100 + n));
      const roughLen = await redis.xLen(rough.key);
      expect(roughLen).toBeGreaterThanOrEqual(50);
      expect(roughLen).toBeLessThanOrEqual(50 + 100);

      const exact = createWriteStream<number>(ipc, 'exact', { maxLen: 50, exactTrim: true });
      for (let i = 0; i < 10; i++)
        await exact.publishMany(Array.from({ length: 100 }, (_, n) => i * 100 + n));
      expect(await redis.xLen(exact.key)).toBe(50);
      const reader = createReadStream<number>(ipc, 'exact', { from: '0' });
      expect((await reader.range()).map((event) => event.value)).toEqual(
        Array.from({ length: 50 }, (_, n) => 950 + n),
      );
    });

    it('drops events older than maxAgeMs (MINID), also together with maxLen', async () => {
      const old = createWriteStream<string>(ipc, 'aged');
      await old.publishMany(['a', 'b', 'c']);
      await pause(300);
      const writer = createWriteStream<string>(ipc, 'aged', { maxAgeMs: 150, exactTrim: true });
      await writer.publish('d');
      const reader = createReadStream<string>(ipc, 'aged', { from: '0' });
      expect((await reader.range()).map((event) => event.value)).toEqual(['d']);

      const both = createWriteStream<string>(ipc, 'aged', { maxAgeMs: 150, maxLen: 2, exactTrim: true });
      await both.publishMany(['e', 'f', 'g']);
      expect((await reader.range()).map((event) => event.value)).toEqual(['f', 'g']);
      await pause(300);
      await both.publish('h');
      expect((await reader.range()).map((event) => event.value)).toEqual(['h']);
    });

    it('rejects bad options and names up front', () => {
      expect(() => createWriteStream(ipc, 'x', { maxLen: -1 })).toThrow(/maxLen/);
      expect(() => createWriteStream(ipc, 'x', { maxAgeMs: Number.NaN })).toThrow(/maxAgeMs/);
      expect(() => createWriteStream(ipc, 'bad name')).toThrow(/Invalid name/);
    });

    it('reports a key of another type as CommandError', async () => {
      const writer = createWriteStream<number>(ipc, 'taken');
      await redis.set(writer.key, 'not a stream');
      const error = await rejection(writer.publish(1));
      expect(error.code).toBe('IPC_COMMAND');
      expect(error.message).toMatch(/WRONGTYPE/);
    });

    it('stores and reads back binary payloads with bufferCodec', async () => {
      const writer = createWriteStream<Buffer>(ipc, 'bytes', { codec: bufferCodec });
      const reader = await createReadStream<Buffer>(ipc, 'bytes', { codec: bufferCodec }).ready();
      const payload = Buffer.from([0, 255, 10, 13, 128, 64]);
      const id = await writer.publish(payload);
      const event = await reader.next({ timeoutMs: 2000 });
      expect(event.id).toBe(id);
      expect(Buffer.compare(event.value, payload)).toBe(0);
      expect((await reader.last())?.value.equals(payload)).toBe(true);
    });
  });
}
