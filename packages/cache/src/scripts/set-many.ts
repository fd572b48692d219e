import type { ScriptArgument } from '@redis-ipc/core';
import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/set-many-n.lua?raw';
import { WAITING_MARKER } from '../waiting-marker.js';

/** One entry of {@link SetManyInput}. */
export interface SetManyEntry {
  /** The value key. */
  readonly key: string;
  /** The stored entry. */
  readonly entry: ScriptArgument;
  /** The head of its announcement (the entry follows it when `withEntry`). */
  readonly head: string;
}

/** Input of {@link setManyScript}. */
export interface SetManyInput {
  readonly entries: readonly SetManyEntry[];
  /** The cache's channel. */
  readonly channel: string;
  /** Time to live in ms, or `undefined` for none. */
  readonly ttlMs: number | undefined;
  /** Whether the entries travel with their announcements (text codecs). */
  readonly withEntry: boolean;
}

/** Writes several entries atomically and announces them; resolves with how many it wrote. */
export const setManyScript = defineScript<SetManyInput, number>({
  name: 'set-many-n',
  source,
  keys: (input) => input.entries.map((entry) => entry.key),
  args: (input) => {
    const args: ScriptArgument[] = [
      WAITING_MARKER,
      input.channel,
      input.ttlMs === undefined ? '' : String(input.ttlMs),
      input.withEntry ? '1' : '0',
    ];
    for (const { entry, head } of input.entries) args.push(entry, head);
    return args;
  },
  parse: (reply) => Number(reply),
});
