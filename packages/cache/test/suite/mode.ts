import type { CacheTestContext } from '../connect.js';

/** How a conformance test sees the store it runs on: prefixed (string keys) or raw (the crate's hash). */
export interface StoreMode {
  /** Whether the clients run in raw mode (the Rust crate's layout). */
  readonly raw: boolean;
  /**
   * A cache name for this test. In raw mode the name is the hash's key itself, so it carries the
   * test's prefix and is deleted after the test.
   */
  name(base: string): string;
  /** getOrSet's lock key for `key` of the cache `name` (deleted after the test in raw mode). */
  lockKey(name: string, key: string): string;
}

/** The {@link StoreMode} of a suite run with `raw`. */
export function storeMode(t: CacheTestContext, raw: boolean): StoreMode {
  return {
    raw,
    name(base) {
      if (!raw) return base;
      const name = `${t.prefix}-${base}`;
      t.deleteAfter(name);
      return name;
    },
    lockKey(name, key) {
      if (!raw) return `${t.prefix}:{${name}}:c:l:${key}`;
      const lock = `{${name}}:c:l:${key}`;
      t.deleteAfter(lock);
      return lock;
    },
  };
}
