import { describe, expect, it } from 'vitest';
import { commandKey } from './command-key.js';
import { keySlot, patternSlot } from './key-slot.js';

describe('keySlot', () => {
  it('matches the slots Redis computes', () => {
    // Values from CLUSTER KEYSLOT on Redis 7.0.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot(Buffer.from('ipc:{orders}:main'))).toBe(keySlot('orders'));
  });

  it('finds the slot of a pattern only when its hash tag is fixed', () => {
    expect(patternSlot('ipc:{orders}:v:*')).toBe(keySlot('orders'));
    expect(patternSlot('ipc:*:{orders}')).toBeUndefined();
    expect(patternSlot('ipc:{ord*}:v')).toBeUndefined();
    expect(patternSlot('ipc:orders:*')).toBeUndefined();
  });
});

describe('commandKey', () => {
  it('finds the key of every kind of command redis-ipc sends', () => {
    expect(commandKey(['LPUSH', 'k', 'v'])).toBe('k');
    expect(commandKey(['EVALSHA', 'sha', '2', 'a', 'b', 'x'])).toBe('a');
    expect(commandKey(['EVAL', 'src', '0'])).toBeUndefined();
    expect(
      commandKey(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'BLOCK', '5', 'STREAMS', 's', '>']),
    ).toBe('s');
    expect(commandKey(['BLMPOP', '1', '1', 'q', 'LEFT'])).toBe('q');
    expect(commandKey(['XINFO', 'GROUPS', 's'])).toBe('s');
    expect(commandKey(['PING'])).toBeUndefined();
  });
});
