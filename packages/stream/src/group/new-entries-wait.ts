import type { RedisClient } from '@redis-ipc/core';
import type { GroupScope } from './group-scope.js';

/** How to wait for entries after a group's position, and the read that follows the wait. */
export interface NewEntriesWait {
  /** The group's last-delivered-id as last read. */
  readonly position: string;
  /** How long to wait in total, in ms (`Infinity`: for ever). */
  readonly timeoutMs: number;
  /** Ends the wait early (a reclaim, the group found missing, the caller's abort). */
  readonly signal: AbortSignal;
  /**
   * Reads new entries on `redis` and puts what it got (entries or a gap) into the consumer's buffer;
   * resolves with the group's position after the read.
   */
  read(redis: RedisClient): Promise<string>;
  /** Whether anything is at hand now (read or reclaimed): then the wait is over. */
  landed(): boolean;
}

/**
 * Waits, on a dedicated connection, until something follows `position`, without taking anything:
 * `XREAD BLOCK`, not `XREADGROUP BLOCK`, so a wait that is given up never leaves entries pending on a
 * consumer that will not hand them out.
 *
 * Where the connection can run a transaction (a single server, Sentinel), the group's read is sent
 * right behind the wait on the same connection: Redis runs it as soon as the wait ends (woken, timed
 * out or interrupted, never before), and both replies come back together, so a wake-up costs one
 * round trip instead of two. The read is the consumer's usual one (the group's position and the
 * entries in one transaction, the gap check on them), and its reply is always handled, even when
 * the wait was interrupted, so whatever it took lands in the buffer. On a cluster the connection only
 * sends single commands: the wait only wakes, and the caller reads afterwards.
 *
 * Resolves once something landed (`'read'`), or once the wake-up came on a cluster (`'woken'`: the
 * caller reads next); rejects like {@link IpcClient.blocking}.
 */
export function waitForNewEntries(scope: GroupScope, wait: NewEntriesWait): Promise<'read' | 'woken'> {
  const key = scope.keys.main;
  let position = wait.position;
  return scope.ipc.blocking<'read' | 'woken'>(
    async (redis, slice) => {
      const waking = redis.sendCommand([
        'XREAD',
        'COUNT',
        '1',
        'BLOCK',
        String(slice.ms),
        'STREAMS',
        key,
        position,
      ]);
      if (!runsTransactions(redis)) return (await waking) === null ? null : 'woken';
      const [woke, read] = await Promise.allSettled([waking, wait.read(redis)]);
      if (read.status === 'rejected') throw read.reason;
      position = read.value;
      if (wait.landed()) return 'read';
      if (woke.status === 'rejected') throw woke.reason;
      // Woken by entries another consumer of the group took, or the server-side wait timed out.
      return null;
    },
    { timeoutMs: wait.timeoutMs, signal: wait.signal },
  );
}

// A node-redis client runs transactions; a cluster's blocking connection is lent as a router that
// only sends single commands (whose key picks the node), and has no `multi`.
function runsTransactions(redis: RedisClient): boolean {
  return 'multi' in redis;
}
