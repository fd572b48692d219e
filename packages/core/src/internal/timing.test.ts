import { describe, expect, it } from 'vitest';
import { isIpcError } from '../errors.js';
import { validateTimeout, within } from './timing.js';

describe('validateTimeout', () => {
  it('returns a valid timeout unchanged, up to the longest a Node.js timer can wait', () => {
    for (const ms of [0, 1, 1500, 2_147_483_647, Number.POSITIVE_INFINITY])
      expect(validateTimeout(ms)).toBe(ms);
  });

  it('treats a timeout longer than a Node.js timer can wait as Infinity (it would fire at once)', () => {
    for (const ms of [2_147_483_648, 30 * 24 * 3600 * 1000, Number.MAX_VALUE]) {
      expect(validateTimeout(ms)).toBe(Number.POSITIVE_INFINITY);
    }
  });

  it('rejects what is not a duration, naming the option', () => {
    for (const ms of [-1, Number.NaN, Number.NEGATIVE_INFINITY, '5' as unknown as number]) {
      let error: unknown;
      try {
        validateTimeout(ms, 'waitMs');
      } catch (caught) {
        error = caught;
      }
      expect(isIpcError(error, 'IPC_INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(/^waitMs /);
    }
  });
});

describe('within', () => {
  it('tells whether the work resolved in time, and passes its failure on', async () => {
    expect(await within(Promise.resolve(1), 1000)).toBe(true);
    expect(await within(new Promise(() => {}), 10)).toBe(false);
    expect(await within(Promise.resolve(), Number.POSITIVE_INFINITY)).toBe(true);
    await expect(within(Promise.reject(new Error('boom')), 1000)).rejects.toThrow('boom');
  });
});
