import type { TestTarget } from '@redis-ipc/testing';
import { describe } from 'vitest';
import { cacheContext } from '../connect.js';
import { crateFormat } from './crate-format.js';
import { singleFlight } from './get-or-set.js';
import { storeMode } from './mode.js';
import { readsAndWrites } from './reads-writes.js';
import { waitingForKeys } from './wait-for.js';

/** Options of {@link testCache}. */
export interface CacheSuiteOptions {
  /** Run on raw-mode clients (the Rust crate's layout) rather than prefixed ones. */
  readonly raw: boolean;
}

/**
 * The cache's conformance suite: what every store (prefixed string keys, or raw mode's one hash per
 * cache) must do the same, on `target`. What one store cannot do is skipped with the reason.
 */
export function testCache(target: TestTarget, { raw }: CacheSuiteOptions): void {
  describe(`cache, ${raw ? 'raw' : 'prefixed'} mode, on ${target.name}`, () => {
    const t = cacheContext({ target, label: raw ? 'craw' : 'cache', options: { raw } });
    const mode = storeMode(t, raw);
    readsAndWrites(t, mode);
    waitingForKeys(t, mode);
    singleFlight(t, mode);
    crateFormat(t, mode);
  });
}
