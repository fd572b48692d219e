import { readFileSync } from 'node:fs';
import type { IpcClient } from '@redis-ipc/core';
import { deleteKeys, redisUrl, uniquePrefix } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue } from '../src/index.js';
import { open } from './support/connect.js';

// The exact bytes the Rust crate writes (see fixtures/rust-queue-items.md for the Rust values).
const rustItems = readFileSync(new URL('./fixtures/rust-queue-items.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.length > 0);

const expected: Array<{ value: unknown; sameBytes: boolean }> = [
  { value: { id: 7, name: 'job' }, sameBytes: true },
  { value: 'say "hi"\n\tand\\bye', sameBytes: true },
  { value: 'zażółć gęślą jaźń 🚀', sameBytes: true },
  { value: { tags: ['a', 'b'], parent: null, retries: 0, urgent: true }, sameBytes: true },
  { value: { Resize: { width: 640, height: 480 } }, sameBytes: true },
  { value: 'Stop', sameBytes: true },
  { value: { ratio: 1.5, offset: -0.25, count: -3 }, sameBytes: true },
  { value: '\u0001\u001f\b\f\r', sameBytes: true },
  { value: null, sameBytes: true },
  { value: { whole: 1, tiny: 1e-7, huge: 1e21 }, sameBytes: false },
];

const uuidOf = (line: string) => (JSON.parse(line) as { uuid: string }).uuid;

describe('raw mode: byte-compatible with the Rust crate', () => {
  let ipc: IpcClient;
  let name: string;

  beforeEach(async () => {
    ipc = await open(redisUrl(), { raw: true });
    name = uniquePrefix('rust-interop');
  });

  afterEach(async () => {
    await ipc.close();
    await deleteKeys(redisUrl(), `{${name}}`, [name]);
  });

  it('has one expectation per fixture line', () => {
    expect(rustItems).toHaveLength(expected.length);
  });

  it('reads what a Rust WriteQueue wrote, in order', async () => {
    // What Rust's publish does: LPUSH <name> <json>, one item at a time.
    for (const line of rustItems) await ipc.redis.lPush(name, line);
    const reader = createReadQueue<unknown>(ipc, name);
    for (const [index, line] of rustItems.entries()) {
      const task = await reader.take({ timeoutMs: 1000 });
      expect(task.id).toBe(uuidOf(line));
      expect(task.value).toEqual(expected[index]!.value);
      expect(task.producer).toBeUndefined();
      await task.ack();
    }
    expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    await reader.close();
  });

  it('writes the bytes a Rust ReadQueue reads, popped from the right in push order', async () => {
    const writer = createWriteQueue<unknown>(ipc, name);
    const cases = rustItems.map((line, index) => ({ line, ...expected[index]! })).filter((c) => c.sameBytes);
    for (const { line, value } of cases) await writer.push(value, { id: uuidOf(line) });
    // Rust's ReadQueue::next() is `RPOP name 1`.
    for (const { line } of cases) expect(await ipc.redis.rPop(name)).toBe(line);
    expect(await ipc.redis.exists(name)).toBe(0);
  });

  it('writes a UUID v4 as Rust does, and at-most-once reads it back like Rust would', async () => {
    const writer = createWriteQueue<{ id: number; name: string }>(ipc, name);
    const id = await writer.push({ id: 7, name: 'job' });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await ipc.redis.lIndex(name, 0)).toBe(`{"uuid":"${id}","content":{"id":7,"name":"job"}}`);
    const reader = createReadQueue<{ id: number; name: string }>(ipc, name, { delivery: 'at-most-once' });
    expect((await reader.pop())?.value).toEqual({ id: 7, name: 'job' });
    await reader.close();
  });

  it('gives a nacked or recovered task back byte for byte, so a Rust reader can still take it', async () => {
    await ipc.redis.lPush(name, rustItems[0]!);
    const reader = createReadQueue<unknown>(ipc, name, { prefetch: 0 });
    const task = await reader.take({ timeoutMs: 1000 });
    expect(await task.nack()).toBe('requeued');
    await reader.close();
    expect(await ipc.redis.lRange(name, 0, -1)).toEqual([rustItems[0]]);
    // Auxiliary keys share the name's hash tag and never touch the Rust crate's key.
    const aux = await ipc.redis.keys(`{${name}}:q:*`);
    expect(aux.every((key) => key.startsWith(`{${name}}:q:`))).toBe(true);
  });
});
