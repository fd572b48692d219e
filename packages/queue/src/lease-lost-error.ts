import { IpcError } from '@redis-ipc/core';

/**
 * The reason `task.signal` aborts with when the reader lost its lease: it was cut off from Redis, or
 * its event loop was blocked, for longer than `leaseMs`, and another reader put its tasks back in the
 * queue. The delivery is no longer this reader's: its ack resolves `'lost'` and changes nothing, and
 * the task may already run elsewhere. Code `IPC_LEASE_LOST`.
 */
export class LeaseLostError extends IpcError {
  override readonly name = 'LeaseLostError';
  /** Why the work was aborted. */
  readonly reason = 'lease-lost';

  constructor() {
    super(
      'IPC_LEASE_LOST',
      'The reader lost its lease: the task went back to the queue and may run elsewhere',
    );
  }
}
