import { rejection } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bufferCodec, type Codec, jsonCodec, safeJsonParse, stringCodec } from './codec.js';
import { DecodeError, isIpcError } from './errors.js';
import { PayloadCodec } from './payload.js';
import type { StandardSchemaV1 } from './standard-schema.js';

describe('codecs', () => {
  it('round-trips JSON values', async () => {
    const payload = new PayloadCodec<{ id: number; tags: string[]; nested: { ok: boolean } }>();
    const value = { id: 7, tags: ['a', 'é', '😀'], nested: { ok: true } };
    const encoded = payload.encode(value);
    expect(encoded).toBe(JSON.stringify(value));
    await expect(payload.decode(encoded)).resolves.toEqual(value);
  });

  it('round-trips strings and Buffers with the string and buffer codecs', async () => {
    await expect(new PayloadCodec({ codec: stringCodec }).decode('plain')).resolves.toBe('plain');
    const buffers = new PayloadCodec({ codec: bufferCodec });
    expect(buffers.binary).toBe(true);
    const bytes = Buffer.from([0, 255, 1, 2]);
    await expect(buffers.decode(buffers.encode(bytes) as Buffer)).resolves.toEqual(bytes);
  });

  it('uses a custom codec', async () => {
    const upper: Codec<string> = {
      name: 'upper',
      encode: (value) => value.toUpperCase(),
      decode: (raw) => String(raw).toLowerCase(),
    };
    const payload = new PayloadCodec({ codec: upper });
    expect(payload.encode('abc')).toBe('ABC');
    await expect(payload.decode('ABC')).resolves.toBe('abc');
  });

  it('never lets __proto__ or constructor.prototype keys reach decoded objects', () => {
    const decoded = safeJsonParse(
      '{"a":1,"__proto__":{"polluted":true},"nested":{"__proto__":{"polluted":true}},"constructor":{"prototype":{"polluted":true}}}',
    ) as Record<string, unknown>;
    expect(Object.keys(decoded)).toEqual(['a', 'nested']);
    const merged = Object.assign({}, decoded, decoded.nested as object);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((merged as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });

  it('drops those keys when they are written with escapes too', () => {
    const decoded = safeJsonParse(
      '{"a":1,"\\u005f_proto__":{"polluted":true},"c\\u006fnstructor":{"prototype":{"polluted":true}}}',
    ) as Record<string, unknown>;
    expect(Object.keys(decoded)).toEqual(['a']);
    expect(Object.hasOwn(decoded, '__proto__')).toBe(false);
  });

  it('reports undecodable payloads as DecodeError with the raw payload and id', async () => {
    const error = await rejection(new PayloadCodec().decode('{not json', 'task-1'));
    expect(error).toBeInstanceOf(DecodeError);
    expect(isIpcError(error, 'IPC_DECODE')).toBe(true);
    expect((error as DecodeError).raw).toBe('{not json');
    expect((error as DecodeError).id).toBe('task-1');
  });

  it('refuses values JSON cannot encode, before anything is sent', () => {
    expect(() => new PayloadCodec().encode(undefined)).toThrowError(
      expect.objectContaining({ code: 'IPC_INVALID_ARGUMENT' }),
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => new PayloadCodec().encode(cyclic)).toThrowError(
      expect.objectContaining({ code: 'IPC_INVALID_ARGUMENT' }),
    );
  });

  it('refuses payloads over maxPayloadBytes, counting UTF-8 bytes', () => {
    const payload = new PayloadCodec<string>({ codec: stringCodec, maxPayloadBytes: 10 });
    expect(payload.encode('é'.repeat(5))).toBe('ééééé');
    expect(() => payload.encode('é'.repeat(6))).toThrowError(
      expect.objectContaining({ code: 'IPC_PAYLOAD_TOO_LARGE', size: 12, limit: 10 }),
    );
    expect(jsonCodec().name).toBe('json');
  });
});

describe('schemas', () => {
  const task = z.object({ id: z.number().int(), name: z.string() });

  it('accepts values that pass a Standard Schema (zod)', async () => {
    const payload = new PayloadCodec({ schema: task });
    await expect(payload.decode('{"id":1,"name":"a"}')).resolves.toEqual({ id: 1, name: 'a' });
  });

  it('rejects values that fail it, with the issues and the raw payload', async () => {
    const payload = new PayloadCodec({ schema: task });
    const error = await rejection(payload.decode('{"id":"x"}', 'e-1'));
    expect(isIpcError(error, 'IPC_DECODE')).toBe(true);
    expect((error as DecodeError).issues?.length).toBeGreaterThan(0);
    expect((error as DecodeError).raw).toBe('{"id":"x"}');
  });

  it('awaits an asynchronous validator', async () => {
    const positive: StandardSchemaV1<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) =>
          typeof value === 'number' && value > 0 ? { value } : { issues: [{ message: 'must be positive' }] },
      },
    };
    const payload = new PayloadCodec({ schema: positive });
    await expect(payload.decode('3')).resolves.toBe(3);
    const error = await rejection(payload.decode('-3'));
    expect((error as DecodeError).issues).toEqual([{ message: 'must be positive' }]);
  });
});
