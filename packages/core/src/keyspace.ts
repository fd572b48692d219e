import { InvalidNameError } from './errors.js';

/** Options of a {@link Keyspace}. */
export interface KeyspaceOptions {
  /**
   * Prefix of every key, so that several applications can share one Redis.
   * @default 'ipc'
   */
  prefix?: string;
  /**
   * Use each structure's name as its main key exactly, with no prefix: the layout of the Rust crate
   * `redis_ipc`, for talking to it. Auxiliary keys (in-flight lists, dead letters, …) still get a
   * hash tag of the name, so they share the main key's cluster slot.
   * @default false
   */
  raw?: boolean;
}

/** Longest structure name, in characters. */
export const MAX_NAME_LENGTH = 200;
/** Longest prefix, in characters. */
export const MAX_PREFIX_LENGTH = 64;

// Braces would change the cluster hash tag; whitespace, glob characters and control characters
// would break the scheme or let a name match another structure's keys in a SCAN pattern.
const NAME_PATTERN = /^[A-Za-z0-9_.:@/+=-]+$/;
// Raw names come from other programs, so only the characters that truly break the scheme are refused.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const RAW_FORBIDDEN = /[{}\u0000-\u001f\u007f*?[\]\\]/;

// `isWellFormed` is in Node 20 but not yet in the ES2023 library types.
interface WellFormedCheck {
  isWellFormed(): boolean;
}

/**
 * Whether `text` has a UTF-8 form: no lone surrogates. Two strings that differ only in lone
 * surrogates would be sent to Redis as the same bytes, so keys built from them would collide.
 */
export function isWellFormedText(text: string): boolean {
  return (text as unknown as WellFormedCheck).isWellFormed();
}

/** Checks a structure name; throws {@link InvalidNameError} when it cannot be used. */
export function validateName(name: unknown, raw = false): string {
  if (typeof name !== 'string') throw new InvalidNameError(String(name), 'a name must be a string');
  if (name.length === 0) throw new InvalidNameError(name, 'a name must not be empty');
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidNameError(name, `a name must be at most ${MAX_NAME_LENGTH} characters`);
  }
  if (raw ? RAW_FORBIDDEN.test(name) : !NAME_PATTERN.test(name)) {
    throw new InvalidNameError(
      name,
      raw
        ? 'a raw name must not contain braces, glob characters or control characters'
        : 'a name may contain only letters, digits and _ . : @ / + = -',
    );
  }
  if (raw && !isWellFormedText(name)) {
    throw new InvalidNameError(name, 'a raw name must not contain lone surrogates (it has no UTF-8 form)');
  }
  return name;
}

/** Checks a key prefix; throws {@link InvalidNameError} when it cannot be used. */
export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > MAX_PREFIX_LENGTH) {
    throw new InvalidNameError(String(prefix), `a prefix must have 1 to ${MAX_PREFIX_LENGTH} characters`);
  }
  if (!NAME_PATTERN.test(prefix)) {
    throw new InvalidNameError(prefix, 'a prefix may contain only letters, digits and _ . : @ / + = -');
  }
  return prefix;
}

/**
 * The keys of one structure. All of them share a hash tag, so in a Redis Cluster they live in one
 * slot and a Lua script may touch them together.
 */
export class StructureKeys {
  /** The structure's name, as given. */
  readonly name: string;
  /** The structure's main key (the list, the stream, …). */
  readonly main: string;
  /** Everything before the part name in {@link StructureKeys.sub}. */
  readonly #subPrefix: string;

  /** @internal Built by {@link Keyspace.structure}. */
  constructor(name: string, main: string, subPrefix: string) {
    this.name = name;
    this.main = main;
    this.#subPrefix = subPrefix;
  }

  /**
   * An auxiliary key of the structure, such as `inflight` or `dead`. `part` may be any string
   * (a cache key, say): it comes after the hash tag, so it can never move the key to another
   * structure's key space or slot.
   */
  sub(part: string): string {
    return this.#subPrefix + part;
  }

  /** The SCAN pattern matching every auxiliary key whose part starts with `partPrefix`. */
  subPattern(partPrefix = ''): string {
    return `${escapeGlob(this.#subPrefix + partPrefix)}*`;
  }
}

/**
 * Builds every key redis-ipc uses, in one place. Prefixed mode (the default) gives
 * `ipc:{orders}:q` for the queue named `orders`, and `ipc:{orders}:q:inflight` for one of its
 * auxiliary keys; raw mode gives `orders` and `{orders}:q:inflight`.
 */
export class Keyspace {
  /** The prefix in use (ignored for main keys in raw mode). */
  readonly prefix: string;
  /** Whether main keys are the bare structure names. */
  readonly raw: boolean;

  constructor(options: KeyspaceOptions = {}) {
    this.prefix = validatePrefix(options.prefix ?? 'ipc');
    this.raw = options.raw ?? false;
  }

  /**
   * The keys of the structure of the given kind (a short tag such as `q`, `c` or `s`, so a queue and
   * a cache of the same name never collide) and name. Throws {@link InvalidNameError}.
   */
  structure(kind: string, name: string): StructureKeys {
    validateName(name, this.raw);
    if (this.raw) return new StructureKeys(name, name, `{${name}}:${kind}:`);
    const main = `${this.prefix}:{${name}}:${kind}`;
    return new StructureKeys(name, main, `${main}:`);
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
