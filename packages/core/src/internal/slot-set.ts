/** What a {@link SlotSet} member carries: its index in the set, -1 when it is in none. */
export interface SlotMember {
  /** Index in the one {@link SlotSet} holding it, -1 when none does. Written by the set only. */
  slot: number;
}

/**
 * A set for members added and removed at a task's pace, with no hash table: each member carries its
 * index, and removal moves the last member into its place. A `Set` or `Map` under such churn rehashes
 * often, and V8 links each table it leaves to the next one: once the young-generation collector has
 * promoted one of them, every later table (and every task in them) lives on until a full collection,
 * so the old generation, and the process's RSS, grew by hundreds of bytes per task. A member belongs
 * to one set at a time. Iteration order is not insertion order.
 */
export class SlotSet<T extends SlotMember> {
  #members: T[] = [];

  /** Members in the set. */
  get size(): number {
    return this.#members.length;
  }

  /** Adds `member` unless it is in the set already. */
  add(member: T): void {
    if (member.slot >= 0) return;
    member.slot = this.#members.push(member) - 1;
  }

  /** Whether `member` is in this set. */
  has(member: T): boolean {
    return member.slot >= 0 && this.#members[member.slot] === member;
  }

  /** Removes `member`; false when it was not in this set. */
  delete(member: T): boolean {
    if (!this.has(member)) return false;
    const last = this.#members.pop() as T;
    if (last !== member) {
      this.#members[member.slot] = last;
      last.slot = member.slot;
    }
    member.slot = -1;
    return true;
  }

  /** Removes every member. */
  clear(): void {
    for (const member of this.#members) member.slot = -1;
    this.#members = [];
  }

  /** A copy of the members, safe to keep while the set changes. */
  values(): T[] {
    return this.#members.slice();
  }

  /** Calls `visit` with every member. `visit` must not change the set. */
  forEach(visit: (member: T) => void): void {
    const members = this.#members;
    for (let i = 0; i < members.length; i++) visit(members[i] as T);
  }
}
