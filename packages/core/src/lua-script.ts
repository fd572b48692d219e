import { createHash } from 'node:crypto';
import { replyWord, toIpcError } from './errors.js';
import type { RedisClient } from './redis-client.js';

/** A value a Lua script may be given: keys and arguments. */
export type ScriptArgument = string | Buffer;

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not know it (after a
 * restart, a failover or SCRIPT FLUSH), so a script is never "lost" for good. One round trip in the
 * normal case.
 */
export class LuaScript {
  /** The script's source. */
  readonly source: string;
  /** How many of the arguments to {@link LuaScript.run} are keys. */
  readonly numberOfKeys: number;
  /** SHA1 of the source, as Redis computes it. */
  readonly sha: string;

  constructor(source: string, numberOfKeys: number) {
    this.source = source;
    this.numberOfKeys = numberOfKeys;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script on `redis`. `keys` must have exactly {@link LuaScript.numberOfKeys} entries.
   * Errors are thrown as {@link IpcError}s.
   */
  async run(
    redis: RedisClient,
    keys: readonly ScriptArgument[],
    args: readonly ScriptArgument[] = [],
  ): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) {
      throw new RangeError(`Script expects ${this.numberOfKeys} keys, got ${keys.length}`);
    }
    const tail = [String(this.numberOfKeys), ...keys, ...args];
    try {
      return await redis.sendCommand(['EVALSHA', this.sha, ...tail]);
    } catch (error) {
      // Matched on the reply text: a client from another copy of node-redis throws its own classes.
      if (replyWord(error) !== 'NOSCRIPT') throw toIpcError(error);
    }
    try {
      return await redis.sendCommand(['EVAL', this.source, ...tail]);
    } catch (error) {
      throw toIpcError(error);
    }
  }
}
