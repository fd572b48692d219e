import type { RawEntry } from '../entry-store.js';

/** One step of getOrSet's single flight, as the get-or-lock scripts report it. */
export type LockStep =
  | { readonly kind: 'value'; readonly raw: RawEntry }
  | { readonly kind: 'locked' }
  | { readonly kind: 'busy'; readonly lockMsLeft: number };

// The scripts' reply: {1, entry} | {2} | {3, ms left on the lock}.
const VALUE = 1;
const LOCKED = 2;

/** Parses the reply of a get-or-lock script. */
export function parseLockStep(reply: unknown): LockStep {
  const [status, detail] = reply as [number, (RawEntry | number)?];
  if (Number(status) === VALUE) return { kind: 'value', raw: detail as RawEntry };
  if (Number(status) === LOCKED) return { kind: 'locked' };
  return { kind: 'busy', lockMsLeft: Number(detail) };
}
