/**
 * A process warning for something a listener was meant to hear but nobody listens for: at most one
 * every `periodMs`, the next one saying how many were held back meanwhile, so a worker that keeps
 * meeting the same trouble does not flood stderr.
 */
export class ThrottledWarning {
  readonly #periodMs: number;
  // Quiet until this time; the warnings held back meanwhile.
  #quietUntil = 0;
  #heldBack = 0;

  constructor(periodMs: number) {
    this.#periodMs = periodMs;
  }

  /** Emits `warning` unless one went out less than a period ago; `what` names it in the count. */
  warn(warning: Error, what: string): void {
    const now = performance.now();
    if (now < this.#quietUntil) {
      this.#heldBack++;
      return;
    }
    this.#quietUntil = now + this.#periodMs;
    if (this.#heldBack > 0) {
      warning.message += ` (and ${this.#heldBack} more ${what} not warned about)`;
      this.#heldBack = 0;
    }
    process.emitWarning(warning);
  }
}
