import { describe, expect, it } from 'vitest';
import { isIpcError } from './errors.js';
import { Keyspace, MAX_NAME_LENGTH, validateName } from './keyspace.js';

describe('Keyspace', () => {
  it('puts the name in a hash tag after the prefix', () => {
    const keys = new Keyspace().structure('q', 'orders');
    expect(keys.main).toBe('ipc:{orders}:q');
    expect(keys.sub('inflight')).toBe('ipc:{orders}:q:inflight');
    expect(new Keyspace({ prefix: 'app' }).structure('c', 'users').sub('k:1')).toBe('app:{users}:c:k:1');
  });

  it('uses the bare name as main key in raw mode, and tags auxiliary keys with it', () => {
    const keys = new Keyspace({ raw: true }).structure('q', 'orders');
    expect(keys.main).toBe('orders');
    expect(keys.sub('inflight')).toBe('{orders}:q:inflight');
  });

  it('keeps any sub-key part inside the structure: braces in it do not move the hash tag', () => {
    const keys = new Keyspace().structure('c', 'a');
    const key = keys.sub('k:{b}:x');
    expect(key.startsWith('ipc:{a}:c:')).toBe(true);
    expect(key.indexOf('{')).toBe('ipc:'.length);
  });

  it('gives structures of different kinds distinct keys', () => {
    const space = new Keyspace();
    expect(space.structure('q', 'x').main).not.toBe(space.structure('c', 'x').main);
  });

  it('escapes glob characters in SCAN patterns', () => {
    const keys = new Keyspace({ raw: true }).structure('c', 'cache.v1');
    expect(keys.subPattern('k:')).toBe('{cache.v1}:c:k:*');
    expect(new Keyspace().structure('c', 'a').subPattern('k:[x]')).toBe('ipc:{a}:c:k:\\[x\\]*');
  });

  it.each([
    ['', 'empty'],
    ['a'.repeat(MAX_NAME_LENGTH + 1), 'overlong'],
    ['has space', 'whitespace'],
    ['x{y}', 'braces'],
    ['glob*', 'glob'],
    ['new\nline', 'control'],
  ])('refuses the name %j (%s) with InvalidNameError', (name) => {
    expect(() => new Keyspace().structure('q', name)).toThrowError(
      expect.objectContaining({ code: 'IPC_INVALID_NAME', name: 'InvalidNameError' }),
    );
  });

  it('accepts the usual names', () => {
    for (const name of ['orders', 'orders.v2', 'tenant:42/jobs', 'a-b_c@d+e=f']) {
      expect(validateName(name)).toBe(name);
    }
  });

  it('allows more in raw mode, but never braces, globs, control characters or lone surrogates', () => {
    expect(validateName('my queue', true)).toBe('my queue');
    for (const name of ['a{b', 'a}b', 'a*', 'a?', 'a[b', 'tab\t', 'lone \ud800']) {
      let caught: unknown;
      try {
        validateName(name, true);
      } catch (error) {
        caught = error;
      }
      expect(isIpcError(caught, 'IPC_INVALID_NAME')).toBe(true);
    }
  });

  it('refuses a bad prefix', () => {
    expect(() => new Keyspace({ prefix: '' })).toThrowError(
      expect.objectContaining({ code: 'IPC_INVALID_NAME' }),
    );
    expect(() => new Keyspace({ prefix: 'a{b}' })).toThrowError(
      expect.objectContaining({ code: 'IPC_INVALID_NAME' }),
    );
  });
});
