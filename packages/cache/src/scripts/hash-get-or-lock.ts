import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/hash-get-or-lock-2.lua?raw';
import { type LockStep, parseLockStep } from './lock-step.js';

/** Input of {@link hashGetOrLockScript}. */
export interface HashGetOrLockInput {
  /** The cache's hash (raw mode). */
  readonly hash: string;
  /** The key's lock. */
  readonly lockKey: string;
  /** The field (the cache key). */
  readonly field: string;
  /** This caller's lock token. */
  readonly token: string;
  /** Lock duration in ms. */
  readonly lockMs: number;
  /** Now, in unix ms: entries that expire by then count as absent. */
  readonly now: number;
}

/** Raw mode's getOrSet step: the live entry, or the lock, or how long the lock still runs. */
export const hashGetOrLockScript = defineScript<HashGetOrLockInput, LockStep>({
  name: 'hash-get-or-lock-2',
  source,
  keys: (input) => [input.hash, input.lockKey],
  args: (input) => [input.field, input.token, String(input.lockMs), String(input.now)],
  parse: parseLockStep,
});
