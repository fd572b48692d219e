import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/dead-letter-3.lua?raw';

/** Input of {@link deadLetterScript}. */
export interface DeadLetterInput {
  readonly inflight: string;
  readonly deliveries: string;
  readonly dead: string;
  /** Token of the leased delivery; `undefined` for a popped item (at-most-once). */
  readonly seq: number | undefined;
  readonly reason: string;
  readonly delivered: number;
  readonly consumerId: string;
  /** The item, for a popped one. */
  readonly item: string;
}

/** Task id of the record written; `undefined` when the reader no longer held the delivery. */
export type DeadLetterReply = string | undefined;

/** Moves one undecodable delivery to the dead-letter list. */
export const deadLetterScript = defineScript<DeadLetterInput, DeadLetterReply>({
  name: 'dead-letter-3',
  source,
  keys: (input) => [input.inflight, input.deliveries, input.dead],
  args: (input) => [
    input.seq === undefined ? '' : String(input.seq),
    input.reason,
    String(input.delivered),
    input.consumerId,
    input.seq === undefined ? input.item : '',
  ],
  parse: (reply) => {
    const flat = reply as readonly unknown[];
    return Number(flat[0]) === 1 ? String(flat[1]) : undefined;
  },
});
