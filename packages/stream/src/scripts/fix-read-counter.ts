import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/fix-read-counter-1.lua?raw';

/** The group, where this consumer left it, and the right read counter there. */
export interface FixReadCounterInput {
  readonly key: string;
  readonly group: string;
  readonly position: string;
  readonly entriesRead: number;
}

/** `fix-read-counter-1.lua`: sets the group's read counter unless it moved; true when set. */
export const FIX_READ_COUNTER = defineScript<FixReadCounterInput, boolean>({
  name: 'fix-read-counter-1',
  source,
  keys: (input) => [input.key],
  args: (input) => [input.group, input.position, String(input.entriesRead)],
  parse: (reply) => Number(reply) === 1,
});
