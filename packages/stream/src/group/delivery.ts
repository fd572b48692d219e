import type { GroupEvent } from '../stream-event.js';
import { timestampOf } from '../stream-id.js';

/**
 * An event handed to a consumer. Its signal is made only when someone asks for it, so the events of
 * a busy consumer cost no AbortController each.
 */
export class GroupDelivery<T> implements GroupEvent<T> {
  readonly id: string;
  readonly value: T;
  readonly timestamp: number;
  readonly deliveries: number;
  #controller: AbortController | undefined;
  #abortedWith: unknown;
  #aborted = false;

  constructor(id: string, value: T, deliveries: number) {
    this.id = id;
    this.value = value;
    this.timestamp = timestampOf(id);
    this.deliveries = deliveries;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortedWith);
    }
    return this.#controller.signal;
  }

  /** Aborts the signal (now, or when it is first asked for). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortedWith = reason;
    this.#controller?.abort(reason);
  }
}
