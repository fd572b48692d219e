import type { Dispatcher } from './dispatcher.js';
import type { Pump } from './pump.js';
import type { Transport } from './transport.js';

/**
 * Gives back what a reader buffered ahead when nobody will draw from it: when its last worker or
 * iterator stops, and when nothing was drawn for a whole lease period (every lane busy with long
 * handlers), so that idle readers elsewhere run those tasks instead of waiting for this one.
 */
export class BufferReturn<T> {
  readonly #dispatcher: Dispatcher<T>;
  readonly #transport: Transport<T>;
  readonly #pump: Pump<T>;
  readonly #leaseMs: number;
  readonly #closed: () => boolean;
  #returning: Promise<void> | undefined;
  // The hand-out count at the last tick that saw it change, and when that was.
  #handedOut = -1;
  #drawnAt = 0;

  constructor(
    dispatcher: Dispatcher<T>,
    transport: Transport<T>,
    pump: Pump<T>,
    leaseMs: number,
    closed: () => boolean,
  ) {
    this.#dispatcher = dispatcher;
    this.#transport = transport;
    this.#pump = pump;
    this.#leaseMs = leaseMs;
    this.#closed = closed;
  }

  /** A give-back on its way, if any. */
  get returning(): Promise<void> | undefined {
    return this.#returning;
  }

  /** The last worker or iterator stopped: the buffer goes back to the head of the queue. */
  consumersGone(): void {
    if (this.#closed() || this.#dispatcher.hasTakers) return;
    // A take or a blocking wait still on its way is given back once it has landed.
    this.#pump.afterLanding(() => this.consumersGone());
    this.#giveBack();
  }

  /** Called on every lease tick: a buffer nobody drew from for a lease period goes back. */
  checkIdle(): void {
    const dispatcher = this.#dispatcher;
    const now = performance.now();
    if (dispatcher.handedOut !== this.#handedOut || dispatcher.buffer.length === 0) {
      this.#handedOut = dispatcher.handedOut;
      this.#drawnAt = now;
      return;
    }
    if (this.#closed() || dispatcher.waiting > 0 || now - this.#drawnAt < this.#leaseMs) return;
    this.#giveBack();
  }

  #giveBack(): void {
    const tasks = this.#dispatcher.takeBuffered();
    if (tasks.length === 0) return;
    const done = this.#transport.giveBackBuffered(tasks);
    this.#returning = done;
    void done.then(() => {
      if (this.#returning === done) this.#returning = undefined;
    });
  }
}
