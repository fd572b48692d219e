import { readFile } from 'node:fs/promises';
import type { IpcClient } from '@redis-ipc/core';
import { type PlainClient, rejection, standaloneTarget } from '@redis-ipc/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { createReadStream, createWriteStream } from './exports.js';
import { streamContext } from './suite/context.js';

interface Fixture {
  entries: Array<{ rust: string; command: string[]; value: unknown }>;
}

const fixture = JSON.parse(
  await readFile(new URL('./fixtures/rust-crate-entries.json', import.meta.url), 'utf8'),
) as Fixture;

describe('interoperability with the Rust crate (raw key mode)', () => {
  const t = streamContext(standaloneTarget(), 'rust', { raw: true });
  let name: string;
  let ipc: IpcClient;
  let redis: PlainClient;

  beforeEach(() => {
    // Raw names are the keys themselves: the test's prefix makes the name its own.
    name = `${t.prefix}-stream`;
    ipc = t.ipc;
    redis = t.plain;
    t.deleteAfter(name, `{${name}}:s:dead`);
  });

  it('reads the entries the crate writes, including the one its fixed id "42" produced', async () => {
    const reader = createReadStream<unknown>(ipc, name, { from: '0' });
    expect(reader.key).toBe(name);
    for (const { command } of fixture.entries) {
      await redis.sendCommand(command.map((part) => (part === '<name>' ? name : part)));
    }
    // The crate's defect: a second publish with its fixed id fails.
    const second = fixture.entries[0]!.command.map((part) => (part === '<name>' ? name : part));
    await expect(redis.sendCommand(second)).rejects.toThrow(/equal or smaller/);

    const events = await reader.nextBatch({ timeoutMs: 1000 });
    expect(events.map((event) => event.value)).toEqual(fixture.entries.map((entry) => entry.value));
    expect(events[0]!.id).toBe('42-0');
    expect(events[0]!.timestamp).toBe(42);
    expect((await reader.last())?.value).toEqual(fixture.entries.at(-1)!.value);
    expect(await reader.len()).toBe(fixture.entries.length);
  });

  it('writes entries the crate reads: XREAD BLOCK … COUNT 1, XREVRANGE + - COUNT 1, one content field of JSON', async () => {
    const writer = createWriteStream<unknown>(ipc, name, { maxLen: 1000 });
    const crateLast = await redis.sendCommand(['XREVRANGE', name, '+', '-', 'COUNT', '1']);
    expect(crateLast).toEqual([]);
    const ids: string[] = [];
    for (const { value } of fixture.entries) ids.push(await writer.publish(value));

    // The crate's b_next: XREAD BLOCK <ms> COUNT 1 STREAMS <name> <last id>, one entry at a time.
    let last = '0';
    for (const [index, { value }] of fixture.entries.entries()) {
      const reply = (await redis.sendCommand([
        'XREAD',
        'BLOCK',
        '100',
        'COUNT',
        '1',
        'STREAMS',
        name,
        last,
      ])) as Record<string, Array<[string, string[]]>>;
      const [[id, fields]] = reply[name] as [[string, string[]]];
      expect(id).toBe(ids[index]);
      expect(fields).toHaveLength(2);
      expect(fields[0]).toBe('content');
      expect(JSON.parse(fields[1]!)).toEqual(value);
      last = id;
    }
    const [[lastId, lastFields]] = (await redis.sendCommand(['XREVRANGE', name, '+', '-', 'COUNT', '1'])) as [
      [string, string[]],
    ];
    expect(lastId).toBe(ids.at(-1));
    expect(JSON.parse(lastFields[1]!)).toEqual(fixture.entries.at(-1)!.value);
    expect(await redis.xLen(name)).toBe(fixture.entries.length);
  });

  it('reports a crate entry that does not decode as DecodeError with its id', async () => {
    const reader = await createReadStream<unknown>(ipc, name).ready();
    const id = String(
      await redis.sendCommand(['XADD', name, 'MAXLEN', '~', '1000', '*', 'content', '{"id":1,']),
    );
    const error = await rejection(reader.next({ timeoutMs: 1000 }));
    expect(error).toMatchObject({ code: 'IPC_DECODE', id, raw: '{"id":1,' });
  });
});
