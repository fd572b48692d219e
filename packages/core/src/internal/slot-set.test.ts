import { Random } from '@redis-ipc/testing/random';
import { describe, expect, it } from 'vitest';
import { type SlotMember, SlotSet } from './slot-set.js';

function member(name: string): SlotMember & { name: string } {
  return { name, slot: -1 };
}

describe('SlotSet', () => {
  it('adds, finds and removes members, moving the last one into a freed place', () => {
    const set = new SlotSet<ReturnType<typeof member>>();
    const [a, b, c] = [member('a'), member('b'), member('c')];
    set.add(a);
    set.add(b);
    set.add(c);
    set.add(b);
    expect(set.size).toBe(3);
    expect(set.delete(a)).toBe(true);
    expect(set.delete(a)).toBe(false);
    expect(a.slot).toBe(-1);
    expect(set.has(a)).toBe(false);
    expect(set.has(b) && set.has(c)).toBe(true);
    expect(c.slot).toBe(0);
    expect(
      set
        .values()
        .map((m) => m.name)
        .sort(),
    ).toEqual(['b', 'c']);
  });

  it('keeps its members straight through a long run of adds and removes in any order', () => {
    const set = new SlotSet<ReturnType<typeof member>>();
    const inSet = new Set<ReturnType<typeof member>>();
    const all = Array.from({ length: 200 }, (_, i) => member(String(i)));
    const random = new Random(7);
    for (let step = 0; step < 20_000; step++) {
      const m = random.pick(all);
      if (random.chance(0.5)) {
        set.add(m);
        inSet.add(m);
      } else {
        expect(set.delete(m)).toBe(inSet.delete(m));
      }
    }
    expect(set.size).toBe(inSet.size);
    for (const m of all) expect(set.has(m)).toBe(inSet.has(m));
    const visited: string[] = [];
    set.forEach((m) => {
      visited.push(m.name);
    });
    expect(visited.sort()).toEqual([...inSet].map((m) => m.name).sort());
  });

  it('tells apart a member of another set', () => {
    const one = new SlotSet<ReturnType<typeof member>>();
    const other = new SlotSet<ReturnType<typeof member>>();
    const [a, b] = [member('a'), member('b')];
    one.add(a);
    other.add(b);
    expect(other.has(a)).toBe(false);
    expect(other.delete(a)).toBe(false);
    expect(one.has(a)).toBe(true);
  });

  it('clears, releasing every member for another set', () => {
    const set = new SlotSet<ReturnType<typeof member>>();
    const a = member('a');
    set.add(a);
    const copy = set.values();
    set.clear();
    expect(set.size).toBe(0);
    expect(a.slot).toBe(-1);
    expect(copy).toEqual([a]);
  });
});
