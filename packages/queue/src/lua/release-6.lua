--[[
  Gives back tasks a closing reader holds, to the head of the queue in their order, so that others
  take them at once instead of waiting for the lease to expire. With final = '1' it also gives back
  anything else left in its in-flight hash and landing list and removes the reader from `consumers`.

  KEYS[1] main        list of waiting tasks
  KEYS[2] consumers   zset consumer -> lease expiry
  KEYS[3] inflight    hash of this reader: task id -> item
  KEYS[4] landing     list of this reader
  KEYS[5] deliveries  hash task id -> deliveries so far
  KEYS[6] dead        dead-letter list

  ARGV[1] consumer id
  ARGV[2] '1' = final (the reader is closing)
  ARGV[3] maxDeliveries
  ARGV[4..] pairs: task id, deliveries to record (0 = never handed to a handler: not counted),
            oldest first

  Reply: number of tasks given back (requeued or dead-lettered)
]]
local main, consumers, inflight, landing, deliveries, dead = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local me = ARGV[1]
local maxDeliveries = tonumber(ARGV[3])
local given = 0

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function giveBack(id, item, n)
  given = given + 1
  if n > 0 and n >= maxDeliveries then
    redis.call('HDEL', deliveries, id)
    redis.call('LPUSH', dead, cjson.encode({
      id = id, item = item, deliveries = n, failedAt = now, consumer = me,
      reason = 'the consumer closed while its handler was still running',
    }))
    return
  end
  if n > 0 then redis.call('HSET', deliveries, id, n) end
  redis.call('RPUSH', main, item)
end

local final = ARGV[2] == '1'

-- Pushed newest first, so that the oldest ends up rightmost: next to be taken. The landing list holds
-- what a blocking wait moved out last (the newest).
if final then
  local landed = redis.call('LRANGE', landing, 0, -1)
  for i = 1, #landed do redis.call('RPUSH', main, landed[i]) end
  given = given + #landed
end

for i = #ARGV - 1, 4, -2 do
  local id = ARGV[i]
  local item = redis.call('HGET', inflight, id)
  if item then
    redis.call('HDEL', inflight, id)
    giveBack(id, item, tonumber(ARGV[i + 1]))
  end
end

if final then
  local held = redis.call('HGETALL', inflight)
  for i = 1, #held, 2 do
    giveBack(held[i], held[i + 1], (tonumber(redis.call('HGET', deliveries, held[i])) or 0) + 1)
  end
  redis.call('DEL', inflight, landing)
  redis.call('ZREM', consumers, me)
end
return given
