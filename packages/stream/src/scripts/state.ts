import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/state-1.lua?raw';
import type { StreamState } from '../read/position.js';
import { START_ID } from '../stream-id.js';
import { optionalString, type ReplyEntry, replyEntries } from '../stream-reply.js';

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

/** A `stream-state.lua` record, as a {@link StreamState}. */
export function parseState(state: readonly unknown[]): StreamState {
  const [deleted, firstId, lastId, added, length] = state;
  const deletedId = optionalString(deleted);
  const addedText = optionalString(added);
  const lengthText = optionalString(length);
  return {
    maxDeletedId: deletedId === START_ID ? undefined : deletedId,
    firstId: optionalString(firstId),
    lastId: optionalString(lastId),
    added: addedText === undefined ? undefined : Number(addedText),
    length: lengthText === undefined ? undefined : Number(lengthText),
  };
}
