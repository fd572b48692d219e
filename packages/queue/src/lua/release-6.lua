--[[
  Gives back deliveries a reader holds, to the head of the queue in the order they were taken, so that
  others take them at once instead of waiting for the lease to expire. With final = '1' (the reader is
  closing) it also gives back everything else left in its in-flight hash and landing list and removes
  the reader from `consumers`.

  KEYS[1] main        list of waiting tasks
  KEYS[2] consumers   zset consumer -> lease expiry
  KEYS[3] inflight    hash of this reader: token -> item (see includes/held-tasks.lua)
  KEYS[4] landing     list of this reader
  KEYS[5] deliveries  hash task id -> deliveries so far
  KEYS[6] dead        dead-letter list

  ARGV[1] consumer id
  ARGV[2] '1' = final (the reader is closing)
  ARGV[3] maxDeliveries
  ARGV[4..] pairs: token, deliveries to record (0 = never handed to a handler: not counted)
            Deliveries left in the hash but not listed (final only) count when they had started
            (exact mark), and go back as suspects when marked only tentatively.

  Reply: number of deliveries given back (requeued or dead-lettered)
]]
--- @include "includes/now-ms.lua"
--- @include "includes/task-id.lua"
--- @include "includes/dead-letter.lua"
--- @include "includes/held-tasks.lua"
--- @include "includes/give-back.lua"

local main, consumers, inflight, landing, deliveries, dead = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local me = ARGV[1]
local final = ARGV[2] == '1'
local maxDeliveries = tonumber(ARGV[3])
local now = nowMs()
local reason = 'the consumer closed while its handler was still running'
local given = 0

local listed = {}
for i = 4, #ARGV - 1, 2 do listed[ARGV[i]] = tonumber(ARGV[i + 1]) end

-- { seq, token, item, n, suspect }, oldest first.
local back = {}
if final then
  local held, mark, tentative = heldTasks(inflight)
  for _, task in ipairs(held) do
    local n = listed[task[2]]
    local suspect = false
    if n == nil then
      n = 0
      if task[1] <= mark then n = (tonumber(redis.call('HGET', deliveries, taskIdOf(task[3]))) or 0) + 1 end
      suspect = task[1] > mark and task[1] <= tentative
    end
    back[#back + 1] = { task[1], task[2], task[3], n, suspect }
  end
  -- What its blocking wait moved out last: the newest, so pushed first.
  local landed = redis.call('LRANGE', landing, 0, -1)
  for i = 1, #landed do redis.call('RPUSH', main, landed[i]) end
  given = given + #landed
else
  for token, n in pairs(listed) do
    local item = redis.call('HGET', inflight, token)
    if item then back[#back + 1] = { tonumber(token), token, item, n, false } end
  end
  table.sort(back, function(a, b) return a[1] < b[1] end)
end

for i = #back, 1, -1 do
  local task = back[i]
  if not final then redis.call('HDEL', inflight, task[2]) end
  giveBack(main, deliveries, dead, taskIdOf(task[3]), task[3], task[4], task[5], maxDeliveries, now, me, reason)
  given = given + 1
end

if final then
  redis.call('DEL', inflight, landing)
  redis.call('ZREM', consumers, me)
end
return given
