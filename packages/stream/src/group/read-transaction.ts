import { type RedisClient, toIpcError } from '@redis-ipc/core';
import type { StreamState } from '../read/position.js';
import { START_ID } from '../stream-id.js';
import { stateOfInfo } from '../stream-info.js';
import { fieldOf, type ReplyEntry, streamEntriesOf } from '../stream-reply.js';

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
  /** The stream's state right after the read (read in the same transaction). */
  readonly state: StreamState;
}

/**
 * XREADGROUP '>' in one transaction with the group's position before it (XINFO GROUPS) and the
 * stream's state after it (XINFO STREAM): one round trip, whatever the gap check needs. The state is
 * always asked for: it costs Redis little, while a read that needs it and lacks it (one that does
 * not follow on from the group's position, as at every new millisecond, or at the trimming edge)
 * would cost a round trip more. A transaction rather than a script, so the entries are not
 * converted to Lua and back. Rejects with the transaction's error (NOGROUP when the group or the
 * stream is gone).
 */
export async function readGroup(client: RedisClient, input: ReadGroupInput): Promise<ReadGroupReply> {
  let replies: unknown[];
  try {
    replies = (await client
      .multi()
      .addCommand(['XINFO', 'GROUPS', input.key])
      .addCommand([
        'XREADGROUP',
        'GROUP',
        input.group,
        input.consumer,
        'COUNT',
        String(input.count),
        'STREAMS',
        input.key,
        '>',
      ])
      .addCommand(['XINFO', 'STREAM', input.key])
      .exec()) as unknown[];
  } catch (error) {
    throw toIpcError(error);
  }
  const groups = Array.isArray(replies[0]) ? (replies[0] as unknown[]) : [];
  const mine = groups.find((record) => fieldOf(record, 'name') === input.group);
  const read = fieldOf(mine, 'entries-read');
  return {
    before: fieldOf(mine, 'last-delivered-id') ?? START_ID,
    entriesRead: read === undefined ? undefined : Number(read),
    entries: streamEntriesOf(replies[1]),
    state: stateOfInfo(replies[2]),
  };
}
