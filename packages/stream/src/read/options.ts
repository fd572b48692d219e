import type { DecodeError, IpcError, PayloadOptions } from '@redis-ipc/core';
import type { StreamGap } from '../stream-event.js';

/** Options of {@link createReadStream}. */
export interface ReadStreamOptions<T> extends PayloadOptions<T> {
  /**
   * Where the reader starts: `'$'` for events published from now on (the position is fixed when the
   * reader is made, so nothing published after that is missed), `'0'` for the oldest event still in
   * the stream, or a saved {@link ReadStream.cursor} to resume right after the last event delivered.
   * @default '$'
   */
  from?: string;
  /**
   * Most events fetched per round trip (`XREAD COUNT`). They wait in the reader until delivered; the
   * cursor only moves past delivered ones.
   * @default 256
   */
  batchSize?: number;
  /**
   * Default wait of {@link ReadStream.next} and {@link ReadStream.nextBatch}, in ms (`Infinity`: wait
   * for ever; `0`: do not wait, just look).
   * @default Infinity
   */
  timeoutMs?: number;
}

/** Options of one blocking read. */
export interface StreamReadOptions {
  /**
   * Longest wait in ms; then the call rejects with TimeoutError. `0` only looks at what is there.
   * @default the reader's `timeoutMs` (Infinity)
   */
  timeoutMs?: number;
  /**
   * Aborts the wait: the call rejects with AbortError.
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of {@link ReadStream.nextBatch}. */
export interface StreamBatchReadOptions extends StreamReadOptions {
  /**
   * Most events returned.
   * @default the reader's `batchSize` (256)
   */
  count?: number;
}

/** Options of {@link ReadStream.events}. */
export interface StreamIterateOptions {
  /**
   * Ends the iteration (cleanly, without an error).
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Events of a {@link ReadStream}. */
export interface ReadStreamEvents {
  /**
   * A failure the iterator is retrying (Redis unreachable, …), or an undecodable event when nobody
   * listens for `'decode-error'`. Only emitted when someone listens.
   */
  error: [error: IpcError];
  /** The iterator met events it had not read that were deleted; it carries on after them. */
  gap: [gap: StreamGap];
  /** The iterator or `range` met an event it could not decode (or the schema rejected); it skipped it. */
  'decode-error': [error: DecodeError];
}
