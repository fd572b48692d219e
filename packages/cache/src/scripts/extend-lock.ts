import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/extend-lock-1.lua?raw';

/** Input of {@link extendLockScript}. */
export interface ExtendLockInput {
  readonly lockKey: string;
  /** This caller's lock token. */
  readonly token: string;
  /** New duration in ms. */
  readonly lockMs: number;
}

/** Extends a getOrSet lock this caller still holds; resolves with whether it did. */
export const extendLockScript = defineScript<ExtendLockInput, boolean>({
  name: 'extend-lock-1',
  source,
  keys: (input) => [input.lockKey],
  args: (input) => [input.token, String(input.lockMs)],
  parse: (reply) => Number(reply) === 1,
});
