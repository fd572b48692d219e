import type { TimeoutError } from '@redis-ipc/core';
import type { GroupEvent } from '../stream-event.js';
import { timestampOf } from '../stream-id.js';
import type { Held } from './leases.js';

/**
 * An event handed to a consumer. Its signal is made only when someone asks for it, so the events of
 * a busy consumer cost no AbortController each. Held by a `read()` caller, it carries its own lease
 * fields: past its hold limit its signal aborts.
 */
export class GroupDelivery<T> implements GroupEvent<T>, Held {
  readonly id: string;
  readonly value: T;
  readonly timestamp: number;
  readonly deliveries: number;
  /** @internal Lease field. */
  refreshedAt = 0;
  /** @internal Lease field. */
  deadline = 0;
  /** @internal Lease field. */
  timeoutMs = 0;
  /** @internal A suspect: its handler runs with no other beside it. */
  runAlone = false;
  /** @internal Its start is marked in Redis already: it must reach its handler at once. */
  marked = false;
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

  /** @internal The hold limit passed. */
  expire(error: TimeoutError): void {
    this.abort(error);
  }

  /** Aborts the signal (now, or when it is first asked for). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortedWith = reason;
    this.#controller?.abort(reason);
  }
}
