--[[
  Returns a task a reader holds: to the head of the queue, to the delayed set, or, once it has been
  delivered maxDeliveries times, to the dead-letter list with the reason.

  KEYS[1] inflight    hash of this reader: task id -> item
  KEYS[2] deliveries  hash task id -> deliveries so far
  KEYS[3] main        list of waiting tasks
  KEYS[4] delayed     zset item -> due time (ms)
  KEYS[5] dead        dead-letter list

  ARGV[1] task id
  ARGV[2] deliveries of this task so far (including this one)
  ARGV[3] delay in ms before it may run again (0 = at once)
  ARGV[4] maxDeliveries
  ARGV[5] reason (the handler's error), kept when the task is dead-lettered
  ARGV[6] consumer id

  Reply: 0 = the reader no longer held it (its lease was reclaimed), 1 = requeued at the head,
         2 = delayed, 3 = dead-lettered
]]
local inflight, deliveries, main, delayed, dead = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id = ARGV[1]
local n = tonumber(ARGV[2])
local delayMs = tonumber(ARGV[3])

local item = redis.call('HGET', inflight, id)
if not item then return 0 end
redis.call('HDEL', inflight, id)

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

if n >= tonumber(ARGV[4]) then
  redis.call('HDEL', deliveries, id)
  redis.call('LPUSH', dead, cjson.encode({
    id = id, item = item, deliveries = n, failedAt = now, consumer = ARGV[6], reason = ARGV[5],
  }))
  return 3
end
redis.call('HSET', deliveries, id, n)
if delayMs > 0 then
  redis.call('ZADD', delayed, now + delayMs, item)
  return 2
end
redis.call('RPUSH', main, item)
return 1
