/**
 * Whether a consumer wants more work, for the reclaimer: it does while a loop waits for events with
 * room to spare, or a `read()` caller is (or was lately) reading.
 */
export class WorkDemand {
  readonly #graceMs: number;
  #loops = 0;
  #hungry = 0;
  #reads = 0;
  // A `read()` caller counts as wanting work until this time (it reads again after handling).
  #activeUntil = 0;

  /** `graceMs`: how long a `read()` caller counts as wanting work after its call. */
  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /** Whether a loop (`process`, `events`) runs. */
  get looping(): boolean {
    return this.#loops > 0;
  }

  /** A loop started (`true`) or ended (`false`). */
  loop(started: boolean): void {
    this.#loops += started ? 1 : -1;
  }

  /** A loop waits for events (it has room): `true` when it starts waiting, `false` when done. */
  hungry(waiting: boolean): void {
    this.#hungry += waiting ? 1 : -1;
  }

  /** A `read()` call started. */
  readStarted(): void {
    this.#reads++;
  }

  /** A `read()` call ended. */
  readEnded(): void {
    this.#reads--;
    this.#activeUntil = performance.now() + this.#graceMs;
  }

  /** Whether someone waits for events. A loop whose slots are all busy is not waiting for any. */
  get wanted(): boolean {
    return this.#hungry > 0 || this.#reads > 0 || performance.now() < this.#activeUntil;
  }
}
