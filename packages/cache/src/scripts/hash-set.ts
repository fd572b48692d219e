import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/hash-set-1.lua?raw';

/** One field of {@link HashSetInput}. */
export interface HashSetEntry {
  /** The field (the cache key). */
  readonly field: string;
  /** The crate envelope to store. */
  readonly entry: string;
  /** The head of its announcement (the entry follows it). */
  readonly head: string;
}

/** Input of {@link hashSetScript}. */
export interface HashSetInput {
  /** The cache's hash (raw mode). */
  readonly hash: string;
  /** The cache's channel. */
  readonly channel: string;
  /** Time to live in ms, or `undefined` for none. */
  readonly ttlMs: number | undefined;
  readonly entries: readonly HashSetEntry[];
}

/** Raw mode's write: fields of the cache's hash, announced while anyone listens. */
export const hashSetScript = defineScript<HashSetInput, number>({
  name: 'hash-set-1',
  source,
  keys: (input) => [input.hash],
  args: (input) => {
    const args = [input.channel, input.ttlMs === undefined ? '' : String(input.ttlMs)];
    for (const { field, entry, head } of input.entries) args.push(field, entry, head);
    return args;
  },
  parse: (reply) => Number(reply),
});
