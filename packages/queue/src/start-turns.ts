/**
 * Turns for the moment between asking for a task's started mark and starting its handler: one lane
 * at a time, in the order they came. A mark written for two tasks at once would count the second as
 * started if the first's handler killed the process before the second's began; taking turns, the
 * second asks for its mark only once the first handler has started. Free turns cost no promise, so a
 * burst of quick handlers (whose marks are already written) goes through at full speed.
 */
export class StartTurns {
  #taken = false;
  readonly #queued: Array<() => void> = [];

  /** Takes the turn: `undefined` when it was free, else a promise that resolves once it is ours. */
  take(): Promise<void> | undefined {
    if (!this.#taken) {
      this.#taken = true;
      return undefined;
    }
    return new Promise<void>((resolve) => this.#queued.push(resolve));
  }

  /** Ends the turn: the next lane in line gets it. */
  pass(): void {
    const next = this.#queued.shift();
    if (next) next();
    else this.#taken = false;
  }
}
