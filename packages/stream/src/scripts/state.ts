import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/state-1.lua?raw';
import type { StreamState } from '../read/position.js';
import { START_ID } from '../stream-id.js';
import { optionalString, type ReplyEntry, replyEntries } from '../stream-reply.js';

/** The cursor to read after, and how many entries at most. */
export interface StateInput {
  readonly key: string;
  readonly after: string;
  readonly count: number;
}

/** The entries after the cursor and the stream's state, read in one atomic step. */
export interface StateReply {
  readonly entries: ReplyEntry[];
  readonly state: StreamState;
}

/**
 * `state-1.lua`: the entries after a cursor with XINFO STREAM's deletion counters, atomically (for the
 * rare read a plain XREAD and a look at the state cannot decide about; the plain look is
 * `readInfoState`).
 */
export const STATE = defineScript<StateInput, StateReply>({
  name: 'state-1',
  source,
  keys: (input) => [input.key],
  args: (input) => [input.after, String(input.count)],
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
