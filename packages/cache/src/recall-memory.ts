import { Fifo, StringMap } from '@redis-ipc/core/internal';
import type { RawEntry } from './entry-store.js';
import type { WakeMessage } from './wake-message.js';

// Values announced on the channel are remembered this long (and at most this many), so that a wait
// starting just after a write it was told about (a reader a little behind its writer) needs no
// round trip.
const RECALL_MS = 50;
const RECALL_MAX = 1024;

/**
 * The values one cache's channel announced in the last {@link RECALL_MS} ms. Only kept for a store
 * that announces every removal through this library (which then forgets them all): a value
 * recalled was never removed by this library since.
 */
export class RecallMemory {
  readonly #enabled: boolean;
  // Announced at every write heard: a StringMap, not a Map (see StringMap).
  readonly #recent = new StringMap<Recalled>();
  // The same, in arrival order, so that the oldest goes first; an entry replaced or forgotten in
  // #recent is skipped when its turn comes.
  #order = new Fifo<Recalled>();
  // Counts forget and forgetAll calls: a value heard before one of them is not remembered after it.
  #forgets = 0;

  /** `enabled`: whether the store announces removals (otherwise nothing is remembered). */
  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /** A value announced for `key` lately, with no removal announced since; else `undefined`. */
  recall(key: string): RawEntry | undefined {
    if (this.#recent.size === 0) return undefined;
    const recent = this.#recent.get(key);
    if (recent === undefined) return undefined;
    if (performance.now() - recent.at <= RECALL_MS) return recent.raw;
    this.#recent.delete(key);
    return undefined;
  }

  /** Takes note of an announcement heard on the channel, at once. */
  hear(message: WakeMessage): void {
    switch (message.kind) {
      case 'value':
        this.#remember(message.key, message.raw);
        break;
      case 'written':
        this.forget(message.key);
        break;
      case 'removed':
        this.forgetAll();
        break;
      default:
        break;
    }
  }

  /**
   * Remembers an announced value in a microtask rather than now, unless anything was forgotten
   * meanwhile: called after the message's waiters were woken, so that they resume first. A wait
   * that starts in between goes to Redis, which has the value too.
   */
  hearSoon(message: WakeMessage & { readonly kind: 'value' }): void {
    if (!this.#enabled) return;
    const forgets = this.#forgets;
    queueMicrotask(() => {
      if (this.#forgets === forgets) this.#remember(message.key, message.raw);
    });
  }

  /** Forgets what was announced for `key` (this process is about to change it). */
  forget(key: string): void {
    this.#forgets++;
    if (this.#recent.size !== 0) this.#recent.delete(key);
  }

  /** Forgets every announced value (announcements may have been missed, or entries removed). */
  forgetAll(): void {
    this.#forgets++;
    this.#recent.clear();
    this.#order = new Fifo();
  }

  #remember(key: string, raw: RawEntry): void {
    if (!this.#enabled) return;
    const now = performance.now();
    const recalled: Recalled = { key, raw, at: now };
    this.#recent.set(key, recalled);
    this.#order.push(recalled);
    // Drops what is too old to be recalled, and the oldest beyond RECALL_MAX.
    for (let oldest = this.#order.peek(); oldest !== undefined; oldest = this.#order.peek()) {
      const current = this.#recent.get(oldest.key) === oldest;
      if (current && now - oldest.at <= RECALL_MS && this.#recent.size <= RECALL_MAX) break;
      this.#order.shift();
      if (current) this.#recent.delete(oldest.key);
    }
  }
}

interface Recalled {
  readonly key: string;
  readonly raw: RawEntry;
  readonly at: number;
}
