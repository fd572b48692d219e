import { randomBytes } from 'node:crypto';

// A deleted slot: probing goes on past it.
const DELETED = null;
const MIN_CAPACITY = 8;
// Per process: where keys land cannot be worked out from outside.
const SEED = randomBytes(4).readUInt32LE(0);

/**
 * A map from string keys for entries added and removed at an operation's pace (a wait, a message),
 * as an open-addressing table over two plain arrays. A `Map` under such churn rehashes often, and V8
 * links each table it leaves to the next: once the young-generation collector has promoted one, every
 * later table, with every key and value in it, lives on until a full collection. Arrays that are
 * replaced keep no link to what replaces them. Iteration order is not insertion order.
 */
export class StringMap<V> {
  // undefined: never used; DELETED: used, then deleted.
  #keys: Array<string | undefined | null> = new Array(MIN_CAPACITY).fill(undefined);
  #values: Array<V | undefined> = new Array(MIN_CAPACITY).fill(undefined);
  #size = 0;
  // Slots not undefined (entries and deleted ones): probing stays short while this is under half.
  #used = 0;

  /** Entries in the map. */
  get size(): number {
    return this.#size;
  }

  /** The value for `key`, or undefined. */
  get(key: string): V | undefined {
    const at = this.#find(key);
    return at < 0 ? undefined : this.#values[at];
  }

  /** Whether `key` has an entry. */
  has(key: string): boolean {
    return this.#find(key) >= 0;
  }

  /** Sets the value for `key`, adding an entry if needed. */
  set(key: string, value: V): void {
    const keys = this.#keys;
    const mask = keys.length - 1;
    let free = -1;
    for (let at = hash(key) & mask; ; at = (at + 1) & mask) {
      const found = keys[at];
      if (found === key) {
        this.#values[at] = value;
        return;
      }
      if (found === DELETED) {
        if (free < 0) free = at;
      } else if (found === undefined) {
        if (free < 0) {
          free = at;
          this.#used++;
        }
        keys[free] = key;
        this.#values[free] = value;
        this.#size++;
        if (this.#used * 2 > keys.length) this.#resize();
        return;
      }
    }
  }

  /** Removes the entry for `key`; false when there was none. */
  delete(key: string): boolean {
    const at = this.#find(key);
    if (at < 0) return false;
    this.#keys[at] = DELETED;
    this.#values[at] = undefined;
    if (--this.#size === 0 && this.#keys.length === MIN_CAPACITY) {
      // Empty: every slot can be reused as never used.
      this.#keys.fill(undefined);
      this.#used = 0;
    } else if (this.#size === 0 || this.#size * 8 < this.#keys.length) {
      this.#resize();
    }
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.#keys = new Array(MIN_CAPACITY).fill(undefined);
    this.#values = new Array(MIN_CAPACITY).fill(undefined);
    this.#size = 0;
    this.#used = 0;
  }

  /** The keys, as a copy safe to keep while the map changes. */
  keys(): string[] {
    const keys: string[] = [];
    for (const key of this.#keys) if (typeof key === 'string') keys.push(key);
    return keys;
  }

  /** The values, as a copy safe to keep while the map changes. */
  values(): V[] {
    const values: V[] = [];
    const keys = this.#keys;
    for (let at = 0; at < keys.length; at++)
      if (typeof keys[at] === 'string') values.push(this.#values[at] as V);
    return values;
  }

  /** Calls `visit` with every entry present when it starts; `visit` may change the map. */
  forEach(visit: (value: V, key: string) => void): void {
    const keys = this.#keys;
    const values = this.#values;
    const entries: Array<[string, V]> = [];
    for (let at = 0; at < keys.length; at++) {
      const key = keys[at];
      if (typeof key === 'string') entries.push([key, values[at] as V]);
    }
    for (const [key, value] of entries) visit(value, key);
  }

  // Slot of `key`, or -1.
  #find(key: string): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    for (let at = hash(key) & mask; ; at = (at + 1) & mask) {
      const found = keys[at];
      if (found === key) return at;
      if (found === undefined) return -1;
    }
  }

  // New arrays sized for the entries (at most a quarter full), deleted slots dropped.
  #resize(): void {
    let capacity = MIN_CAPACITY;
    while (capacity < this.#size * 4) capacity *= 2;
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const keys: Array<string | undefined | null> = new Array(capacity).fill(undefined);
    const values: Array<V | undefined> = new Array(capacity).fill(undefined);
    const mask = capacity - 1;
    for (let from = 0; from < oldKeys.length; from++) {
      const key = oldKeys[from];
      if (typeof key !== 'string') continue;
      let at = hash(key) & mask;
      while (keys[at] !== undefined) at = (at + 1) & mask;
      keys[at] = key;
      values[at] = oldValues[from];
    }
    this.#keys = keys;
    this.#values = values;
    this.#used = this.#size;
  }
}

// FNV-1a over the UTF-16 code units, from a per-process seed.
function hash(key: string): number {
  let h = (0x811c9dc5 ^ SEED) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
