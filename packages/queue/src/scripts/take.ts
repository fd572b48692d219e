import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/take-6.lua?raw';

/** What a take found. */
export type TakeStatus = 'taken' | 'empty' | 'only-own';

/** Input of {@link takeScript}. */
export interface TakeInput {
  readonly main: string;
  readonly consumers: string;
  readonly inflight: string;
  readonly landing: string;
  readonly deliveries: string;
  readonly delayed: string;
  readonly consumerId: string;
  /** Most tasks to take. */
  readonly count: number;
  /** The lease in ms; 0 = at-most-once (nothing leased). */
  readonly leaseMs: number;
  /** Producer whose tasks are skipped (`skipOwn`), '' for none. */
  readonly skipProducer: string;
  /** Most waiting items to look at past skipped ones. */
  readonly scanLimit: number;
  /** Right after a blocking wait: take only if the landing list held something. */
  readonly afterWait: boolean;
  /** Token (sequence number) of the first task taken. */
  readonly firstSeq: number;
  /** Mark every task taken as started, tentatively (for a burst of quick handlers). */
  readonly markTaken: boolean;
}

/** The reply of {@link takeScript}. */
export interface TakeReply {
  readonly status: TakeStatus;
  /** ms until the earliest delayed retry is due; -1 when none. */
  readonly nextDueMs: number;
  /** The reader was not registered (its first take, or its lease had been reclaimed). */
  readonly newlyRegistered: boolean;
  /** The tentative mark the take stored (every task it took); 0 when it stored none. */
  readonly markedThrough: number;
  /** The items taken, exactly as stored, oldest first. */
  readonly items: readonly string[];
  /** Token of `items[0]`; `items[i]` has `firstSeq + i`. -1 for popped items (no token). */
  readonly firstSeq: number;
  /** Deliveries of each item, this one included; `undefined` when every one is a first delivery. */
  readonly deliveries: readonly number[] | undefined;
  /**
   * Which items are suspects (given back uncounted after a crash amid a burst: they must run with an
   * exact started mark); `undefined` when none is.
   */
  readonly suspects: readonly boolean[] | undefined;
}

const STATUS: Record<number, TakeStatus> = { 0: 'empty', 1: 'taken', 2: 'only-own' };

/** Takes (and in at-least-once mode leases) up to `count` tasks; promotes due retries first. */
export const takeScript = defineScript<TakeInput, TakeReply>({
  name: 'take-6',
  source,
  keys: (input) => [
    input.main,
    input.consumers,
    input.inflight,
    input.landing,
    input.deliveries,
    input.delayed,
  ],
  args: (input) => [
    input.consumerId,
    String(input.count),
    String(input.leaseMs),
    input.skipProducer,
    String(input.scanLimit),
    input.afterWait ? '1' : '0',
    String(input.firstSeq),
    input.markTaken ? '1' : '0',
  ],
  parse: parseTakeReply,
});

/** Parses a take reply (also the one a blocking wait's pipelined take returns). */
export function parseTakeReply(reply: unknown): TakeReply {
  const flat = reply as readonly unknown[];
  const items = asStrings(flat[5]);
  // Only the items that are not plain first deliveries are listed: index, deliveries (negative for
  // a suspect). Nothing is made per item when there are none, the common case.
  const repeats = flat[6] as readonly unknown[] | undefined;
  let deliveries: number[] | undefined;
  let suspects: boolean[] | undefined;
  if (repeats && repeats.length > 0) {
    deliveries = new Array<number>(items.length).fill(1);
    for (let i = 0; i + 1 < repeats.length; i += 2) {
      const index = Number(repeats[i]);
      const count = Number(repeats[i + 1]);
      deliveries[index] = Math.abs(count);
      if (count < 0) {
        suspects ??= new Array<boolean>(items.length).fill(false);
        suspects[index] = true;
      }
    }
  }
  return {
    status: STATUS[Number(flat[0])] ?? 'empty',
    nextDueMs: Number(flat[1]),
    newlyRegistered: Number(flat[2]) === 1,
    markedThrough: Number(flat[4] ?? 0),
    items,
    firstSeq: Number(flat[3]),
    deliveries,
    suspects,
  };
}

const NO_ITEMS: readonly string[] = [];

// The items as the client decoded them: strings already, unless a type mapping made Buffers.
function asStrings(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) return NO_ITEMS;
  return typeof value[0] === 'string' ? (value as string[]) : value.map(String);
}
