import { InvalidArgumentError } from '@redis-ipc/core';
import { durationOption, rejectUnknownOptions, validateTimeout } from '@redis-ipc/core/internal';
import type { CacheOptions } from './options.js';

const DEFAULT_LOCK_MS = 5000;
const DEFAULT_POLL_MS = 1000;

const KNOWN_OPTIONS = [
  'codec',
  'schema',
  'maxPayloadBytes',
  'ttlMs',
  'lockMs',
  'waitTimeoutMs',
  'foreignWritePollMs',
] as const;

/** A cache's options, checked, with their defaults filled in. */
export interface CacheSettings {
  /** Default TTL in whole ms; `undefined` for none. */
  readonly ttlMs: number | undefined;
  readonly lockMs: number;
  /** `Infinity` for no limit. */
  readonly waitTimeoutMs: number;
  /** `Infinity` for no re-check. */
  readonly foreignWritePollMs: number;
}

/** Checks the options of `createCache`; throws {@link InvalidArgumentError}. */
export function cacheSettings<T>(options: CacheOptions<T>): CacheSettings {
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'createCache');
  const pollMs = options.foreignWritePollMs ?? DEFAULT_POLL_MS;
  return {
    ttlMs: ttlOption(options.ttlMs, undefined, 'ttlMs'),
    lockMs: positiveMs(options.lockMs ?? DEFAULT_LOCK_MS, 'lockMs'),
    waitTimeoutMs: validateTimeout(options.waitTimeoutMs ?? Number.POSITIVE_INFINITY, 'waitTimeoutMs'),
    foreignWritePollMs:
      pollMs === Number.POSITIVE_INFINITY ? pollMs : positiveMs(pollMs, 'foreignWritePollMs'),
  };
}

/** A duration that must be more than 0 ms, rounded up to a whole ms. */
export function positiveMs(value: number, option: string): number {
  durationOption(value, option);
  if (value <= 0) throw new InvalidArgumentError(`${option} must be more than 0 ms`);
  return Math.ceil(value);
}

/** A TTL: `undefined` keeps `fallback`, `Infinity` means no expiry, anything else must be positive. */
export function ttlOption(
  value: number | undefined,
  fallback: number | undefined,
  option: string,
): number | undefined {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return undefined;
  return positiveMs(value, option);
}
