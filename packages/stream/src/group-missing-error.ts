import { IpcError, type IpcErrorCode, type IpcErrorOptions, isIpcError } from '@redis-ipc/core';

/** The code of a {@link GroupMissingError}. */
export const GROUP_MISSING_ERROR_CODE = 'IPC_GROUP_MISSING' satisfies IpcErrorCode;
const CODE = GROUP_MISSING_ERROR_CODE;

/**
 * The consumer group (or its whole stream) disappeared after this consumer had started using it:
 * someone ran `XGROUP DESTROY` or deleted the stream, or Redis restarted without its data. The group
 * is not made again from `startId`, which would deliver every event again (or lose those in between):
 * make a new consumer when that is what you want.
 */
export class GroupMissingError extends IpcError {
  override name = 'GroupMissingError';
  /** The stream's name, as given. */
  readonly stream: string;
  /** The group's name. */
  readonly group: string;

  constructor(stream: string, group: string, options?: IpcErrorOptions) {
    super(
      CODE,
      `Consumer group ${JSON.stringify(group)} of stream ${JSON.stringify(stream)} no longer exists`,
      options,
    );
    this.stream = stream;
    this.group = group;
  }
}

/** Is `error` a {@link GroupMissingError}? Checks the code, so it works across copies of the package. */
export function isGroupMissingError(error: unknown): error is GroupMissingError {
  return isIpcError(error, CODE);
}
