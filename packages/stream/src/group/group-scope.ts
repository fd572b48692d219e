import type { IpcClient } from '@redis-ipc/core';
import type { StreamKeys } from '../stream-keys.js';
import type { GroupSettings } from './options.js';

/** Who a consumer is and where its group lives: what every part of a consumer group is built on. */
export interface GroupScope {
  readonly ipc: IpcClient;
  readonly keys: StreamKeys;
  readonly group: string;
  /** The group's start marks (`keys.starts(group)`). */
  readonly startsKey: string;
  readonly consumer: string;
  readonly settings: GroupSettings;
  /** Payloads are read as bytes (a binary codec), not as text. */
  readonly binary: boolean;
}
