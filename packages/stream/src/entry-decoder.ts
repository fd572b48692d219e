import { DecodeError, type PayloadCodec, type RedisClient } from '@redis-ipc/core';
import { RESP_TYPES } from 'redis';
import type { StreamEvent } from './stream-event.js';
import { timestampOf } from './stream-id.js';
import { contentOf, describeFields, entryId, type ReplyEntry } from './stream-reply.js';

const BUFFER_TYPES = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

/** The client to read entries with: Buffers for a binary codec, strings otherwise. */
export function entryClient(redis: RedisClient, binary: boolean): RedisClient {
  return binary ? (redis.withTypeMapping(BUFFER_TYPES) as unknown as RedisClient) : redis;
}

/**
 * Decodes one entry; synchronous unless the payload has a schema. Throws (or rejects with)
 * DecodeError carrying the entry id when there is no `content` field or it cannot be decoded.
 */
export function decodeEntry<T>(
  payload: PayloadCodec<T>,
  entry: ReplyEntry,
  id = entryId(entry),
): StreamEvent<T> | Promise<StreamEvent<T>> {
  const content = contentOf(entry);
  if (content === undefined) {
    throw new DecodeError(`Entry ${id} has no "content" field`, { raw: describeFields(entry), id });
  }
  if (payload.schema === undefined) {
    return { id, value: payload.decodeUnchecked(content, id), timestamp: timestampOf(id) };
  }
  return payload.decode(content, id).then((value) => ({ id, value, timestamp: timestampOf(id) }));
}

/** Decodes one entry without a schema; `undefined` when it cannot be (the slow path then reports it). */
export function tryDecodeUnchecked<T>(
  payload: PayloadCodec<T>,
  entry: ReplyEntry,
  id: string,
): T | undefined {
  const content = contentOf(entry);
  if (content === undefined) return undefined;
  try {
    return payload.decodeUnchecked(content, id);
  } catch {
    return undefined;
  }
}
