import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/reclaim-3.lua?raw';
import type { ReplyEntry } from '../stream-reply.js';

/** One reclaim round. */
export interface ReclaimInput {
  readonly key: string;
  readonly deadKey: string;
  /** The group's start marks. */
  readonly startsKey: string;
  readonly group: string;
  readonly consumer: string;
  readonly minIdleMs: number;
  readonly cursor: string;
  readonly count: number;
  /** 0: no limit. */
  readonly maxDeliveries: number;
  /** MAXLEN ~ of the dead-letter stream; 0: no limit. */
  readonly deadMaxLen: number;
}

/** An entry this consumer now holds. */
export interface ClaimedEntry {
  readonly id: string;
  readonly entry: ReplyEntry;
  /** Times it reached a handler before, plus this delivery. */
  readonly deliveries: number;
  /** Always true: it must reach a handler only once its start is marked. */
  readonly reclaimed: true;
  /** Its last start never reached a verdict (its consumer died while it ran): it runs alone. */
  readonly suspect: boolean;
}

/** An entry moved to the dead-letter stream instead. */
export interface ClaimedDeadLetter {
  readonly id: string;
  readonly deadLetterId: string;
  /** Times it reached a handler. */
  readonly deliveries: number;
  /** The consumer that held it last. */
  readonly consumer: string;
}

/** What one reclaim round did. */
export interface ReclaimReply {
  /** Where the next round starts (XAUTOCLAIM's cursor). */
  readonly cursor: string;
  readonly claimed: ClaimedEntry[];
  readonly deadLetters: ClaimedDeadLetter[];
  /** Pending ids whose entries were deleted from the stream. */
  readonly deleted: string[];
}

/** `reclaim-3.lua`: XAUTOCLAIM, dead-lettering entries started too often. */
export const RECLAIM = defineScript<ReclaimInput, ReclaimReply>({
  name: 'reclaim-3',
  source,
  keys: (input) => [input.key, input.deadKey, input.startsKey],
  args: (input) => [
    input.group,
    input.consumer,
    String(input.minIdleMs),
    input.cursor,
    String(input.count),
    String(input.maxDeliveries),
    String(input.deadMaxLen),
  ],
  parse(reply) {
    const [cursor, claimed, dead, deleted] = reply as [unknown, unknown[][], unknown[][], unknown[]];
    return {
      cursor: String(cursor),
      claimed: claimed.map(([id, fields, deliveries, suspect]) => ({
        id: String(id),
        entry: [id, fields] as unknown as ReplyEntry,
        deliveries: Number(deliveries),
        reclaimed: true as const,
        suspect: Number(suspect) === 1,
      })),
      deadLetters: dead.map(([id, deadLetterId, deliveries, consumer]) => ({
        id: String(id),
        deadLetterId: String(deadLetterId),
        deliveries: Number(deliveries),
        consumer: String(consumer),
      })),
      deleted: deleted.map(String),
    };
  },
});
