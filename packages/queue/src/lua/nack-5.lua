--[[
  Returns one delivery a reader holds: to the head of the queue, to the delayed set, or, once the task
  has been delivered maxDeliveries times, to the dead-letter list with the reason. Acts only on the
  delivery's own token: a delivery the reader no longer holds (its lease was reclaimed) is left alone.
  The outcome is kept beside the token until the reader has read it, so a nack sent again after its
  reply was lost reports what the first one did.

  KEYS[1] inflight    hash of this reader: token -> item (see includes/held-tasks.lua)
  KEYS[2] deliveries  hash task id -> deliveries so far
  KEYS[3] main        list of waiting tasks
  KEYS[4] delayed     zset item -> due time (ms)
  KEYS[5] dead        dead-letter list

  ARGV[1] token
  ARGV[2] deliveries of this task so far (including this one)
  ARGV[3] delay in ms before it may run again (0 = at once)
  ARGV[4] maxDeliveries
  ARGV[5] reason (the handler's error), kept when the task is dead-lettered
  ARGV[6] consumer id

  Reply: 0 = the reader no longer held it (its lease was reclaimed), 1 = requeued at the head,
         2 = delayed, 3 = dead-lettered
]]
--- @include "includes/now-ms.lua"
--- @include "includes/task-id.lua"
--- @include "includes/dead-letter.lua"
--- @include "includes/suspect.lua"

local inflight, deliveries, main, delayed, dead = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local token = ARGV[1]
local n = tonumber(ARGV[2])
local delayMs = tonumber(ARGV[3])
local outcomeField = '~' .. token

local item = redis.call('HGET', inflight, token)
if not item then
  local earlier = redis.call('HGET', inflight, outcomeField)
  if earlier then
    redis.call('HDEL', inflight, outcomeField)
    return tonumber(earlier)
  end
  return 0
end
redis.call('HDEL', inflight, token)

local id = taskIdOf(item)
local outcome
-- Its handler ran to the end: whatever it was suspected of, it did not crash the reader.
redis.call('HDEL', deliveries, suspectField(id))
if n >= tonumber(ARGV[4]) then
  redis.call('HDEL', deliveries, id)
  pushDeadLetter(dead, id, item, n, nowMs(), ARGV[6], ARGV[5])
  outcome = 3
else
  redis.call('HSET', deliveries, id, n)
  if delayMs > 0 then
    redis.call('ZADD', delayed, nowMs() + delayMs, item)
    outcome = 2
  else
    redis.call('RPUSH', main, item)
    outcome = 1
  end
end
redis.call('HSET', inflight, outcomeField, outcome)
return outcome
