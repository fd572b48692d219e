import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/heartbeat-3.lua?raw';

/** Input of {@link heartbeatScript}. */
export interface HeartbeatInput {
  readonly consumers: string;
  readonly main: string;
  readonly delayed: string;
  readonly consumerId: string;
  readonly leaseMs: number;
  /** Name the readers whose lease has expired. */
  readonly findExpired: boolean;
}

/** The reply of {@link heartbeatScript}. */
export interface HeartbeatReply {
  /** The reader was missing from the consumers set: its lease had been reclaimed. */
  readonly newlyRegistered: boolean;
  /** ms until the earliest delayed retry is due; -1 when none. */
  readonly nextDueMs: number;
  /** Consumer ids of other readers whose lease has expired. */
  readonly expired: readonly string[];
}

/** Renews a reader's lease, promotes due retries and names expired readers. */
export const heartbeatScript = defineScript<HeartbeatInput, HeartbeatReply>({
  name: 'heartbeat-3',
  source,
  keys: (input) => [input.consumers, input.main, input.delayed],
  args: (input) => [input.consumerId, String(input.leaseMs), input.findExpired ? '1' : '0'],
  parse: (reply) => {
    const flat = reply as readonly unknown[];
    return {
      newlyRegistered: Number(flat[0]) === 1,
      nextDueMs: Number(flat[1]),
      expired: flat.slice(2).map(String),
    };
  },
});
