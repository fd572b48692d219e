import type { EventEmitter } from 'node:events';
import { toIpcError } from '../errors.js';

/**
 * Emits `error` (as an {@link IpcError}) when somebody listens for it. A background failure — a
 * renewal, an ack retried while Redis is away — is not the caller's to handle, and an `error` event
 * with no listener would crash the process.
 */
export function reportError(emitter: EventEmitter, error: unknown): void {
  if (emitter.listenerCount('error') > 0) emitter.emit('error', toIpcError(error));
}

/**
 * Calls `listener` once when `signal` aborts (at once when it has already aborted) and returns the
 * function that removes it. Long-lived signals (a process's shutdown signal, shared by many readers)
 * must not keep a listener for each closed object: call the returned function when done.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return noop;
  if (signal.aborted) {
    listener();
    return noop;
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

function noop(): void {}
