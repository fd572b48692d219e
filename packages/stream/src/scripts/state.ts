import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/state-1.lua?raw';
import type { StreamState } from '../read/position.js';
import { type ReplyEntry, replyEntries } from '../stream-reply.js';
import { parseState } from './read-group.js';

/** What to read: the state alone, or also the entries after `after` (up to `count`). */
export interface StateInput {
  readonly key: string;
  readonly after?: string;
  readonly count?: number;
}

/** The stream's state, and the entries after the cursor when one was given (read atomically). */
export interface StateReply {
  readonly entries: ReplyEntry[];
  readonly state: StreamState;
}

/** `state-1.lua`: XINFO STREAM's deletion counters, optionally with the entries after a cursor. */
export const STATE = defineScript<StateInput, StateReply>({
  name: 'state-1',
  source,
  keys: (input) => [input.key],
  args: (input) => (input.after === undefined ? [] : [input.after, String(input.count ?? 1)]),
  parse(reply) {
    const [entries, ...state] = reply as unknown[];
    return { entries: replyEntries(entries), state: parseState(state) };
  },
});
