/**
 * Turns values into what is stored in Redis and back. `encode` may return a string or a Buffer.
 * `decode` receives a string, or a Buffer when `binary` is true.
 */
export interface Codec<T> {
  /** Name used in error messages. */
  readonly name: string;
  /**
   * Whether stored payloads should be read back as Buffers rather than UTF-8 strings.
   * @default false
   */
  readonly binary?: boolean;
  /** Encodes a value. May throw; the write then fails and nothing is sent. */
  encode(value: T): string | Buffer;
  /** Decodes a stored payload. May throw; the item is then reported as undecodable and kept. */
  decode(raw: string | Buffer): T;
}

// Keys that, once copied onto a plain object by a careless merge, would change its prototype.
function dropPrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') return undefined;
  if (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value) {
    return undefined;
  }
  return value;
}

/**
 * Whether the text from `from` on could hold a `__proto__` or `constructor` key: spelled out, or
 * written with escapes (`"\u005f_proto__"`). Three native substring searches cost less than one
 * regular expression with alternatives; searching from an offset spares a copy of the text.
 */
export function mayHoldPrototypeKey(text: string, from = 0): boolean {
  return text.includes('__proto__', from) || text.includes('constructor', from) || text.includes('\\u', from);
}

/**
 * `JSON.parse` that drops `__proto__` keys (and `constructor.prototype`), so decoded data can never be
 * used to pollute prototypes later. Text that cannot hold such a key takes the plain, fast path.
 */
export function safeJsonParse(text: string): unknown {
  return mayHoldPrototypeKey(text) ? JSON.parse(text, dropPrototypeKeys) : JSON.parse(text);
}

/** The default codec: JSON text, parsed without prototype pollution. */
export function jsonCodec<T>(): Codec<T> {
  return JSON_CODEC as Codec<T>;
}

const JSON_CODEC: Codec<unknown> = {
  name: 'json',
  encode(value) {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} cannot be encoded as JSON`);
    return text;
  },
  decode(raw) {
    return safeJsonParse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  },
};

/** Stores strings as they are. */
export const stringCodec: Codec<string> = {
  name: 'string',
  encode(value) {
    if (typeof value !== 'string') throw new TypeError('stringCodec encodes strings only');
    return value;
  },
  decode(raw) {
    return typeof raw === 'string' ? raw : raw.toString('utf8');
  },
};

/** Stores Buffers as they are and reads them back as Buffers. */
export const bufferCodec: Codec<Buffer> = {
  name: 'buffer',
  binary: true,
  encode(value) {
    if (!Buffer.isBuffer(value)) throw new TypeError('bufferCodec encodes Buffers only');
    return value;
  },
  decode(raw) {
    return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  },
};
