import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/has-1.lua?raw';
import { WAITING_MARKER } from '../waiting-marker.js';

/** Whether a value key holds an entry (a waiting marker is not one). */
export const hasScript = defineScript<{ readonly key: string }, boolean>({
  name: 'has-1',
  source,
  keys: (input) => [input.key],
  args: () => [WAITING_MARKER],
  parse: (reply) => Number(reply) === 1,
});
