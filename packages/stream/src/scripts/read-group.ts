import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/read-group-1.lua?raw';
import type { StreamState } from '../read/position.js';
import { START_ID } from '../stream-id.js';
import { optionalString, type ReplyEntry, replyEntries } from '../stream-reply.js';

/** Which consumer reads, and how much. */
export interface ReadGroupInput {
  readonly key: string;
  readonly group: string;
  readonly consumer: string;
  readonly count: number;
}

/** One read of new entries, with what the gap check needs. */
export interface ReadGroupReply {
  /** The group's last-delivered-id before the read. */
  readonly before: string;
  /** The group's read counter before the read, when Redis knows it. */
  readonly entriesRead: number | undefined;
  /** The entries now delivered to this consumer. */
  readonly entries: ReplyEntry[];
  /** The stream's state after the read; `undefined` when the first entry follows `before`. */
  readonly state: StreamState | undefined;
}

/** `read-group-1.lua`: XREADGROUP '>' with the group's position before it and the state after it. */
export const READ_GROUP = defineScript<ReadGroupInput, ReadGroupReply>({
  name: 'read-group-1',
  source,
  keys: (input) => [input.key],
  args: (input) => [input.group, input.consumer, String(input.count)],
  parse(reply) {
    const [before, entriesRead, entries, state] = reply as [unknown, unknown, unknown, unknown];
    const read = optionalString(entriesRead);
    return {
      before: optionalString(before) ?? START_ID,
      entriesRead: read === undefined ? undefined : Number(read),
      entries: replyEntries(entries),
      state: Array.isArray(state) ? parseState(state) : undefined,
    };
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
