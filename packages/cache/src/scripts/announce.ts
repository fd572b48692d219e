import type { ScriptArgument } from '@redis-ipc/core';
import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/announce-1.lua?raw';

/** Input of {@link announceScript}. */
export interface AnnounceInput {
  /** The value key. */
  readonly key: string;
  /** The cache's channel. */
  readonly channel: string;
  /** The entry the write stored. */
  readonly entry: ScriptArgument;
  /** The head of the announcement carrying the entry. */
  readonly valueHead: string;
  /** The announcement telling waiters to read the key themselves. */
  readonly readIt: string;
}

/**
 * Announces a write that met a waiting marker, after its `SET ... GET`: with the entry while the key
 * still holds it, else as "read it yourself". Resolves with whether the entry went along.
 */
export const announceScript = defineScript<AnnounceInput, boolean>({
  name: 'announce-1',
  source,
  keys: (input) => [input.key],
  args: (input) => [input.channel, input.entry, input.valueHead, input.readIt],
  parse: (reply) => Number(reply) === 1,
});
