import { entryHeader, wrapEntry } from './envelope.js';

/**
 * Builds entry headers for one writer. Turning two 13-digit numbers into text costs more than the
 * rest of a write's bookkeeping, and a busy writer writes many entries per millisecond, so the last
 * header and TTL text are reused while the clock and the TTL stay the same.
 */
export class HeaderCache {
  /** The clock (unix ms) of the last {@link HeaderCache.wrap}. */
  now = -1;
  #ttl: number | undefined = -1;
  #header = '';
  /** The TTL of the last {@link HeaderCache.wrap}, as text for `PX`. */
  ttlText = '';

  /** Wraps `payload` in an entry written now, expiring after `ttlMs` (or never). */
  wrap(payload: string | Buffer, ttlMs: number | undefined): string | Buffer {
    const now = Date.now();
    if (now !== this.now || ttlMs !== this.#ttl) {
      if (ttlMs !== this.#ttl) this.ttlText = ttlMs === undefined ? '' : String(ttlMs);
      this.now = now;
      this.#ttl = ttlMs;
      this.#header = entryHeader(now, ttlMs === undefined ? undefined : now + ttlMs);
    }
    return wrapEntry(this.#header, payload);
  }
}
