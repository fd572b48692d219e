import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/create-group-1.lua?raw';

/** The group to create and where it starts (`'$'`, `'0-0'` or an id). */
export interface CreateGroupInput {
  readonly key: string;
  readonly group: string;
  readonly startId: string;
}

/** `create-group-1.lua`: creates the group (and the stream) with its read counter set; true when made. */
export const CREATE_GROUP = defineScript<CreateGroupInput, boolean>({
  name: 'create-group-1',
  source,
  keys: (input) => [input.key],
  args: (input) => [input.group, input.startId],
  parse: (reply) => Number(reply) === 1,
});
