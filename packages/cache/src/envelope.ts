/**
 * What a stored entry holds besides its value. `setAt` and `expiresAt` are unix times in ms from the
 * writer's clock; both are `undefined` for a bare value a foreign process wrote without the header.
 */
export interface StoredEntry {
  /** The value as the codec encoded it. */
  readonly payload: string | Buffer;
  /** When it was written, or `undefined` when unknown. */
  readonly setAt: number | undefined;
  /** When it expires, or `undefined` when it does not (or is unknown). */
  readonly expiresAt: number | undefined;
}

// Prefixed mode stores `<setAt>:<expiresAt>:<payload>` in one string key: a header of a few ASCII
// digits, cheap to write with the value in one SET and cheap to skip when reading. `expiresAt` is
// empty when the entry does not expire.
const COLON = 58;
const ZERO = 48;
const NINE = 57;
const MAX_DIGITS = 16;

/** The header of an entry written at `setAt`, expiring at `expiresAt` (or never). */
export function entryHeader(setAt: number, expiresAt: number | undefined): string {
  return expiresAt === undefined ? `${setAt}::` : `${setAt}:${expiresAt}:`;
}

/** Builds the stored form of an entry from its header and payload. */
export function wrapEntry(header: string, payload: string | Buffer): string | Buffer {
  return typeof payload === 'string' ? header + payload : Buffer.concat([Buffer.from(header), payload]);
}

/**
 * Index where the payload starts, or 0 when `raw` has no header (a bare value). Reads at most a few
 * dozen characters.
 */
export function payloadStart(raw: string | Buffer): number {
  return typeof raw === 'string' ? textPayloadStart(raw) : bytesPayloadStart(raw);
}

// Two copies of one scan, so that each reads its input directly, with no per-character callback.
function textPayloadStart(raw: string): number {
  const length = raw.length;
  let i = 0;
  for (; i < length && i < MAX_DIGITS; i++) {
    const c = raw.charCodeAt(i);
    if (c === COLON) break;
    if (c < ZERO || c > NINE) return 0;
  }
  if (i === 0 || i >= length || raw.charCodeAt(i) !== COLON) return 0;
  for (let j = i + 1; j < length && j - i <= MAX_DIGITS; j++) {
    const c = raw.charCodeAt(j);
    if (c === COLON) return j + 1;
    if (c < ZERO || c > NINE) return 0;
  }
  return 0;
}

function bytesPayloadStart(raw: Buffer): number {
  const length = raw.length;
  let i = 0;
  for (; i < length && i < MAX_DIGITS; i++) {
    const c = raw[i]!;
    if (c === COLON) break;
    if (c < ZERO || c > NINE) return 0;
  }
  if (i === 0 || i >= length || raw[i] !== COLON) return 0;
  for (let j = i + 1; j < length && j - i <= MAX_DIGITS; j++) {
    const c = raw[j]!;
    if (c === COLON) return j + 1;
    if (c < ZERO || c > NINE) return 0;
  }
  return 0;
}

/** The payload of a stored entry (the whole of a bare value). */
export function payloadOf(raw: string | Buffer): string | Buffer {
  const start = payloadStart(raw);
  return start === 0 ? raw : sliceOf(raw, start);
}

function sliceOf(raw: string | Buffer, start: number): string | Buffer {
  return typeof raw === 'string' ? raw.slice(start) : raw.subarray(start);
}

/** Splits a stored entry into payload and timestamps. */
export function openEntry(raw: string | Buffer): StoredEntry {
  const start = payloadStart(raw);
  if (start === 0) return { payload: raw, setAt: undefined, expiresAt: undefined };
  const header = typeof raw === 'string' ? raw.slice(0, start - 1) : raw.toString('latin1', 0, start - 1);
  const split = header.indexOf(':');
  const expires = header.slice(split + 1);
  return {
    payload: sliceOf(raw, start),
    setAt: Number(header.slice(0, split)),
    expiresAt: expires === '' ? undefined : Number(expires),
  };
}
