--[[
  Returns the tasks of readers whose lease has expired to the head of the queue, in the order they
  were taken. A delivery that had started (its token is at most the reader's exact started mark)
  counts as a delivery, and goes to the dead-letter list once the task has been delivered
  maxDeliveries times; one that was only buffered goes back uncounted; one marked only tentatively (a
  burst of quick handlers) goes back uncounted as a suspect (includes/suspect.lua). A reader renewed
  since it was named is left alone.

  KEYS[1] consumers   zset consumer -> lease expiry (ms)
  KEYS[2] main        list of waiting tasks
  KEYS[3] deliveries  hash task id -> deliveries so far
  KEYS[4] dead        dead-letter list
  KEYS[3 + 2i]        in-flight hash of the i-th expired reader
  KEYS[4 + 2i]        landing list of the i-th expired reader

  ARGV[1] maxDeliveries
  ARGV[1 + i] consumer id of the i-th expired reader

  Reply: { requeued, deadLettered, deadLetteredId1, deadLetteredDeliveries1, … }
]]
--- @include "includes/now-ms.lua"
--- @include "includes/task-id.lua"
--- @include "includes/dead-letter.lua"
--- @include "includes/held-tasks.lua"
--- @include "includes/give-back.lua"

local consumers, main, deliveries, dead = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local maxDeliveries = tonumber(ARGV[1])
local now = nowMs()
local reason = 'lease expired: the consumer stopped renewing it (crashed, hung or cut off)'
local out = { 0, 0 }

for i = 1, #ARGV - 1 do
  local consumer = ARGV[1 + i]
  local inflight, landing = KEYS[3 + 2 * i], KEYS[4 + 2 * i]
  local expiry = tonumber(redis.call('ZSCORE', consumers, consumer))
  if expiry and expiry <= now then
    -- What its blocking wait moved out last (never leased): the newest, so pushed first.
    local landed = redis.call('LRANGE', landing, 0, -1)
    for j = 1, #landed do redis.call('RPUSH', main, landed[j]) end
    out[1] = out[1] + #landed
    local held, mark, tentative = heldTasks(inflight)
    for j = #held, 1, -1 do
      local seq, item = held[j][1], held[j][3]
      local id = taskIdOf(item)
      local n = 0
      if seq <= mark then n = (tonumber(redis.call('HGET', deliveries, id)) or 0) + 1 end
      local suspect = seq > mark and seq <= tentative
      if giveBack(main, deliveries, dead, id, item, n, suspect, maxDeliveries, now, consumer, reason) then
        out[2] = out[2] + 1
        out[#out + 1] = id
        out[#out + 1] = n
      else
        out[1] = out[1] + 1
      end
    end
    redis.call('DEL', inflight, landing)
    redis.call('ZREM', consumers, consumer)
  end
end
return out
