--[[
  Renews one reader's lease and returns the tasks of readers whose lease expired to the queue (or to
  the dead-letter list once they have been delivered maxDeliveries times). Also promotes due delayed
  retries. Run by every live at-least-once reader on its one timer: no separate daemon.

  KEYS[1] consumers   zset consumer -> lease expiry (ms)
  KEYS[2] main        list of waiting tasks
  KEYS[3] deliveries  hash task id -> deliveries so far
  KEYS[4] delayed     zset item -> due time (ms)
  KEYS[5] dead        dead-letter list

  ARGV[1] consumer id
  ARGV[2] lease in ms
  ARGV[3] maxDeliveries
  ARGV[4] prefix of the in-flight hashes (consumer id appended)
  ARGV[5] prefix of the landing lists (consumer id appended)
  ARGV[6] '1' to reclaim expired readers, '0' to only renew

  Reply: { newlyRegistered, requeued, deadLettered, nextDueMs }
    newlyRegistered = 1 when this reader was missing (its lease had been reclaimed)
    nextDueMs = ms until the earliest delayed retry is due, -1 when none
]]
local consumers, main, deliveries, delayed, dead = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local me = ARGV[1]
local leaseMs = tonumber(ARGV[2])
local maxDeliveries = tonumber(ARGV[3])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function idOf(item)
  return string.match(item, '^{"uuid":"([^"\\]+)"') or ('#' .. redis.sha1hex(item))
end

local registered = redis.call('ZADD', consumers, now + leaseMs, me)
local requeued, deadLettered = 0, 0

local function giveBack(id, item, consumer)
  local n = (tonumber(redis.call('HGET', deliveries, id)) or 0) + 1
  if n >= maxDeliveries then
    redis.call('HDEL', deliveries, id)
    redis.call('LPUSH', dead, cjson.encode({
      id = id, item = item, deliveries = n, failedAt = now, consumer = consumer,
      reason = 'lease expired: the consumer stopped renewing it (crashed, hung or cut off)',
    }))
    deadLettered = deadLettered + 1
  else
    redis.call('HSET', deliveries, id, n)
    redis.call('RPUSH', main, item)
    requeued = requeued + 1
  end
end

if ARGV[6] == '1' then
  local expired = redis.call('ZRANGEBYSCORE', consumers, '-inf', now, 'LIMIT', 0, 16)
  for _, consumer in ipairs(expired) do
    if consumer ~= me then
      local inflight = ARGV[4] .. consumer
      local landing = ARGV[5] .. consumer
      local held = redis.call('HGETALL', inflight)
      for i = 1, #held, 2 do giveBack(held[i], held[i + 1], consumer) end
      local landed = redis.call('LRANGE', landing, 0, -1)
      for i = #landed, 1, -1 do giveBack(idOf(landed[i]), landed[i], consumer) end
      redis.call('DEL', inflight, landing)
      redis.call('ZREM', consumers, consumer)
    end
  end
end

local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)
if #due > 0 then
  redis.call('ZREM', delayed, unpack(due))
  for i = #due, 1, -1 do redis.call('RPUSH', main, due[i]) end
end

local nextDue = -1
local first = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
if #first > 0 then nextDue = math.max(0, tonumber(first[2]) - now) end
return { registered, requeued, deadLettered, nextDue }
