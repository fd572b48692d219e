import { IpcError, isIpcError } from '@redis-ipc/core';
import type { StreamGap } from './stream-event.js';

/** The code of a {@link GapError}. */
export const GAP_ERROR_CODE = 'IPC_GAP';

/**
 * Events this reader had not read yet were trimmed or deleted. Raised once per gap by the pull
 * methods; the reader's cursor is then past the gap, so the next call continues with the oldest
 * event that is still there.
 */
export class GapError extends IpcError {
  override name = 'GapError';
  /** Where the missing events were. */
  readonly gap: StreamGap;

  constructor(gap: StreamGap) {
    super(
      GAP_ERROR_CODE,
      `Events of stream ${JSON.stringify(gap.stream)} after ${gap.after}${
        gap.before ? ` and before ${gap.before}` : ''
      } were deleted before they were read${gap.count === undefined ? '' : ` (${gap.count})`}`,
    );
    this.gap = gap;
  }
}

/** Is `error` a {@link GapError}? Checks the code, so it works across copies of the package. */
export function isGapError(error: unknown): error is GapError {
  return isIpcError(error, GAP_ERROR_CODE) && (error as { gap?: unknown }).gap !== undefined;
}
