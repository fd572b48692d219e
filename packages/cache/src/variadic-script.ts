import { LuaScript, type RedisClient, type ScriptArgument } from '@redis-ipc/core';

/**
 * A Lua script that takes any number of keys (all of one cache, so they share a cluster slot).
 * Core's {@link LuaScript} fixes the key count, so one is kept per count in use.
 */
export class VariadicScript {
  readonly #source: string;
  readonly #byCount = new Map<number, LuaScript>();

  constructor(source: string) {
    this.#source = source;
  }

  /** Runs the script with `keys` as KEYS and `args` as ARGV. */
  run(
    redis: RedisClient,
    keys: readonly ScriptArgument[],
    args: readonly ScriptArgument[],
  ): Promise<unknown> {
    let script = this.#byCount.get(keys.length);
    if (!script) {
      script = new LuaScript(this.#source, keys.length);
      this.#byCount.set(keys.length, script);
    }
    return script.run(redis, keys, args);
  }
}
