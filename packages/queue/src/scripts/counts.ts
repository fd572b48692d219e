import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/counts-n.lua?raw';

/** Input of {@link countsScript}. */
export interface CountsInput {
  readonly main: string;
  readonly delayed: string;
  readonly dead: string;
  /** In-flight hash and landing list of each registered reader. */
  readonly readers: readonly { readonly inflight: string; readonly landing: string }[];
}

/** A queue's tasks by state. */
export interface QueueCounts {
  /** Waiting to be taken. */
  readonly waiting: number;
  /** Waiting for their retry delay. */
  readonly delayed: number;
  /** Taken by at-least-once readers (running or buffered) and not yet acked. */
  readonly inFlight: number;
  /** In the dead-letter list. */
  readonly dead: number;
}

/** Counts a queue's tasks by state in one script. */
export const countsScript = defineScript<CountsInput, QueueCounts>({
  name: 'counts-n',
  source,
  keys: (input) => [
    input.main,
    input.delayed,
    input.dead,
    ...input.readers.flatMap((reader) => [reader.inflight, reader.landing]),
  ],
  args: () => [],
  parse: (reply) => {
    const flat = reply as readonly unknown[];
    return {
      waiting: Number(flat[0]),
      delayed: Number(flat[1]),
      inFlight: Number(flat[2]),
      dead: Number(flat[3]),
    };
  },
});
