import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/get-or-lock-2.lua?raw';
import { WAITING_MARKER } from '../waiting-marker.js';
import { type LockStep, parseLockStep } from './lock-step.js';

/** Input of {@link getOrLockScript}. */
export interface GetOrLockInput {
  /** The value key. */
  readonly key: string;
  /** The key's lock. */
  readonly lockKey: string;
  /** This caller's lock token. */
  readonly token: string;
  /** Lock duration in ms. */
  readonly lockMs: number;
  /** How long the waiting marker must live, in ms. */
  readonly waitMs: number;
}

/** Returns the value, or takes the lock, or marks the key awaited and says how long the lock runs. */
export const getOrLockScript = defineScript<GetOrLockInput, LockStep>({
  name: 'get-or-lock-2',
  source,
  keys: (input) => [input.key, input.lockKey],
  args: (input) => [WAITING_MARKER, input.token, String(input.lockMs), String(Math.ceil(input.waitMs))],
  parse: parseLockStep,
});
