import { createHash } from 'node:crypto';
import { replyWord, toIpcError } from './errors.js';
import type { RedisClient } from './redis-client.js';
import { isShardedPubSub } from './topology/cluster-redis.js';

/** A value a Lua script may be given: keys and arguments. */
export type ScriptArgument = string | Buffer;

// `redis.call('PUBLISH', …)` / `redis.pcall("PUBLISH", …)` in a script's source.
const PUBLISH_CALL = /(redis\.p?call\(\s*)(['"])PUBLISH\2/gi;

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not know it (after a
 * restart, a failover or SCRIPT FLUSH), so a script is never "lost" for good: on a cluster, each node
 * learns it on first use. One round trip in the normal case. On a cluster, the script's `PUBLISH`
 * calls run as `SPUBLISH`, so that its wake-ups reach the sharded subscribers on the slot's node.
 */
export class LuaScript {
  /** The script's source. */
  readonly source: string;
  /** How many of the arguments to {@link LuaScript.run} are keys. */
  readonly numberOfKeys: number;
  /** SHA1 of the source, as Redis computes it. */
  readonly sha: string;

  #sharded: { source: string; sha: string } | undefined;

  constructor(source: string, numberOfKeys: number) {
    this.source = source;
    this.numberOfKeys = numberOfKeys;
    this.sha = sha1(source);
  }

  // The source and SHA to send on `redis`: on a cluster, with sharded publishing.
  #variant(redis: RedisClient): { source: string; sha: string } {
    if (!isShardedPubSub(redis)) return this;
    if (!this.#sharded) {
      const source = this.source.replace(PUBLISH_CALL, '$1$2SPUBLISH$2');
      this.#sharded = source === this.source ? this : { source, sha: sha1(source) };
    }
    return this.#sharded;
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
    const { source, sha } = this.#variant(redis);
    try {
      return await redis.sendCommand(['EVALSHA', sha, ...tail]);
    } catch (error) {
      // Matched on the reply text: a client from another copy of node-redis throws its own classes.
      if (replyWord(error) !== 'NOSCRIPT') throw toIpcError(error);
    }
    try {
      return await redis.sendCommand(['EVAL', source, ...tail]);
    } catch (error) {
      throw toIpcError(error);
    }
  }
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
