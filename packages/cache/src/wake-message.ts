/**
 * What a writer publishes on a cache's channel, so that waiters wake without polling:
 * `v<n>:<key><stored entry>` for a value (the waiter needs no GET), `k<n>:<key>` for a value the
 * waiter must read itself (binary codecs: pub/sub messages reach us as UTF-8 text), `r<n>:<key>`
 * when a `getOrSet` lock is given up without a value, and `x0:` when entries were deleted. `<n>` is the key's length in UTF-16 units, so
 * keys may contain any character, `:` and newlines included.
 */
export type WakeMessage =
  | { readonly kind: 'value'; readonly key: string; readonly raw: string }
  | { readonly kind: 'written'; readonly key: string }
  | { readonly kind: 'released'; readonly key: string }
  | { readonly kind: 'removed'; readonly key: string };

/** The start of a message about `key`; the stored entry follows it for a `v` message. */
export function messageHead(kind: 'v' | 'k' | 'r' | 'x', key: string): string {
  return `${kind}${key.length}:${key}`;
}

/** Parses a message; `undefined` when it is not one of ours. */
export function parseMessage(message: string): WakeMessage | undefined {
  const colon = message.indexOf(':');
  if (colon < 2) return undefined;
  const length = Number(message.slice(1, colon));
  const end = colon + 1 + length;
  if (!Number.isInteger(length) || end > message.length) return undefined;
  const key = message.slice(colon + 1, end);
  switch (message.charCodeAt(0)) {
    case 118: // v
      return { kind: 'value', key, raw: message.slice(end) };
    case 107: // k
      return { kind: 'written', key };
    case 114: // r
      return { kind: 'released', key };
    case 120: // x
      return { kind: 'removed', key };
    default:
      return undefined;
  }
}
