import {
  DecodeError,
  InvalidArgumentError,
  jsonCodec,
  type PayloadCodec,
  safeJsonParse,
} from '@redis-ipc/core';
import { mayHoldPrototypeKey } from '@redis-ipc/core/internal';

/** Longest task id a caller may give, in characters. */
export const MAX_TASK_ID_LENGTH = 200;

// Ids go into the item verbatim and are matched by Lua patterns, so quotes, backslashes and
// control characters are refused rather than escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const FORBIDDEN_ID = /["\\\u0000-\u001f\u007f]/;

/** Checks a caller-given task id; throws {@link InvalidArgumentError}. */
export function validateTaskId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_TASK_ID_LENGTH) {
    throw new InvalidArgumentError(`A task id must be a string of 1 to ${MAX_TASK_ID_LENGTH} characters`);
  }
  if (FORBIDDEN_ID.test(id)) {
    throw new InvalidArgumentError('A task id must not contain quotes, backslashes or control characters');
  }
  return id;
}

/** Can `id` be written into an item and matched by the scripts as it is? */
export function isPlainId(id: string): boolean {
  return id.length > 0 && !FORBIDDEN_ID.test(id);
}

/** A decoded item. */
export interface Decoded<T> {
  readonly parsed: ParsedItem;
  readonly value: T;
}

/** A stored item taken apart. */
export interface ParsedItem {
  /** The `uuid` field. */
  readonly id: string;
  /** The `producer` field (client id of the writer), absent in raw mode and in Rust-written items. */
  readonly producer: string | undefined;
  /** The `content` field as JSON text. */
  readonly content: string;
}

/**
 * The id and producer of the item decoded last by {@link Envelope.decodeFast}: one object reused from
 * item to item, so that a decode allocates nothing but the value and the two strings. Read it at once;
 * the next decode overwrites it.
 */
export class ItemHead {
  /** The `uuid` field. */
  id = '';
  /** The `producer` field, `undefined` when absent. */
  producer: string | undefined = undefined;
}

/** What {@link Envelope.decodeFast} returns when the item needs the full {@link Envelope.decode}. */
export const NEEDS_FULL_DECODE: unique symbol = Symbol('needs full decode');

/**
 * The stored form of a task: the Rust crate's `{"uuid":"…","content":…}`, compact, `uuid` first. In
 * prefixed mode a `producer` field sits between them (it lets `skipOwn` readers recognise their own
 * client's tasks); readers that do not know it, the Rust crate's included, ignore it.
 *
 * `content` is the value's JSON when the default JSON codec is in use, so the bytes are those serde_json
 * writes. Any other codec's output is stored as a JSON string (Buffers as base64), so an item is always
 * readable JSON.
 */
export class Envelope<T> {
  readonly #payload: PayloadCodec<T>;
  readonly #head: string;
  readonly #embedsJson: boolean;
  // The default JSON codec and no schema: an item in the head we write decodes with one JSON.parse.
  readonly #plainJson: boolean;

  constructor(payload: PayloadCodec<T>, producer: string | undefined) {
    this.#payload = payload;
    this.#embedsJson = payload.codec === jsonCodec<T>();
    this.#plainJson = this.#embedsJson && payload.schema === undefined;
    this.#head =
      producer === undefined ? '","content":' : `","producer":${JSON.stringify(producer)},"content":`;
  }

