import { DecodeError, safeJsonParse } from '@redis-ipc/core';
import type { StoredEntry } from './envelope.js';

// Raw mode keeps the Rust crate's format: one hash per cache, each field holding
// `{"timestamp":<unix ms>,"content":<value as JSON>}`. We add `"expiresAt":<unix ms>` between the two
// when the entry expires (serde ignores fields it does not know, so the crate still reads it).
const HEAD = '{"timestamp":';
const EXPIRES = ',"expiresAt":';
const CONTENT = ',"content":';

/** Builds the crate's envelope around a JSON payload. */
export function wrapCrateEntry(payload: string, setAt: number, expiresAt: number | undefined): string {
  return expiresAt === undefined
    ? `${HEAD}${setAt}${CONTENT}${payload}}`
    : `${HEAD}${setAt}${EXPIRES}${expiresAt}${CONTENT}${payload}}`;
}

function digitsEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from < 20) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

/**
 * Reads a crate envelope. The compact form serde writes is sliced without parsing the value; any
 * other spelling (whitespace, another field order) is parsed in full. Throws {@link DecodeError}.
 */
export function openCrateEntry(raw: string, key: string): StoredEntry {
  if (raw.startsWith(HEAD) && raw.endsWith('}')) {
    let i = digitsEnd(raw, HEAD.length);
    const setAt = Number(raw.slice(HEAD.length, i));
    let expiresAt: number | undefined;
    if (raw.startsWith(EXPIRES, i)) {
      const end = digitsEnd(raw, i + EXPIRES.length);
      expiresAt = Number(raw.slice(i + EXPIRES.length, end));
      i = end;
    }
    if (i > HEAD.length && raw.startsWith(CONTENT, i)) {
      return { payload: raw.slice(i + CONTENT.length, -1), setAt, expiresAt };
    }
  }
  let parsed: unknown;
  try {
    parsed = safeJsonParse(raw);
  } catch (error) {
    throw new DecodeError(
      'Cache entry is not the JSON envelope {"timestamp", "content"}',
      { raw, id: key },
      {
        cause: error,
      },
    );
  }
  const envelope = parsed as { timestamp?: unknown; content?: unknown; expiresAt?: unknown } | null;
  if (
    envelope === null ||
    typeof envelope !== 'object' ||
    typeof envelope.timestamp !== 'number' ||
    !('content' in envelope)
  ) {
    throw new DecodeError('Cache entry lacks "timestamp" or "content"', { raw, id: key });
  }
  return {
    payload: JSON.stringify(envelope.content),
    setAt: envelope.timestamp,
    expiresAt: typeof envelope.expiresAt === 'number' ? envelope.expiresAt : undefined,
  };
}
