import { InvalidArgumentError } from '@redis-ipc/core';

/** The smallest stream id: "before every entry". */
export const START_ID = '0-0';

const MAX_SEQUENCE = '18446744073709551615';
const ID_PATTERN = /^(\d{1,20})(?:-(\d{1,20}))?$/;

// Redis ids are two unsigned 64-bit decimals: comparing them as strings (shorter first) is exact and
// avoids both BigInt and the precision loss of Number above 2^53.
function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function stripZeros(digits: string): string {
  const stripped = digits.replace(/^0+(?=\d)/, '');
  return stripped;
}

/**
 * Checks a stream entry id given by a caller (`1700000000000-0`, or `1700000000000` meaning
 * sequence 0) and returns it in canonical `ms-seq` form. Throws {@link InvalidArgumentError} for
 * anything else, instead of letting a malformed id reach Redis.
 */
export function normalizeId(id: unknown, option = 'id'): string {
  const match = typeof id === 'string' ? ID_PATTERN.exec(id) : null;
  if (!match) {
    throw new InvalidArgumentError(`${option} must be a stream id like "1700000000000-0", got ${String(id)}`);
  }
  const ms = stripZeros(match[1]!);
  const seq = stripZeros(match[2] ?? '0');
  if (compareDecimal(ms, MAX_SEQUENCE) > 0 || compareDecimal(seq, MAX_SEQUENCE) > 0) {
    throw new InvalidArgumentError(`${option} is out of range: ${id}`);
  }
  return `${ms}-${seq}`;
}

/** Orders two canonical stream ids: negative when `a` comes first, 0 when equal, positive otherwise. */
export function compareIds(a: string, b: string): number {
  // Digit by digit in place, as compareDecimal does with the parts: no substring per comparison.
  const dashA = a.indexOf('-');
  const dashB = b.indexOf('-');
  if (dashA !== dashB) return dashA - dashB;
  const byMs = compareDigits(a, b, 0, dashA);
  if (byMs !== 0) return byMs;
  if (a.length !== b.length) return a.length - b.length;
  return compareDigits(a, b, dashA + 1, a.length);
}

// The first difference between the digits of `a` and `b` in [from, to).
function compareDigits(a: string, b: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const difference = a.charCodeAt(i) - b.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * True when `b` is the id right after `a` (same millisecond, next sequence number): then no entry can
 * ever have existed between them, so nothing can have been trimmed in between.
 */
export function isSuccessor(a: string, b: string): boolean {
  const dashA = a.indexOf('-');
  const dashB = b.indexOf('-');
  if (dashA !== dashB || a.slice(0, dashA) !== b.slice(0, dashB)) return false;
  const seqA = a.slice(dashA + 1);
  const seqB = b.slice(dashB + 1);
  if (seqA.length < 15 && seqB.length < 16) return Number(seqB) === Number(seqA) + 1;
  return BigInt(seqB) === BigInt(seqA) + 1n;
}

/** The id right before `id` (the largest id smaller than it). */
export function previousId(id: string): string {
  const dash = id.indexOf('-');
  const ms = id.slice(0, dash);
  const seq = id.slice(dash + 1);
  if (seq !== '0') return `${ms}-${(BigInt(seq) - 1n).toString()}`;
  if (ms === '0') return START_ID;
  return `${(BigInt(ms) - 1n).toString()}-${MAX_SEQUENCE}`;
}

/** The Unix time in ms at which Redis generated an auto id (its first part). */
export function timestampOf(id: string): number {
  // parseInt stops at the dash.
  return Number.parseInt(id, 10);
}

/**
 * Checks a range bound: `-` / `+`, an id, or an id prefixed with `(` for an exclusive bound.
 */
export function normalizeBound(bound: unknown, option: string): string {
  if (bound === '-' || bound === '+') return bound;
  if (typeof bound === 'string' && bound.startsWith('(')) return `(${normalizeId(bound.slice(1), option)}`;
  return normalizeId(bound, option);
}
