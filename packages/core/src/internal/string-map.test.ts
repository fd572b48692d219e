import { Random } from '@redis-ipc/testing/random';
import { describe, expect, it } from 'vitest';
import { StringMap } from './string-map.js';

describe('StringMap', () => {
  it('sets, gets, replaces and deletes entries', () => {
    const map = new StringMap<number>();
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3);
    expect(map.size).toBe(2);
    expect(map.get('a')).toBe(3);
    expect(map.has('b')).toBe(true);
    expect(map.get('c')).toBeUndefined();
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.has('a')).toBe(false);
    expect(map.keys()).toEqual(['b']);
    expect(map.values()).toEqual([2]);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get('b')).toBeUndefined();
  });

  it('holds the empty key and keys of any characters', () => {
    const map = new StringMap<string>();
    const keys = ['', ' ', 'é', '日本', '\u0000', 'a'.repeat(5000), '🙂'];
    for (const key of keys) map.set(key, `v${key}`);
    for (const key of keys) expect(map.get(key)).toBe(`v${key}`);
    expect(map.keys().sort()).toEqual([...keys].sort());
  });

  it('visits every entry present when the visit starts, even as the visit removes some', () => {
    const map = new StringMap<number>();
    for (let i = 1; i <= 6; i++) map.set(`k${i}`, i);
    const seen: number[] = [];
    map.forEach((value, key) => {
      seen.push(value);
      if (value % 2 === 0) map.delete(key);
      if (value === 1) map.delete('k3');
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(map.keys().sort()).toEqual(['k1', 'k5']);
  });

  it('agrees with a Map through long runs of sets and deletes, growing and shrinking', () => {
    const random = new Random(5);
    const map = new StringMap<number>();
    const reference = new Map<string, number>();
    // A small working set churned (deleted slots reused), then a large one, then back to small.
    for (const [steps, keySpace] of [
      [20_000, 40],
      [20_000, 5_000],
      [20_000, 10],
    ] as const) {
      for (let step = 0; step < steps; step++) {
        const key = `key-${random.int(0, keySpace - 1)}`;
        if (random.chance(0.5)) {
          map.set(key, step);
          reference.set(key, step);
        } else {
          expect(map.delete(key)).toBe(reference.delete(key));
        }
        expect(map.size).toBe(reference.size);
      }
      for (const [key, value] of reference) expect(map.get(key)).toBe(value);
      expect(map.keys().sort()).toEqual([...reference.keys()].sort());
    }
    for (const key of [...reference.keys()]) map.delete(key);
    expect(map.size).toBe(0);
    expect(map.keys()).toEqual([]);
  });
});
