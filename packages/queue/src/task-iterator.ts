import { DecodeError, isIpcError } from '@redis-ipc/core';
import { loopIterator } from '@redis-ipc/core/internal';
import type { Dispatcher } from './dispatcher.js';
import { QueueTask, type Task } from './task.js';

/** What {@link iterateTasks} needs from its reader. */
export interface IteratorHost<T> {
  readonly dispatcher: Dispatcher<T>;
  /** Whether the reader (or its client) has closed. */
  closed(): boolean;
  /** See the worker's: a promise when the task must wait for its started mark. */
  beforeStart(task: QueueTask<T>, fast: boolean): Promise<void> | undefined;
  /** Resolves with the task once its started mark is written. */
  started(task: Task<T>): Promise<Task<T>>;
}

// A loop body quicker than this, in ms, is one of a burst: the tasks after it are marked together.
const FAST_BODY_MS = 1;

/**
 * The reader's async iterator, on the core's fast/slow loop iterator: a buffered task costs one
 * promise. It counts itself as a consumer (the buffer is topped up ahead for it) until it ends; it ends
 * cleanly when the reader closes or `signal` aborts, and by throwing a {@link DecodeError} for an
 * undecodable item.
 */
export function iterateTasks<T>(
  host: IteratorHost<T>,
  signal: AbortSignal | undefined,
): AsyncIterableIterator<Task<T>> {
  const { dispatcher } = host;
  let counted = false;
  let error: DecodeError | undefined;
  // A task handed out whose started mark is still being written: returned once it is.
  let marking: { readonly task: QueueTask<T>; readonly written: Promise<void> } | undefined;
  let lastNext = Number.NEGATIVE_INFINITY;
  const ended = () => host.closed() || signal?.aborted === true;
  return loopIterator<Task<T>>({
    fast: () => {
      if (ended() || error) return undefined;
      if (!counted) {
        counted = true;
        dispatcher.countConsumer(1);
      }
      const entry = dispatcher.poll();
      if (entry instanceof DecodeError) error = entry;
      if (!(entry instanceof QueueTask)) return undefined;
      const now = performance.now();
      const written = host.beforeStart(entry, now - lastNext < FAST_BODY_MS);
      lastNext = now;
      if (!written) return entry;
      marking = { task: entry, written };
      return undefined;
    },
    slow: async () => {
      if (marking) {
        const { task, written } = marking;
        marking = undefined;
        await written;
        return task;
      }
      if (error) throw error;
      if (ended()) return undefined;
      try {
        const entry = await dispatcher.next(signal, Number.POSITIVE_INFINITY);
        if (entry instanceof DecodeError) throw entry;
        return await host.started(entry);
      } catch (failure) {
        if (ended() || isIpcError(failure, 'IPC_CLOSED')) return undefined;
        throw failure;
      }
    },
    finish: () => {
      if (counted) dispatcher.countConsumer(-1);
    },
  });
}
