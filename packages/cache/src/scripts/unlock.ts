import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/unlock-1.lua?raw';

/** Input of {@link unlockScript}. */
export interface UnlockInput {
  readonly lockKey: string;
  /** This caller's lock token. */
  readonly token: string;
  /** The cache's channel. */
  readonly channel: string;
  /** The message to publish once released, or `undefined` for none. */
  readonly message: string | undefined;
}

/** Releases a getOrSet lock this caller still holds; resolves with whether it did. */
export const unlockScript = defineScript<UnlockInput, boolean>({
  name: 'unlock-1',
  source,
  keys: (input) => [input.lockKey],
  args: (input) => [input.token, input.channel, input.message ?? ''],
  parse: (reply) => Number(reply) === 1,
});
