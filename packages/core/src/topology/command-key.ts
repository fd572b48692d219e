import type { RedisArgument } from 'redis';

// Commands whose first key follows a subcommand: `XINFO GROUPS <key>`, `XGROUP CREATE <key> …`.
const SUBCOMMAND_FIRST = new Set(['XINFO', 'XGROUP', 'OBJECT', 'MEMORY']);
// Commands whose keys follow a count: `EVAL <script> <numkeys> <key> …`.
const AFTER_NUMKEYS = new Set(['EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'FCALL', 'FCALL_RO']);
// Commands whose keys follow a `STREAMS` word.
const AFTER_STREAMS = new Set(['XREAD', 'XREADGROUP']);
// Commands that name no key: they go to any node.
const KEYLESS = new Set(['PING', 'CLIENT', 'CONFIG', 'INFO', 'SCRIPT', 'TIME', 'ECHO', 'CLUSTER', 'COMMAND']);

/**
 * The key a raw command (`['LPUSH', key, …]`) is routed by on a cluster, or `undefined` when it names
 * none. Covers what redis-ipc sends: most commands name their key first; scripts after the key
 * count; stream reads after `STREAMS`; `BLMPOP`/`LMPOP` after the timeout and count; `XINFO`/`XGROUP`
 * after the subcommand; `PUBLISH`/`SPUBLISH` route by channel (the channel carries the hash tag).
 * Every key of one redis-ipc command lies in one slot, so the first is enough.
 */
export function commandKey(args: readonly RedisArgument[]): RedisArgument | undefined {
  const name = String(args[0] ?? '').toUpperCase();
  if (KEYLESS.has(name)) return undefined;
  if (AFTER_NUMKEYS.has(name)) return Number(String(args[2])) > 0 ? args[3] : undefined;
  if (AFTER_STREAMS.has(name)) {
    const at = args.findIndex((arg, index) => index > 0 && String(arg).toUpperCase() === 'STREAMS');
    return at < 0 ? undefined : args[at + 1];
  }
  if (name === 'BLMPOP' || name === 'BZMPOP') return args[3];
  if (name === 'LMPOP' || name === 'ZMPOP') return args[2];
  if (SUBCOMMAND_FIRST.has(name)) return args[2];
  return args[1];
}
