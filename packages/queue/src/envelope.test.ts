import { bufferCodec, DecodeError, PayloadCodec, stringCodec } from '@redis-ipc/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Envelope, ItemHead, NEEDS_FULL_DECODE, parseItem, validateTaskId } from './envelope.js';

describe('parseItem', () => {
  it('reads the head we and serde_json write without parsing the content', () => {
    expect(parseItem('{"uuid":"a-1","content":{"x":[1,2]}}')).toEqual({
      id: 'a-1',
      producer: undefined,
      content: '{"x":[1,2]}',
    });
    expect(parseItem('{"uuid":"a-1","producer":"p\\"q","content":"s"}')).toEqual({
      id: 'a-1',
      producer: 'p"q',
      content: '"s"',
    });
  });

  it('falls back to a full parse for other layouts, and refuses what is not an envelope', () => {
    expect(parseItem('{ "content" : 5 , "uuid" : "b" }')).toEqual({
      id: 'b',
      producer: undefined,
      content: '5',
    });
    expect(parseItem('{"uuid":"c","content":null}')?.content).toBe('null');
    expect(parseItem('{"uuid":"c"}')).toBeUndefined();
    expect(parseItem('{"uuid":7,"content":1}')).toBeUndefined();
    expect(parseItem('[1]')).toBeUndefined();
    expect(parseItem('nope')).toBeUndefined();
    expect(parseItem('{"uuid":"d","content":')).toBeUndefined();
  });
});

describe('Envelope', () => {
  it('round-trips JSON values with the content embedded as JSON', async () => {
    const envelope = new Envelope(new PayloadCodec<{ a: number }>(), 'client-1');
    const item = envelope.encode('id-1', { a: 1 });
    expect(item).toBe('{"uuid":"id-1","producer":"client-1","content":{"a":1}}');
    expect(await envelope.decode(item, 'id-1')).toEqual({
      parsed: { id: 'id-1', producer: 'client-1', content: '{"a":1}' },
      value: { a: 1 },
    });
  });

  it('stores other codecs as JSON strings (Buffers as base64)', async () => {
    const text = new Envelope(new PayloadCodec({ codec: stringCodec }), undefined);
    const item = text.encode('t', 'plain "text"');
    expect(item).toBe('{"uuid":"t","content":"plain \\"text\\""}');
    expect((await text.decode(item, 't')).value).toBe('plain "text"');
    const binary = new Envelope(new PayloadCodec({ codec: bufferCodec }), undefined);
    const bytes = Buffer.from([0, 255, 10, 13]);
    const stored = binary.encode('b', bytes);
    expect(JSON.parse(stored)).toEqual({ uuid: 'b', content: bytes.toString('base64') });
    expect((await binary.decode(stored, 'b')).value).toEqual(bytes);
  });

  it('reports undecodable items and schema failures as DecodeError with the whole item', async () => {
    const envelope = new Envelope(new PayloadCodec({ schema: z.object({ a: z.number() }) }), undefined);
    const error = await Promise.resolve()
      .then(() => envelope.decode('{"uuid":"x","content":{"a":"no"}}', 'x'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).raw).toBe('{"uuid":"x","content":{"a":"no"}}');
    expect((error as DecodeError).id).toBe('x');
    expect((error as DecodeError).issues?.length).toBe(1);
    expect(() => envelope.decode('garbage', '#1')).toThrow(DecodeError);
  });

  it('decodes items in our exact head on the fast path, as the full decode does', async () => {
    const envelope = new Envelope(new PayloadCodec<unknown>(), 'client-1');
    const head = new ItemHead();
    const item = envelope.encode('id-1', { a: [1, 'x'] });
    expect(envelope.decodeFast(item, head)).toEqual({ a: [1, 'x'] });
    expect(head).toEqual({ id: 'id-1', producer: 'client-1' });
    expect(envelope.decodeFast('{"uuid":"r-2","content":"s"}', head)).toBe('s');
    expect(head).toEqual({ id: 'r-2', producer: undefined });
    // Content that could hold a prototype key takes the full decode, which drops the key.
    const polluted = '{"uuid":"p","content":{"__proto__":{"x":1},"b":2}}';
    expect(envelope.decodeFast(polluted, head)).toBe(NEEDS_FULL_DECODE);
    expect(envelope.decodeFast('{"uuid":"p","content":{"\\u005f_proto__":1}}', head)).toBe(NEEDS_FULL_DECODE);
    expect(envelope.decodeFast('{"uuid":"p","content":{"constructor":1}}', head)).toBe(NEEDS_FULL_DECODE);
    const { value } = (await envelope.decode(polluted, undefined)) as { value: object };
    expect(Object.keys(value)).toEqual(['b']);
    // What the fast path leaves to the full decode, which gives the same value or the DecodeError.
    for (const other of [
      '{"uuid":"a\\"b","content":1}',
      '{"uuid":"a\\u0041","content":1}',
      '{"uuid":"a","producer":"p\\"q","content":1}',
      '{"uuid":"a","producer":7,"content":1}',
      '{ "uuid":"a","content":1}',
      '{"content":1,"uuid":"a"}',
      '{"uuid":7,"content":1}',
      '{"uuid":"a","content":}',
      '{"uuid":"a","content":1',
      '{"uuid":"a","content":{"b":}}',
      '{"uuid":"a"}',
      'nope',
    ]) {
      expect(envelope.decodeFast(other, head)).toBe(NEEDS_FULL_DECODE);
    }
    expect((await envelope.decode('{"uuid":"a\\"b","content":1}', undefined)).parsed.id).toBe('a"b');
    expect(() => envelope.decode('{"uuid":"a","content":{"b":}}', undefined)).toThrow(DecodeError);
    // Another codec or a schema always takes the full decode.
    const text = new Envelope(new PayloadCodec({ codec: stringCodec }), undefined);
    expect(text.decodeFast(text.encode('t', 'x'), head)).toBe(NEEDS_FULL_DECODE);
    const checked = new Envelope(new PayloadCodec({ schema: z.object({ a: z.number() }) }), undefined);
    expect(checked.decodeFast('{"uuid":"x","content":{"a":1}}', head)).toBe(NEEDS_FULL_DECODE);
  });

  it('refuses task ids that would need escaping', () => {
    expect(validateTaskId('order-1:α')).toBe('order-1:α');
    for (const bad of ['', 'a"b', 'a\\b', 'a\nb', 'x'.repeat(201), 7]) {
      expect(() => validateTaskId(bad)).toThrow(/task id/);
    }
  });
});
