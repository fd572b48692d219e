import { Random } from '@redis-ipc/testing/random';
import { describe, expect, it } from 'vitest';
import { HoldTable } from './hold-table.js';

describe('HoldTable', () => {
  it('finds, replaces and removes entries by id, in id order whatever order they came in', () => {
    const table = new HoldTable<number>();
    table.set('5-0', 1);
    table.set('10-0', 2);
    table.set('9-5', 3);
    table.set('5-0', 4);
    table.set('9-10', 5);
    expect(table.size).toBe(4);
    expect(table.get('5-0')).toBe(4);
    expect(table.has('9-5')).toBe(true);
    expect(table.get('9-6')).toBeUndefined();
    const ids: string[] = [];
    table.forEach((_, id) => {
      ids.push(id);
    });
    expect(ids).toEqual(['5-0', '9-5', '9-10', '10-0']);
    expect(table.delete('9-5')).toBe(true);
    expect(table.delete('9-5')).toBe(false);
    expect(table.has('9-5')).toBe(false);
    expect(table.size).toBe(3);
  });

  it('lets a visit remove entries, its own and others', () => {
    const table = new HoldTable<number>();
    for (let i = 1; i <= 6; i++) table.set(`${i}-0`, i);
    const seen: number[] = [];
    table.forEach((value, id) => {
      seen.push(value);
      if (value % 2 === 0) table.delete(id);
      if (value === 1) table.delete('3-0');
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(table.size).toBe(2);
    expect(table.has('1-0') && table.has('5-0')).toBe(true);
  });

  it('agrees with a Map through a long run of sets and deletes', () => {
    const table = new HoldTable<number>();
    const map = new Map<string, number>();
    const random = new Random(11);
    for (let step = 0; step < 20_000; step++) {
      const id = `${1_700_000_000_000 + random.int(0, 49)}-${random.int(0, 11)}`;
      if (random.chance(2 / 3)) {
        table.set(id, step);
        map.set(id, step);
      } else {
        expect(table.delete(id)).toBe(map.delete(id));
      }
    }
    expect(table.size).toBe(map.size);
    for (const [id, value] of map) expect(table.get(id)).toBe(value);
  });
});
