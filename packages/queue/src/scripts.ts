import { LuaScript } from '@redis-ipc/core';
import counts from './lua/counts-4.lua?raw';
import deadLetter from './lua/dead-letter-3.lua?raw';
import heartbeat from './lua/heartbeat-5.lua?raw';
import nack from './lua/nack-5.lua?raw';
import pushUnique from './lua/push-unique-1.lua?raw';
import release from './lua/release-6.lua?raw';
import requeueDead from './lua/requeue-dead-3.lua?raw';
import take from './lua/take-6.lua?raw';

/** The queue's Lua scripts (EVALSHA, reloaded by EVAL when the server has forgotten them). */
export const scripts = {
  take: new LuaScript(take, 6),
  heartbeat: new LuaScript(heartbeat, 5),
  nack: new LuaScript(nack, 5),
  deadLetter: new LuaScript(deadLetter, 3),
  release: new LuaScript(release, 6),
  requeueDead: new LuaScript(requeueDead, 3),
  counts: new LuaScript(counts, 4),
  pushUnique: new LuaScript(pushUnique, 1),
} as const;
