import { compareIds } from '../stream-id.js';

interface Row<V> {
  readonly id: string;
  value: V;
}

/**
 * A map from stream id to `V` for entries that come and go at an event's pace, kept as an array in id
 * order and searched by bisection. A `Map` under such churn rehashes often, and V8 links each table it
 * leaves to the next: once the young-generation collector had promoted one, every later table (and
 * the events its values point to) lived on until a full collection, so the old generation grew by
 * hundreds of bytes per event. New entries have the highest ids, so adding one is a push, and the
 * oldest are settled first, so removing one is mostly at the front.
 */
export class HoldTable<V> {
  readonly #rows: Row<V>[] = [];

  /** Entries held. */
  get size(): number {
    return this.#rows.length;
  }

  /** The value for `id`, or undefined. */
  get(id: string): V | undefined {
    const at = this.#find(id);
    return at >= 0 ? this.#rows[at]!.value : undefined;
  }

  /** Whether `id` is held. */
  has(id: string): boolean {
    return this.#find(id) >= 0;
  }

  /** Sets the value for `id`, adding it if needed. */
  set(id: string, value: V): void {
    const rows = this.#rows;
    const last = rows[rows.length - 1];
    if (last === undefined || compareIds(last.id, id) < 0) {
      rows.push({ id, value });
      return;
    }
    const at = this.#lowerBound(id);
    const row = rows[at];
    if (row !== undefined && row.id === id) row.value = value;
    else rows.splice(at, 0, { id, value });
  }

  /** Removes `id`; false when it was not held. */
  delete(id: string): boolean {
    const at = this.#find(id);
    if (at < 0) return false;
    this.#rows.splice(at, 1);
    return true;
  }

  /** Calls `visit` with every entry in id order; `visit` may change the table. */
  forEach(visit: (value: V, id: string) => void): void {
    for (const row of this.#rows.slice()) visit(row.value, row.id);
  }

  // Index of `id`, or -1.
  #find(id: string): number {
    const at = this.#lowerBound(id);
    return this.#rows[at]?.id === id ? at : -1;
  }

  // Index of the first row whose id is not below `id`.
  #lowerBound(id: string): number {
    const rows = this.#rows;
    let low = 0;
    let high = rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareIds(rows[middle]!.id, id) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
