--[[
  Renews one reader's lease, promotes due delayed retries, and names the readers whose lease has
  expired (their tasks are returned by reclaim-n.lua, which is given their keys). Run by every live
  at-least-once reader on its one timer: no separate daemon.

  KEYS[1] consumers   zset consumer -> lease expiry (ms)
  KEYS[2] main        list of waiting tasks
  KEYS[3] delayed     zset item -> due time (ms)

  ARGV[1] consumer id
  ARGV[2] lease in ms
  ARGV[3] '1' to name expired readers, '0' to only renew

  Reply: { newlyRegistered, nextDueMs, expired1, expired2, … }
    newlyRegistered = 1 when this reader was missing (its lease had been reclaimed)
    nextDueMs = ms until the earliest delayed retry is due, -1 when none
]]
--- @include "includes/now-ms.lua"

local consumers, main, delayed = KEYS[1], KEYS[2], KEYS[3]
local me = ARGV[1]
local now = nowMs()

local out = { redis.call('ZADD', consumers, now + tonumber(ARGV[2]), me), -1 }

local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)
if #due > 0 then
  redis.call('ZREM', delayed, unpack(due))
  for i = #due, 1, -1 do redis.call('RPUSH', main, due[i]) end
end
local first = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
if #first > 0 then out[2] = math.max(0, tonumber(first[2]) - now) end

if ARGV[3] == '1' then
  for _, consumer in ipairs(redis.call('ZRANGEBYSCORE', consumers, '-inf', now, 'LIMIT', 0, 16)) do
    if consumer ~= me then out[#out + 1] = consumer end
  end
end
return out
