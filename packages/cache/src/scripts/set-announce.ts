import type { ScriptArgument } from '@redis-ipc/core';
import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/set-announce-1.lua?raw';
import { WAITING_MARKER } from '../waiting-marker.js';

/** Input of {@link setAnnounceScript}. */
export interface SetAnnounceInput {
  /** The value key. */
  readonly key: string;
  /** The cache's channel. */
  readonly channel: string;
  /** The stored entry. */
  readonly entry: ScriptArgument;
  /** Time to live in ms as text, or `''` for none. */
  readonly ttlText: string;
  /** The head of the announcement. */
  readonly head: string;
  /** Whether the entry travels with the announcement (text codecs). */
  readonly withEntry: boolean;
}

/**
 * Writes one entry and announces it in the same step (a `PUBLISH` that reaches nobody costs no more
 * than asking whether anyone listens); resolves with whether a reader awaited the key.
 */
export const setAnnounceScript = defineScript<SetAnnounceInput, boolean>({
  name: 'set-announce-1',
  source,
  keys: (input) => [input.key],
  args: (input) => [
    WAITING_MARKER,
    input.channel,
    input.entry,
    input.ttlText,
    input.head,
    input.withEntry ? '1' : '0',
  ],
  parse: (reply) => Number(reply) === 1,
});
