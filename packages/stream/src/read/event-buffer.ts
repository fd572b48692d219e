/**
 * Items fetched and not yet handed out, oldest first: an array with a moving head, refilled only
 * once it is empty (fetches land whole batches), so no per-item shifting.
 */
export class EventBuffer<I> {
  #items: I[] = [];
  #position = 0;

  /** Items not handed out yet. */
  get size(): number {
    return this.#items.length - this.#position;
  }

  /** The next item, left in place. */
  peek(): I | undefined {
    return this.#position < this.#items.length ? this.#items[this.#position] : undefined;
  }

  /** Takes the next item. */
  shift(): I | undefined {
    return this.#position < this.#items.length ? this.#items[this.#position++] : undefined;
  }

  /** Appends items behind those still waiting. */
  push(items: Iterable<I>): void {
    if (this.#position >= this.#items.length) this.clear();
    for (const item of items) this.#items.push(item);
  }

  /** Replaces the (empty) buffer with `items`, taking ownership of the array. */
  refill(items: I[]): void {
    this.#items = items;
    this.#position = 0;
  }

  /** Empties the buffer and returns what was still waiting. */
  clear(): I[] {
    const left = this.#position === 0 ? this.#items : this.#items.slice(this.#position);
    this.#items = [];
    this.#position = 0;
    return left;
  }

  /** Calls `visit` with every item still waiting. */
  forEach(visit: (item: I) => void): void {
    for (let i = this.#position; i < this.#items.length; i++) visit(this.#items[i] as I);
  }
}
