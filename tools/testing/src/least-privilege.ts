import type { AclDenial, AclGrant } from './acl-user.js';

/**
 * Every command the queue, cache and stream run as the library's user, as `ACL SETUSER` `+` rules:
 * the list SECURITY.md documents (a core test checks that it is the same), found by running every
 * conformance suite under a user allowed nothing else and reading `ACL LOG`.
 */
export const LIBRARY_COMMANDS: readonly string[] = [
  // Connections and scripts.
  'ping',
  'client|id',
  'client|info',
  'eval',
  'evalsha',
  'multi',
  'exec',
  'time',
  // Pub/sub (the cache wakes its waiters).
  'subscribe',
  'unsubscribe',
  'publish',
  // Keys in general.
  'exists',
  'type',
  'del',
  'unlink',
  'pexpire',
  'pttl',
  'scan',
  // Strings (prefixed caches).
  'get',
  'mget',
  'set',
  'strlen',
  // Hashes (raw caches, queue bookkeeping).
  'hget',
  'hmget',
  'hgetall',
  'hset',
  'hdel',
  'hlen',
  'hkeys',
  // Lists (queues).
  'blmove',
  'blmpop',
  'lpush',
  'rpush',
  'rpop',
  'llen',
  'lrange',
  // Sorted sets (delayed tasks, leases).
  'zadd',
  'zrem',
  'zscore',
  'zcard',
  'zrange',
  'zrangebyscore',
  // Streams.
  'xadd',
  'xread',
  'xreadgroup',
  'xack',
  'xclaim',
  'xautoclaim',
  'xpending',
  'xtrim',
  'xrange',
  'xrevrange',
  'xlen',
  'xinfo|stream',
  'xinfo|groups',
  'xgroup|create',
  'xgroup|setid',
];

/**
 * Commands the library tries and does without when refused (each in the admin-only `@dangerous`
 * category): `client|unblock` and `client|list` end an aborted blocking wait without closing its
 * connection; `config|get` reads `notify-keyspace-events` so that a cache hears foreign writes at once
 * instead of re-checking every `pollMs`.
 */
export const OPTIONAL_COMMANDS: readonly string[] = ['client|unblock', 'client|list', 'config|get'];

/** The documented least-privilege grant on the given key and channel patterns. */
export function libraryGrant(
  patterns: { keys: readonly string[]; channels: readonly string[] },
  extraCommands: readonly string[] = [],
): AclGrant {
  return {
    keys: patterns.keys,
    channels: patterns.channels,
    commands: [...LIBRARY_COMMANDS, ...extraCommands],
  };
}

/** The denials among `denials` that are not of an {@link OPTIONAL_COMMANDS} command. */
export function unexpectedDenials(denials: readonly AclDenial[]): AclDenial[] {
  return denials.filter(
    (denial) => !(denial.reason === 'command' && OPTIONAL_COMMANDS.includes(denial.object)),
  );
}
