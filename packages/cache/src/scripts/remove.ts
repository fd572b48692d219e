import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/remove-n.lua?raw';
import { WAITING_MARKER } from '../waiting-marker.js';
import { messageHead } from '../wake-message.js';

/** Input of {@link removeScript}. */
export interface RemoveInput {
  /** The value keys to delete (all of one cache). */
  readonly keys: readonly string[];
  /** The cache's channel, told of the removal. */
  readonly channel: string;
}

const REMOVED = messageHead('x', '');

/** Deletes entries, leaving waiting markers alone; resolves with how many entries it deleted. */
export const removeScript = defineScript<RemoveInput, number>({
  name: 'remove-n',
  source,
  keys: (input) => input.keys,
  args: (input) => [WAITING_MARKER, input.channel, REMOVED],
  parse: (reply) => Number(reply),
});
