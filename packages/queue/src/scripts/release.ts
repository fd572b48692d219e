import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/release-6.lua?raw';

/** A delivery given back, and the delivery count to record for it. */
export interface ReleasedDelivery {
  readonly seq: number;
  /** 0 when it never reached a handler (not counted); else its deliveries, this one included. */
  readonly deliveries: number;
}

/** Input of {@link releaseScript}. */
export interface ReleaseInput {
  readonly main: string;
  readonly consumers: string;
  readonly inflight: string;
  readonly landing: string;
  readonly deliveries: string;
  readonly dead: string;
  readonly consumerId: string;
  /** The reader is closing: give back everything and unregister. */
  readonly final: boolean;
  readonly maxDeliveries: number;
  readonly released: readonly ReleasedDelivery[];
}

/** Gives deliveries back to the head of the queue; resolves with how many. */
export const releaseScript = defineScript<ReleaseInput, number>({
  name: 'release-6',
  source,
  keys: (input) => [input.main, input.consumers, input.inflight, input.landing, input.deliveries, input.dead],
  args: (input) => {
    const args = [input.consumerId, input.final ? '1' : '0', String(input.maxDeliveries)];
    for (const released of input.released) args.push(String(released.seq), String(released.deliveries));
    return args;
  },
  parse: (reply) => Number(reply),
});