  /** The item for `value` with task id `id` (already validated). Throws what the codec throws. */
  encode(id: string, value: T): string {
    const encoded = this.#payload.encode(value);
    let content: string;
    if (this.#embedsJson) content = encoded as string;
    else if (typeof encoded === 'string') content = JSON.stringify(encoded);
    else content = `"${encoded.toString('base64')}"`;
    return `{"uuid":"${id}${this.#head}${content}}`;
  }

  /**
   * Decodes an item read from Redis: its parts and its value, checked against the schema. Throws (or,
   * with an asynchronous schema, rejects with) {@link DecodeError} carrying the whole item as `raw`
   * when the item is not a task envelope, the content cannot be decoded, or the schema rejects it.
   * Synchronous when there is no schema, so the hot path costs no extra promise.
   */
  decode(raw: string, fallbackId: string | undefined): Decoded<T> | Promise<Decoded<T>> {
    const parsed = parseItem(raw);
    if (!parsed) {
      throw new DecodeError('The item is not a task envelope {"uuid":…,"content":…}', {
        raw,
        id: fallbackId,
      });
    }
    try {
      const payload = this.#contentPayload(parsed.content);
      if (this.#payload.schema === undefined) {
        return { parsed, value: this.#payload.decodeUnchecked(payload, parsed.id) };
      }
      return this.#payload.decode(payload, parsed.id).then(
        (value) => ({ parsed, value }),
        (error: unknown) => {
          throw rewrap(error, raw, parsed.id);
        },
      );
    } catch (error) {
      throw rewrap(error, raw, parsed.id);
    }
  }

  /**
   * The hot path of {@link Envelope.decode}: the value of an item in the exact head we (and serde_json)
   * write, with the default JSON codec and no schema, its id and producer written into `head`. Returns
   * {@link NEEDS_FULL_DECODE} for anything else (another codec, a schema, another layout, escapes in
   * the head, content that does not parse): {@link Envelope.decode} then gives the same value, or the
   * {@link DecodeError}. Never throws; no object is made but the value.
   */
  decodeFast(raw: string, head: ItemHead): T | typeof NEEDS_FULL_DECODE {
    if (!this.#plainJson) return NEEDS_FULL_DECODE;
    const start = readHead(raw, head);
    // Content that could hold a prototype key goes to the full decode, which drops such keys.
    if (start < 0 || mayHoldPrototypeKey(raw, start)) return NEEDS_FULL_DECODE;
    try {
      return JSON.parse(raw.slice(start, -1)) as T;
    } catch {
      return NEEDS_FULL_DECODE;
    }
  }

  #contentPayload(content: string): string | Buffer {
    if (this.#embedsJson) return content;
    const text = JSON.parse(content) as unknown;
    if (typeof text !== 'string') throw new TypeError('content must be a JSON string for this codec');
    return this.#payload.binary ? Buffer.from(text, 'base64') : text;
  }
}

// The DecodeError of a failed decode, carrying the whole stored item rather than the content only.
function rewrap(error: unknown, raw: string, id: string): DecodeError {
  const issues = error instanceof DecodeError ? error.issues : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new DecodeError(message, { raw, id, issues }, { cause: error });
}

const UUID_HEAD = '{"uuid":';
const PRODUCER_HEAD = ',"producer":';
const CONTENT_HEAD = ',"content":';

/**
 * Takes an item apart without parsing its content: the fast path reads the fixed head that both we and
 * serde_json write; anything else (other field order, whitespace) is parsed in full. Returns undefined
 * when the item is not an envelope.
 */
export function parseItem(raw: string): ParsedItem | undefined {
  if (raw.startsWith(UUID_HEAD)) {
    const idEnd = endOfString(raw, UUID_HEAD.length);
    if (idEnd > 0) {
      const id = readString(raw, UUID_HEAD.length, idEnd);
      let at = idEnd;
      let producer: string | undefined;
      if (raw.startsWith(PRODUCER_HEAD, at)) {
        const end = endOfString(raw, at + PRODUCER_HEAD.length);
        if (end > 0) {
          producer = readString(raw, at + PRODUCER_HEAD.length, end);
          at = end;
        } else at = -1;
      }
      if (at > 0 && raw.startsWith(CONTENT_HEAD, at) && raw.endsWith('}') && id !== undefined) {
        const content = raw.slice(at + CONTENT_HEAD.length, -1);
        if (content.length > 0) return { id, producer, content };
      }
    }
  }
  return parseSlowly(raw);
}

// The exact head we (and serde_json) write, for the fast path.
const ID_HEAD = `${UUID_HEAD}"`;
const PRODUCER_ID_HEAD = `${PRODUCER_HEAD}"`;

/**
 * Where the content of an item in the exact head `{"uuid":"…"[,"producer":"…"],"content":…}` starts,
 * with its id and producer written into `head`; -1 for any other item, and for a head holding a
 * backslash (an escape: {@link parseItem} reads those). Makes no object but the two strings. Compares
 * short slices rather than calling `startsWith`, which costs more per call in V8.
 */
function readHead(raw: string, head: ItemHead): number {
  // The last character must close the envelope.
  if (raw.charCodeAt(raw.length - 1) !== 125 || raw.slice(0, ID_HEAD.length) !== ID_HEAD) return -1;
  const idEnd = raw.indexOf('"', ID_HEAD.length);
  if (idEnd < 0) return -1;
  let at = idEnd + 1;
  let producer: string | undefined;
  if (raw.slice(at, at + PRODUCER_ID_HEAD.length) === PRODUCER_ID_HEAD) {
    const end = raw.indexOf('"', at + PRODUCER_ID_HEAD.length);
    if (end < 0) return -1;
    producer = raw.slice(at + PRODUCER_ID_HEAD.length, end);
    at = end + 1;
  }
  if (raw.slice(at, at + CONTENT_HEAD.length) !== CONTENT_HEAD) return -1;
  // No backslash in the head: no quote above was escaped.
  const backslash = raw.indexOf('\\', ID_HEAD.length);
  if (backslash !== -1 && backslash < at) return -1;
  const start = at + CONTENT_HEAD.length;
  // The content must not be empty.
  if (start >= raw.length - 1) return -1;
  head.id = raw.slice(ID_HEAD.length, idEnd);
  head.producer = producer;
  return start;
}

function parseSlowly(raw: string): ParsedItem | undefined {
  let item: unknown;
  try {
    item = safeJsonParse(raw);
  } catch {
    return undefined;
  }
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const { uuid, producer, content } = item as Record<string, unknown>;
  if (typeof uuid !== 'string' || !('content' in item) || content === undefined) return undefined;
  return {
    id: uuid,
    producer: typeof producer === 'string' ? producer : undefined,
    content: JSON.stringify(content),
  };
}

// Index just past the closing quote of the JSON string starting at `start` (at its opening quote), or
// -1. Native indexOf does the scanning; a quote preceded by an odd number of backslashes is escaped.
function endOfString(text: string, start: number): number {
  if (text.charCodeAt(start) !== 34) return -1;
  for (let quote = text.indexOf('"', start + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
  }
  return -1;
}

function readString(text: string, start: number, end: number): string | undefined {
  const literal = text.slice(start, end);
  if (!literal.includes('\\')) return literal.slice(1, -1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}
