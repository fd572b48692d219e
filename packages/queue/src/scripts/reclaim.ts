import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/reclaim-n.lua?raw';

/** One expired reader and its keys. */
export interface ExpiredReader {
  readonly consumerId: string;
  readonly inflight: string;
  readonly landing: string;
}

/** Input of {@link reclaimScript}. */
export interface ReclaimInput {
  readonly consumers: string;
  readonly main: string;
  readonly deliveries: string;
  readonly dead: string;
  readonly maxDeliveries: number;
  readonly readers: readonly ExpiredReader[];
}

/** A task a reclaim moved to the dead-letter list. */
export interface ReclaimedDeadLetter {
  readonly id: string;
  readonly deliveries: number;
}

/** The reply of {@link reclaimScript}. */
export interface ReclaimReply {
  /** Deliveries put back at the head of the queue. */
  readonly requeued: number;
  /** Tasks moved to the dead-letter list (delivered `maxDeliveries` times). */
  readonly deadLettered: readonly ReclaimedDeadLetter[];
}

/** Returns the tasks of readers whose lease expired; only started deliveries are counted. */
export const reclaimScript = defineScript<ReclaimInput, ReclaimReply>({
  name: 'reclaim-n',
  source,
  keys: (input) => [
    input.consumers,
    input.main,
    input.deliveries,
    input.dead,
    ...input.readers.flatMap((reader) => [reader.inflight, reader.landing]),
  ],
  args: (input) => [String(input.maxDeliveries), ...input.readers.map((reader) => reader.consumerId)],
  parse: (reply) => {
    const flat = reply as readonly unknown[];
    const deadLettered: ReclaimedDeadLetter[] = [];
    for (let i = 2; i + 1 < flat.length; i += 2) {
      deadLettered.push({ id: String(flat[i]), deliveries: Number(flat[i + 1]) });
    }
    return { requeued: Number(flat[0]), deadLettered };
  },
});
