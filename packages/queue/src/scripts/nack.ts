import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/nack-5.lua?raw';

/** What the nack script did with the delivery. */
export type NackResult = 'lost' | 'requeued' | 'delayed' | 'dead-lettered';

/** Input of {@link nackScript}. */
export interface NackInput {
  readonly inflight: string;
  readonly deliveries: string;
  readonly main: string;
  readonly delayed: string;
  readonly dead: string;
  readonly seq: number;
  /** Deliveries so far, this one included. */
  readonly delivered: number;
  readonly delayMs: number;
  readonly maxDeliveries: number;
  /** Kept as the dead-letter record's reason. */
  readonly reason: string;
  readonly consumerId: string;
}

const RESULTS: readonly NackResult[] = ['lost', 'requeued', 'delayed', 'dead-lettered'];

/** Gives one delivery back (head, delayed, or dead-letter list), fenced by its token. */
export const nackScript = defineScript<NackInput, NackResult>({
  name: 'nack-5',
  source,
  keys: (input) => [input.inflight, input.deliveries, input.main, input.delayed, input.dead],
  args: (input) => [
    String(input.seq),
    String(input.delivered),
    String(input.delayMs),
    String(input.maxDeliveries),
    input.reason,
    input.consumerId,
  ],
  parse: (reply) => RESULTS[Number(reply)] ?? 'lost',
});
