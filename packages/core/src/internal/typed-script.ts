import { LuaScript, type ScriptArgument } from '../lua-script.js';
import type { RedisClient } from '../redis-client.js';

/** How one Lua script is called and what its reply means. */
export interface ScriptDefinition<I, R> {
  /**
   * The script's file name without `.lua`, ending with its key count (`take-6`): the one place the
   * number of keys is written.
   */
  readonly name: string;
  /** The script's source (imported with `?raw`, includes expanded). */
  readonly source: string;
  /** The keys of one call, in the order of the script's `KEYS`. */
  keys(input: I): readonly ScriptArgument[];
  /** The arguments of one call, in the order of the script's `ARGV`. */
  args(input: I): readonly ScriptArgument[];
  /** Turns the raw reply into its named type: the only place that reads the reply's layout. */
  parse(reply: unknown): R;
}

/** A Lua script with typed input and reply (see {@link defineScript}). */
export interface TypedScript<I, R> {
  /** The script's file name without `.lua`. */
  readonly name: string;
  /** The untyped script underneath. */
  readonly script: LuaScript;
  /** Runs the script once and parses its reply. */
  run(redis: RedisClient, input: I): Promise<R>;
}

/**
 * Defines a Lua script whose keys, arguments and reply are typed. The key count is read from the
 * name (`<name>-<numKeys>`), and every call is checked against it.
 */
export function defineScript<I, R>(definition: ScriptDefinition<I, R>): TypedScript<I, R> {
  const match = /-(\d+|n)$/.exec(definition.name);
  if (!match) throw new RangeError(`Script name '${definition.name}' must end with -<numKeys> or -n`);
  // `-n`: a variadic script, whose key count is that of each call.
  const fixed = match[1] === 'n' ? undefined : Number(match[1]);
  const scripts = new Map<number, LuaScript>();
  const scriptFor = (count: number): LuaScript => {
    let script = scripts.get(count);
    if (!script) {
      script = new LuaScript(definition.source, count);
      scripts.set(count, script);
    }
    return script;
  };
  return {
    name: definition.name,
    script: scriptFor(fixed ?? 0),
    async run(redis, input) {
      const keys = definition.keys(input);
      if (fixed !== undefined && keys.length !== fixed) {
        throw new RangeError(`Script ${definition.name} expects ${fixed} keys, got ${keys.length}`);
      }
      const reply = await scriptFor(keys.length).run(redis, keys, definition.args(input));
      return definition.parse(reply);
    },
  };
}
