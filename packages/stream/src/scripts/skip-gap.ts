import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/skip-gap-1.lua?raw';

/** The group and its position as this consumer saw it. */
export interface SkipGapInput {
  readonly key: string;
  readonly group: string;
  readonly position: string;
}

/** Where the group was moved to. */
export interface SkipGapReply {
  /** The group's new last-delivered-id. */
  readonly position: string;
  /** `entries-added` at that point. */
  readonly added: number;
}

/**
 * `skip-gap-1.lua`: moves the group past deleted entries when nothing after its position is left;
 * `undefined` when another consumer moved it first (or there was nothing to skip).
 */
export const SKIP_GAP = defineScript<SkipGapInput, SkipGapReply | undefined>({
  name: 'skip-gap-1',
  source,
  keys: (input) => [input.key],
  args: (input) => [input.group, input.position],
  parse(reply) {
    if (!Array.isArray(reply)) return undefined;
    return { position: String(reply[0]), added: Number(reply[1]) };
  },
});
