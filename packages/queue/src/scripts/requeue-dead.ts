import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/requeue-dead-3.lua?raw';

/** Input of {@link requeueDeadScript}. */
export interface RequeueDeadInput {
  readonly dead: string;
  readonly main: string;
  readonly deliveries: string;
  /** Most records to move. */
  readonly limit: number;
}

/** The reply of {@link requeueDeadScript}. */
export interface RequeueDeadReply {
  readonly moved: number;
  /** Records not written by this package, left in place. */
  readonly skipped: number;
}

/** Moves dead-lettered tasks back to the queue, oldest first, with fresh delivery counts. */
export const requeueDeadScript = defineScript<RequeueDeadInput, RequeueDeadReply>({
  name: 'requeue-dead-3',
  source,
  keys: (input) => [input.dead, input.main, input.deliveries],
  args: (input) => [String(input.limit)],
  parse: (reply) => {
    const flat = reply as readonly unknown[];
    return { moved: Number(flat[0]), skipped: Number(flat[1]) };
  },
});
