import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/hold-2.lua?raw';

/** Entries one consumer holds, to refresh or give back. */
export interface HoldInput {
  readonly key: string;
  /** The group's start marks. */
  readonly startsKey: string;
  readonly group: string;
  readonly consumer: string;
  /** Entries idle for less than this are left alone (another consumer has just taken them). */
  readonly minIdleMs: number;
  /** The idle time to set; `undefined`: zero (a refresh). */
  readonly idleMs?: number | undefined;
  /** The delivery count to set; `undefined`: unchanged. */
  readonly deliveries?: number | undefined;
  readonly ids: readonly string[];
}

/** What became of the entries. */
export interface HoldReply {
  /** Still this consumer's, claimed anew. */
  readonly claimed: string[];
  /** This consumer's, but deleted (trimmed) from the stream: acknowledged now, never to come back. */
  readonly deleted: string[];
}

/** `hold-2.lua`: XCLAIM of a consumer's own entries that reports, rather than drops, deleted ones. */
export const HOLD = defineScript<HoldInput, HoldReply>({
  name: 'hold-2',
  source,
  keys: (input) => [input.key, input.startsKey],
  args: (input) => [
    input.group,
    input.consumer,
    String(input.minIdleMs),
    input.idleMs === undefined ? '' : String(input.idleMs),
    input.deliveries === undefined ? '' : String(input.deliveries),
    ...input.ids,
  ],
  parse(reply) {
    const [claimed, deleted] = reply as [unknown[], unknown[]];
    return { claimed: claimed.map(String), deleted: deleted.map(String) };
  },
});
