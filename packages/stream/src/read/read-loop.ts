import { type DecodeError, type IpcError, isIpcError } from '@redis-ipc/core';
import { loopIterator } from '@redis-ipc/core/internal';
import { isGapError } from '../gap-error.js';
import { retryReads } from '../retry-reads.js';
import type { StreamEvent, StreamGap } from '../stream-event.js';

/** What the loop needs from the reader it runs on. */
export interface ReadLoopHost<T> {
  /** Whether the reader's client is closed. */
  clientClosed(): boolean;
  /** The next event, waiting for it (under `signal`, which includes the reader's close signal). */
  next(signal: AbortSignal): Promise<StreamEvent<T>>;
  /** The next event when it is at hand and nobody else is reading; `undefined` otherwise. */
  ready(): StreamEvent<T> | undefined;
  /** Moves the cursor past the undecodable event that was just reported. */
  skipUndecodable(): void;
  /** Tells a listener about an undecodable event; false when nobody listens. */
  decodeError(error: DecodeError): boolean;
  /** Tells a listener about a gap; false when nobody listens. */
  gap(gap: StreamGap): boolean;
  /** A failure the loop is retrying. */
  reportError(error: IpcError): void;
}

/**
 * The loop of {@link ReadStream.events}: events as they come until `signal` aborts or the client
 * closes (then it just ends); Redis outages are waited out, gaps and undecodable events go to
 * listeners (or end the loop with their error when nobody listens).
 */
export function readLoop<T>(
  host: ReadLoopHost<T>,
  signal: AbortSignal,
): AsyncIterableIterator<StreamEvent<T>, undefined, undefined> {
  const ended = () => signal.aborted || host.clientClosed();
  const step = async (): Promise<StreamEvent<T> | undefined> => {
    try {
      return await host.next(signal);
    } catch (error) {
      if (ended() || isIpcError(error, 'IPC_CLOSED')) return undefined;
      if (isIpcError(error, 'IPC_DECODE') && host.decodeError(error as DecodeError)) {
        // Reported: move past it.
        host.skipUndecodable();
        return step();
      }
      if (isGapError(error) && host.gap(error.gap)) return step();
      throw error;
    }
  };
  const slow = () => retryReads(step, signal, (error) => host.reportError(error), ended);
  return loopIterator({ fast: () => (signal.aborted ? undefined : host.ready()), slow });
}
