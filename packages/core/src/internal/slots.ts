/** Counts running handlers and wakes whoever waits for a free slot or for all to finish. */
export class Slots {
  busy = 0;
  #waiters: Array<() => void> = [];

  take(): void {
    this.busy++;
  }

  release(): void {
    this.busy--;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next release. */
  freed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves once nothing runs. */
  async idle(): Promise<void> {
    while (this.busy > 0) await this.freed();
  }
}
