import { type RedisClient, toIpcError } from '@redis-ipc/core';
import type { StreamState } from './read/position.js';
import { START_ID } from './stream-id.js';
import { fieldOf, optionalString, replyEntries } from './stream-reply.js';

// What a stream that does not exist reports: nothing to compare with.
const NO_STREAM: StreamState = {
  maxDeletedId: undefined,
  firstId: undefined,
  lastId: undefined,
  added: undefined,
  length: undefined,
};

/**
 * The stream's state from a plain `XINFO STREAM`: no script, so it costs Redis a few microseconds
 * where running one costs some twenty, which matters most when it rides behind a blocking read that
 * just woke (its reply leaves with the read's). A stream that does not exist has no last id.
 */
export async function readInfoState(redis: RedisClient, key: string): Promise<StreamState> {
  let info: unknown;
  try {
    info = await redis.sendCommand(['XINFO', 'STREAM', key]);
  } catch (error) {
    if (error instanceof Error && error.message.includes('no such key')) return NO_STREAM;
    throw toIpcError(error);
  }
  return stateOfInfo(info);
}

/** An XINFO STREAM reply as a {@link StreamState}. */
export function stateOfInfo(info: unknown): StreamState {
  const deleted = fieldOf(info, 'max-deleted-entry-id');
  const added = fieldOf(info, 'entries-added');
  const length = fieldOf(info, 'length');
  return {
    maxDeletedId: deleted === START_ID ? undefined : deleted,
    firstId: firstEntryOf(info),
    lastId: fieldOf(info, 'last-generated-id'),
    added: added === undefined ? undefined : Number(added),
    length: length === undefined ? undefined : Number(length),
  };
}

function firstEntryOf(info: unknown): string | undefined {
  let entry: unknown;
  if (Array.isArray(info)) {
    for (let i = 0; i + 1 < info.length; i += 2) if (String(info[i]) === 'first-entry') entry = info[i + 1];
  } else if (info instanceof Map) {
    entry = info.get('first-entry');
  } else if (info !== null && typeof info === 'object') {
    entry = (info as Record<string, unknown>)['first-entry'];
  }
  const [id] = replyEntries(entry === null || entry === undefined ? [] : [entry]);
  return id ? optionalString(id[0]) : undefined;
}
