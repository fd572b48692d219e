import { describe, expect, it, vi } from 'vitest';
import { RecallMemory } from './recall-memory.js';

describe('RecallMemory', () => {
  it('recalls a value announced a moment ago, and forgets it after 50 ms', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const memory = new RecallMemory(true);
      memory.hear({ kind: 'value', key: 'k', raw: '1::v' });
      expect(memory.recall('k')).toBe('1::v');
      vi.advanceTimersByTime(51);
      expect(memory.recall('k')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets a key written without its value, and everything on a removal', () => {
    const memory = new RecallMemory(true);
    memory.hear({ kind: 'value', key: 'a', raw: '1::a' });
    memory.hear({ kind: 'value', key: 'b', raw: '1::b' });
    memory.hear({ kind: 'written', key: 'a' });
    expect(memory.recall('a')).toBeUndefined();
    expect(memory.recall('b')).toBe('1::b');
    memory.hear({ kind: 'removed', key: '' });
    expect(memory.recall('b')).toBeUndefined();
  });

  it('remembers nothing for a store whose removals are not announced', () => {
    const memory = new RecallMemory(false);
    memory.hear({ kind: 'value', key: 'k', raw: '1::v' });
    expect(memory.recall('k')).toBeUndefined();
  });

  it('counts a value announced again as new: the older entries go first', () => {
    const memory = new RecallMemory(true);
    memory.hear({ kind: 'value', key: 'a', raw: '1' });
    memory.hear({ kind: 'value', key: 'b', raw: '2' });
    memory.hear({ kind: 'value', key: 'a', raw: '3' });
    for (let i = 0; i < 1023; i++) memory.hear({ kind: 'value', key: `k${i}`, raw: String(i) });
    expect(memory.recall('b')).toBeUndefined();
    expect(memory.recall('a')).toBe('3');
    expect(memory.recall('k0')).toBe('0');
  });

  it('keeps at most 1024 values, dropping the oldest first', () => {
    const memory = new RecallMemory(true);
    for (let i = 0; i <= 1024; i++) memory.hear({ kind: 'value', key: `k${i}`, raw: String(i) });
    expect(memory.recall('k0')).toBeUndefined();
    expect(memory.recall('k1')).toBe('1');
    expect(memory.recall('k1024')).toBe('1024');
  });

  it('remembers a value heard soon once the microtasks queued before it have run', async () => {
    const memory = new RecallMemory(true);
    const seen: unknown[] = [];
    // A waiter woken by the message resumes in a microtask queued before the memory's.
    queueMicrotask(() => seen.push(memory.recall('k')));
    memory.hearSoon({ kind: 'value', key: 'k', raw: '1::v' });
    expect(memory.recall('k')).toBeUndefined();
    await Promise.resolve();
    expect(seen).toEqual([undefined]);
    expect(memory.recall('k')).toBe('1::v');
  });

  it('does not remember a value heard soon when anything was forgotten before it was', async () => {
    const memory = new RecallMemory(true);
    memory.hearSoon({ kind: 'value', key: 'k', raw: '1::old' });
    // This process writes the key in between: the older value must not come back.
    memory.forget('k');
    await Promise.resolve();
    expect(memory.recall('k')).toBeUndefined();
    memory.hearSoon({ kind: 'value', key: 'a', raw: '1::a' });
    memory.hear({ kind: 'removed', key: '' });
    await Promise.resolve();
    expect(memory.recall('a')).toBeUndefined();
  });
});
