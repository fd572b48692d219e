import { describe, expect, it } from 'vitest';
import { StructureCache, sameOptions } from './structure-cache.js';

describe('sameOptions', () => {
  it('compares plain values member by member, and anything else by identity', () => {
    expect(sameOptions(undefined, undefined)).toBe(true);
    expect(sameOptions({ ttlMs: 1000 }, { ttlMs: 1000 })).toBe(true);
    expect(sameOptions({ ttlMs: 1000, schema: undefined }, { ttlMs: 1000 })).toBe(true);
    expect(sameOptions({ nested: { a: [1, 2] } }, { nested: { a: [1, 2] } })).toBe(true);
    expect(sameOptions({ ttlMs: 1000 }, { ttlMs: 2000 })).toBe(false);
    expect(sameOptions({ ttlMs: 1000 }, {})).toBe(false);
    expect(sameOptions(undefined, {})).toBe(false);
    expect(sameOptions({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    const decode = (raw: string) => raw;
    expect(sameOptions({ decode }, { decode })).toBe(true);
    expect(sameOptions({ decode }, { decode: (raw: string) => raw })).toBe(false);
    expect(sameOptions({ at: new Date(0) }, { at: new Date(0) })).toBe(false);
  });
});

describe('StructureCache', () => {
  it('makes once per key and options, and again once the one it had is closed', () => {
    const cache = new StructureCache();
    let made = 0;
    const make = () => ({ n: ++made, closed: false });
    const first = cache.get('cache:a', { ttlMs: 1 }, make);
    expect(cache.get('cache:a', { ttlMs: 1 }, make)).toBe(first);
    expect(cache.get('cache:b', { ttlMs: 1 }, make)).not.toBe(first);
    first.closed = true;
    const second = cache.get('cache:a', { ttlMs: 1 }, make);
    expect(second).not.toBe(first);
    expect([...cache.structures()]).toHaveLength(2);
  });
});
