import { InvalidArgumentError, isWellFormedText } from '@redis-ipc/core';

/**
 * Longest cache key, in UTF-8 bytes. Redis itself allows far longer keys, but every key is stored,
 * sent and compared on each access: this bound keeps a runaway key from costing megabytes per call.
 */
export const MAX_KEY_BYTES = 8192;

/**
 * Checks a cache key: any string is accepted, empty included, as long as it is well-formed UTF-16
 * (a lone surrogate has no UTF-8 form, so two different keys would be stored under one name) and at
 * most {@link MAX_KEY_BYTES} bytes long. Throws {@link InvalidArgumentError}.
 */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string') throw new InvalidArgumentError('A cache key must be a string');
  // A UTF-16 unit is at most 3 UTF-8 bytes: count only when that bound does not already fit.
  if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(`A cache key must be at most ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  if (!isWellFormedText(key)) {
    throw new InvalidArgumentError('A cache key must not contain lone surrogates (it has no UTF-8 form)');
  }
  return key;
}
