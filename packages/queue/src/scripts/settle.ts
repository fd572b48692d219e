import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/settle-2.lua?raw';

/** An ack of a repeated delivery (or a suspect): its count and flag are forgotten while the reader still holds it. */
export interface RepeatedAck {
  readonly seq: number;
  readonly id: string;
}

/** Input of {@link settleScript}. */
export interface SettleInput {
  readonly inflight: string;
  readonly deliveries: string;
  /** New exact started mark, or `undefined` to leave it. */
  readonly startedMark: number | undefined;
  /** New tentative mark (a burst of quick handlers), or `undefined` to leave it. */
  readonly tentativeMark: number | undefined;
  /** Tokens of first deliveries acked. */
  readonly firstAcks: readonly number[];
  readonly repeatedAcks: readonly RepeatedAck[];
  /** Tokens whose nack outcome the reader has read. */
  readonly readOutcomes: readonly number[];
}

/** The reply of {@link settleScript}. */
export interface SettleReply {
  /** How many of `firstAcks` were still held. */
  readonly firstAcksHeld: number;
  /** For each of `repeatedAcks`, whether it was still held. */
  readonly repeatedAcksHeld: readonly boolean[];
}

/** Stores acks, the started marks and read nack outcomes in one call. */
export const settleScript = defineScript<SettleInput, SettleReply>({
  name: 'settle-2',
  source,
  keys: (input) => [input.inflight, input.deliveries],
  args: (input) => {
    const args = [
      input.startedMark === undefined ? '' : String(input.startedMark),
      input.tentativeMark === undefined ? '' : String(input.tentativeMark),
    ];
    args.push(String(input.firstAcks.length));
    for (const seq of input.firstAcks) args.push(String(seq));
    args.push(String(input.repeatedAcks.length));
    for (const ack of input.repeatedAcks) args.push(String(ack.seq), ack.id);
    for (const seq of input.readOutcomes) args.push(String(seq));
    return args;
  },
  parse: (reply) => {
    const flat = reply as readonly unknown[];
    return {
      firstAcksHeld: Number(flat[0]),
      repeatedAcksHeld: flat.slice(1).map((held) => Number(held) === 1),
    };
  },
});
