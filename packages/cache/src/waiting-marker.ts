import type { RawEntry } from './entry-store.js';

/**
 * What an awaited key holds while it has no value (prefixed mode). A writer's `SET ... GET` returns
 * the previous content, so seeing this tells it, in the same round trip, that someone waits and the
 * write must be announced. It can never be mistaken for an entry, which always starts with a digit
 * or is a foreign bare value.
 */
export const WAITING_MARKER = '\u0000wait';
const MARKER_BYTES = Buffer.from(WAITING_MARKER);

/** Whether a stored value is the waiting marker. */
export function isMarker(raw: RawEntry): boolean {
  return typeof raw === 'string'
    ? raw === WAITING_MARKER
    : raw.length === MARKER_BYTES.length && raw.equals(MARKER_BYTES);
}

/** A marker outlives the wait it serves by this much, so it is never gone while someone waits. */
export const MARKER_SLACK_MS = 1000;
