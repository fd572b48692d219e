import {
  DecodeError,
  InvalidArgumentError,
  jsonCodec,
  type PayloadCodec,
  safeJsonParse,
} from '@redis-ipc/core';

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

  constructor(payload: PayloadCodec<T>, producer: string | undefined) {
    this.#payload = payload;
    this.#embedsJson = payload.codec === jsonCodec<T>();
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
