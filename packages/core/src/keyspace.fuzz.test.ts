import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeJsonParse } from './codec.js';
import { Keyspace, MAX_NAME_LENGTH } from './keyspace.js';

// Property tests of the two places where names and payloads from outside meet Redis: the key builder
// (no two structures share a key, no key leaves its structure's hash tag) and JSON decoding (hostile
// keys never reach a prototype).

const NAME_CHARS = 'abcXYZ019_.:@/+=-'.split('');
const KINDS = ['q', 'c', 's'] as const;

const prefixedName = fc
  .array(fc.constantFrom(...NAME_CHARS), { minLength: 1, maxLength: 12 })
  .map((chars) => chars.join(''));
// Raw names come from other programs: anything but braces, glob and control characters, and well formed.
const rawName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is excluded
  .filter((name) => !/[{}\u0000-\u001f\u007f*?[\]\\]/.test(name) && name.length <= MAX_NAME_LENGTH);
// Sub-key parts are free text (cache keys): braces, globs, colons, anything.
const part = fc.string({ unit: 'binary', maxLength: 10 });

interface Built {
  readonly raw: boolean;
  readonly kind: string;
  readonly name: string;
  readonly part: string | undefined;
  readonly key: string;
}

const built = fc
  .tuple(fc.boolean(), fc.constantFrom(...KINDS), prefixedName, rawName, fc.option(part, { nil: undefined }))
  .map(([raw, kind, prefixed, rawOne, sub]): Built => {
    const name = raw ? rawOne : prefixed;
    const keys = new Keyspace({ raw }).structure(kind, name);
    return { raw, kind, name, part: sub, key: sub === undefined ? keys.main : keys.sub(sub) };
  });

/** The hash tag Redis Cluster reads from a key: between the first `{` and the next `}`, if non-empty. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return undefined;
  return key.slice(open + 1, close);
}

/** Redis's glob matching for the patterns subPattern builds: `*`, and `\\` escaping the next character. */
function globMatches(pattern: string, text: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '\\') source += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u').test(text) || new RegExp(`^${source}$`).test(text);
}

const sameStructure = (a: Built, b: Built) => a.raw === b.raw && a.kind === b.kind && a.name === b.name;

describe('key builder (property tests)', () => {
  it('never gives two different structures or parts the same key', () => {
    fc.assert(
      fc.property(built, built, (a, b) => {
        if (sameStructure(a, b) && a.part === b.part) return;
        // A raw main key is the bare name, which a prefixed structure's keys never are.
        expect(a.key).not.toBe(b.key);
      }),
      { numRuns: 5_000 },
    );
  });

  it('keeps every auxiliary key in its structure’s hash tag, so it can never reach another structure’s slot', () => {
    fc.assert(
      fc.property(built, (b) => {
        if (b.raw && b.part === undefined) return; // the crate's bare main key has no tag
        expect(hashTag(b.key)).toBe(b.name);
      }),
      { numRuns: 5_000 },
    );
  });

  it('gives SCAN patterns that match only their own structure’s keys', () => {
    fc.assert(
      fc.property(built, built, part, (a, b, prefix) => {
        if (b.part === undefined) return;
        const pattern = new Keyspace({ raw: a.raw }).structure(a.kind, a.name).subPattern(prefix);
        if (globMatches(pattern, b.key)) {
          expect(sameStructure(a, b) && b.part.startsWith(prefix)).toBe(true);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('JSON decoding (property tests)', () => {
  const hostileKey = fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '\\u005f_proto__',
    '__pro\\u0074o__',
    'constructor\\u0000',
  );
  // JSON text whose objects use hostile keys at any depth, written by hand so escapes survive.
  const hostileJson: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('1', '"x"', 'null', 'true', '{"polluted":true}'),
      fc
        .array(fc.tuple(fc.oneof(hostileKey, fc.constantFrom('a', 'b')), tie('value')), { maxLength: 4 })
        .map((entries) => `{${entries.map(([key, value]) => `"${key}":${value}`).join(',')}}`),
      fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    ),
  })).value;

  it('never pollutes a prototype, and every decoded object keeps a plain prototype', () => {
    fc.assert(
      fc.property(hostileJson, (text) => {
        const value = safeJsonParse(text);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
        const visit = (node: unknown) => {
          if (node === null || typeof node !== 'object') return;
          const proto = Object.getPrototypeOf(node);
          expect(proto === Object.prototype || proto === Array.prototype).toBe(true);
          expect(Object.hasOwn(node, '__proto__')).toBe(false);
          for (const child of Object.values(node)) visit(child);
        };
        visit(value);
      }),
      { numRuns: 3_000 },
    );
  });
});
