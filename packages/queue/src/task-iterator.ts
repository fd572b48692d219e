import { DecodeError, isIpcError } from '@redis-ipc/core';
import type { QueueTask, Task } from './task.js';

/** What a {@link TaskIterator} needs from its reader. */
export interface IteratorHost<T> {
  /** A buffered task (or decode error), if one can be handed out at once. */
  poll(): QueueTask<T> | DecodeError | undefined;
  /** Waits for the next task; rejects when the signal aborts or the reader closes. */
  next(signal: AbortSignal | undefined): Promise<QueueTask<T> | DecodeError>;
  /** Whether the reader has stopped handing out tasks. */
  readonly stopped: boolean;
  /** Counts an active iterator in or out (active iterators keep the buffer topped up). */
  stream(delta: 1 | -1): void;
}

const DONE: IteratorResult<never, undefined> = { done: true, value: undefined };

/**
 * The reader's async iterator. Written by hand rather than as an async generator: a buffered task
 * costs one promise, not four. It ends (done) when the reader closes or the signal aborts, and throws
 * a {@link DecodeError} for an undecodable item; calling `next()` after that goes on.
 */
export class TaskIterator<T> implements AsyncIterableIterator<Task<T>> {
  readonly #host: IteratorHost<T>;
  readonly #signal: AbortSignal | undefined;
  #counted = false;
  #finished = false;

  constructor(host: IteratorHost<T>, signal: AbortSignal | undefined) {
    this.#host = host;
    this.#signal = signal;
  }

  next(): Promise<IteratorResult<Task<T>, undefined>> {
    if (this.#finished || this.#host.stopped || this.#signal?.aborted) return this.#finish();
    if (!this.#counted) {
      this.#counted = true;
      this.#host.stream(1);
    }
    const entry = this.#host.poll();
    if (entry !== undefined) return this.#result(entry);
    return this.#host.next(this.#signal).then(
      (next) => this.#result(next),
      (error: unknown) => {
        if (this.#host.stopped || this.#signal?.aborted || isIpcError(error, 'IPC_CLOSED'))
          return this.#finish();
        this.#uncount();
        throw error;
      },
    );
  }

  return(): Promise<IteratorResult<Task<T>, undefined>> {
    return this.#finish();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #result(entry: QueueTask<T> | DecodeError): Promise<IteratorResult<Task<T>, undefined>> {
    if (entry instanceof DecodeError) {
      // The loop ends on the error; a caller that goes on calling next() is counted in again.
      this.#uncount();
      return Promise.reject(entry);
    }
    return Promise.resolve({ done: false, value: entry });
  }

  #finish(): Promise<IteratorResult<Task<T>, undefined>> {
    this.#finished = true;
    this.#uncount();
    return Promise.resolve(DONE);
  }

  #uncount(): void {
    if (!this.#counted) return;
    this.#counted = false;
    this.#host.stream(-1);
  }
}
