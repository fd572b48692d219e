import { defineScript } from '@redis-ipc/core/internal';
import type { RawEntry } from '../entry-store.js';
import source from '../lua/arm-n.lua?raw';
import { WAITING_MARKER } from '../waiting-marker.js';

/** Input of {@link armScript}. */
export interface ArmInput {
  /** The value keys to arm (all of one cache). */
  readonly keys: readonly string[];
  /** How long the marker on `keys[i]` must live, in ms. */
  readonly ttlsMs: readonly number[];
}

/** What each armed key holds: its entry, or `null` when it is now awaited. */
export type ArmReply = Array<RawEntry | null>;

/** Puts (or keeps alive) a waiting marker on each empty key; returns the entries of the others. */
export const armScript = defineScript<ArmInput, ArmReply>({
  name: 'arm-n',
  source,
  keys: (input) => input.keys,
  args: (input) => [WAITING_MARKER, ...input.ttlsMs.map((ms) => String(Math.ceil(ms)))],
  parse: (reply) => (reply as Array<RawEntry | null | undefined>).map((raw) => raw ?? null),
});
