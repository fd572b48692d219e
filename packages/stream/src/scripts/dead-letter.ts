import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/dead-letter-3.lua?raw';

/** One entry to move to the dead-letter stream. */
export interface DeadLetterInput {
  readonly key: string;
  readonly deadKey: string;
  /** The group's start marks. */
  readonly startsKey: string;
  readonly group: string;
  readonly id: string;
  readonly consumer: string;
  readonly deliveries: number;
  readonly reason: string;
  readonly error: string;
  /** MAXLEN ~ of the dead-letter stream; 0: no limit. */
  readonly maxLen: number;
}

/**
 * `dead-letter-3.lua`: moves the entry and acknowledges it; the dead letter's id, or `undefined`
 * when the entry was no longer pending.
 */
export const DEAD_LETTER = defineScript<DeadLetterInput, string | undefined>({
  name: 'dead-letter-3',
  source,
  keys: (input) => [input.key, input.deadKey, input.startsKey],
  args: (input) => [
    input.group,
    input.id,
    input.consumer,
    String(input.deliveries),
    input.reason,
    input.error,
    String(input.maxLen),
  ],
  parse: (reply) => (reply === null || reply === undefined || reply === false ? undefined : String(reply)),
});
