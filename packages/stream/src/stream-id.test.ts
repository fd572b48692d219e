import { describe, expect, it } from 'vitest';
import {
  compareIds,
  isSuccessor,
  normalizeBound,
  normalizeId,
  previousId,
  timestampOf,
} from './stream-id.js';

describe('stream ids', () => {
  it('normalizes what callers give, refuses anything else', () => {
    expect(normalizeId('1700000000000-5')).toBe('1700000000000-5');
    expect(normalizeId('1700000000000')).toBe('1700000000000-0');
    expect(normalizeId('007-01')).toBe('7-1');
    expect(normalizeId('18446744073709551615-18446744073709551615')).toBe(
      '18446744073709551615-18446744073709551615',
    );
    for (const bad of ['', '$', '-', 'abc', '1-', '-1', '1-2-3', ' 1-2', '18446744073709551616-0', 5, null]) {
      expect(() => normalizeId(bad)).toThrow(expect.objectContaining({ code: 'IPC_INVALID_ARGUMENT' }));
    }
    expect(normalizeBound('-', 'from')).toBe('-');
    expect(normalizeBound('(12', 'from')).toBe('(12-0');
  });

  it('orders ids exactly, beyond 2^53', () => {
    expect(compareIds('1-0', '2-0')).toBeLessThan(0);
    expect(compareIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareIds('5-10', '5-9')).toBeGreaterThan(0);
    expect(compareIds('5-9', '5-9')).toBe(0);
    expect(compareIds('9007199254740993-0', '9007199254740992-0')).toBeGreaterThan(0);
    expect(compareIds('1-9007199254740993', '1-9007199254740992')).toBeGreaterThan(0);
    expect(compareIds('12-3', '1-23')).toBeGreaterThan(0);
    expect(compareIds('1-23', '12-3')).toBeLessThan(0);
  });

  it('orders ids as their two numbers do, whatever their lengths', () => {
    const parts = ['0', '7', '9', '10', '99', '100', '1700000000000', '18446744073709551615'];
    const ids = parts.flatMap((ms) => parts.map((seq) => `${ms}-${seq}`));
    const byNumbers = (a: string, b: string) => {
      const [msA, seqA] = a.split('-').map(BigInt) as [bigint, bigint];
      const [msB, seqB] = b.split('-').map(BigInt) as [bigint, bigint];
      return msA !== msB ? (msA < msB ? -1 : 1) : seqA === seqB ? 0 : seqA < seqB ? -1 : 1;
    };
    for (const a of ids) for (const b of ids) expect(Math.sign(compareIds(a, b))).toBe(byNumbers(a, b));
  });

  it('knows when nothing can lie between two ids', () => {
    expect(isSuccessor('5-1', '5-2')).toBe(true);
    expect(isSuccessor('5-1', '5-3')).toBe(false);
    expect(isSuccessor('5-9', '6-0')).toBe(false);
    expect(isSuccessor('5-9007199254740992', '5-9007199254740993')).toBe(true);
    expect(previousId('5-3')).toBe('5-2');
    expect(previousId('5-0')).toBe('4-18446744073709551615');
    expect(previousId('0-0')).toBe('0-0');
    expect(timestampOf('1700000000123-4')).toBe(1700000000123);
  });
});
