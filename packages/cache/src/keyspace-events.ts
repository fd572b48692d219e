import type { IpcClient } from '@redis-ipc/core';

/** What the server says about keyspace notifications, as seen from one client. */
export interface KeyspaceEvents {
  /** The database the client's keys live in (part of the notification channel). */
  readonly db: number;
  /** The server's `notify-keyspace-events` flags. */
  readonly flags: string;
}

const known = new WeakMap<IpcClient, Promise<KeyspaceEvents | undefined>>();

/**
 * Reads `notify-keyspace-events` and the client's database, once per client (again after
 * {@link forgetKeyspaceEvents}). Resolves `undefined` when the server will not say (CONFIG is often
 * disabled on managed Redis): caches then fall back to re-checking.
 */
export function keyspaceEvents(ipc: IpcClient): Promise<KeyspaceEvents | undefined> {
  let pending = known.get(ipc);
  if (!pending) {
    pending = query(ipc);
    known.set(ipc, pending);
  }
  return pending;
}

/** Makes the next {@link keyspaceEvents} ask the server again (after a reconnect, say). */
export function forgetKeyspaceEvents(ipc: IpcClient): void {
  known.delete(ipc);
}

/** Whether `flags` announce key-space events of `eventClass` (`$` strings, `h` hashes, …). */
export function announces(flags: string, eventClass: string): boolean {
  return flags.includes('K') && (flags.includes('A') || flags.includes(eventClass));
}

// Core marks a cluster's shared connection with this (global) symbol: its pub/sub is sharded.
const SHARDED_PUBSUB = Symbol.for('redis-ipc.sharded-pubsub');

async function query(ipc: IpcClient): Promise<KeyspaceEvents | undefined> {
  // On a cluster, keyspace notifications stay on the node where the key lives, while a pattern
  // subscription reaches one node: the cache re-checks instead of trusting notifications it may miss.
  if ((ipc.redis as unknown as Record<symbol, unknown>)[SHARDED_PUBSUB] === true) return undefined;
  try {
    const [config, info] = await Promise.all([
      ipc.redis.configGet('notify-keyspace-events'),
      ipc.redis.sendCommand(['CLIENT', 'INFO']),
    ]);
    const db = /(?:^|\s)db=(\d+)/.exec(String(info));
    return { db: db ? Number(db[1]) : 0, flags: String(config['notify-keyspace-events'] ?? '') };
  } catch {
    // Not knowing is an answer too: the caller re-checks instead. Forget it so a later call asks again.
    known.delete(ipc);
    return undefined;
  }
}
