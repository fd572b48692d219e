--[[
  Takes up to `count` waiting tasks for one reader and, in at-least-once mode, leases them to it: each
  delivery gets its own token (the reader's sequence numbers firstSeq, firstSeq + 1, …) and is
  recorded in the reader's in-flight hash under that token. Also promotes due delayed retries to the
  head of the queue first.

  KEYS[1] main        list of waiting tasks (pop from the right)
  KEYS[2] consumers   zset consumer -> lease expiry (ms)
  KEYS[3] inflight    hash of this reader: token -> item (see includes/held-tasks.lua)
  KEYS[4] landing     list of this reader: items its blocking wait moved out of main
  KEYS[5] deliveries  hash task id -> deliveries so far (only for tasks that came back)
  KEYS[6] delayed     zset item -> due time (ms)

  ARGV[1] consumer id
  ARGV[2] most tasks to take
  ARGV[3] lease in ms; 0 = at-most-once (no lease, no bookkeeping)
  ARGV[4] producer id whose tasks must be skipped (skipOwn), '' for none
  ARGV[5] most waiting items to look at past skipped ones
  ARGV[6] '1' = right after a blocking wait: take from main only if the landing list held something,
          and leave delayed retries to the lease timer (keeps the wake-up path short)
  ARGV[7] token of the first task taken (the reader's next sequence number)
  ARGV[8] '1' = mark every task taken as started, tentatively (its handlers run in a burst of quick
          ones, which would otherwise wait for a mark each round); '0' = the reader marks them as they
          start. See includes/held-tasks.lua.

  Reply: { status, nextDueMs, newlyRegistered, firstSeq, markedThrough, { item1, … }, { index, deliveries, … } }
    status 1 = tasks returned, 0 = nothing waiting, 2 = only skipped (own) tasks waiting
    nextDueMs = ms until the earliest delayed retry is due, -1 when none
    newlyRegistered = 1 when this reader was not in `consumers` (first take, or its lease was lost)
    task i has the token firstSeq + i - 1; markedThrough = the tentative mark stored, 0 when none
    the last table lists only the items that are not plain first deliveries, as pairs: the item's
    0-based index and its deliveries including this one, negative for a suspect (includes/suspect.lua).
    Every item not listed is a first delivery: the common case costs nothing per item.
]]
--- @include "includes/now-ms.lua"
--- @include "includes/task-id.lua"
--- @include "includes/held-tasks.lua"
--- @include "includes/suspect.lua"

local main, consumers, inflight, landing, deliveries, delayed =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local me = ARGV[1]
local count = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local own = ARGV[4]
local scanLimit = tonumber(ARGV[5])
local onlyIfLanded = ARGV[6] == '1'
local firstSeq = tonumber(ARGV[7])
local markTaken = ARGV[8] == '1'

local now = nowMs()

local function isOwn(item)
  return own ~= '' and string.match(item, '^{"uuid":"[^"\\]*","producer":"([^"\\]*)"') == own
end

-- Due retries go to the head, earliest first.
if not onlyIfLanded then
  local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)
  if #due > 0 then
    redis.call('ZREM', delayed, unpack(due))
    for i = #due, 1, -1 do redis.call('RPUSH', main, due[i]) end
  end
end

local taken = {}
-- The landing list holds what one blocking wait moved (the newest at the left): popped from the
-- right, oldest first, in one call that also empties it.
local landed = redis.call('RPOP', landing, 1000) or {}
if #landed > 0 then
  local back = {}
  for i = 1, #landed do
    if isOwn(landed[i]) then back[#back + 1] = landed[i] else taken[#taken + 1] = landed[i] end
  end
  -- Skipped items return to the head in their order.
  for i = #back, 1, -1 do redis.call('RPUSH', main, back[i]) end
end

if not onlyIfLanded or #landed > 0 then
  local want = count - #taken
  if want > 0 and own == '' then
    local popped = redis.call('RPOP', main, want)
    if popped then
      -- The common case (nothing landed) keeps RPOP's table as it is: no copy per item.
      if #taken == 0 then
        taken = popped
      else
        local n = #taken
        for i = 1, #popped do taken[n + i] = popped[i] end
      end
    end
  elseif want > 0 then
    -- Look past our own producer's items from the right; mark what we take, then remove the marks.
    local tomb = '\0ipc-taken\0' .. me
    local pos, scanned, marked = -1, 0, 0
    while want > 0 and scanned < scanLimit do
      local chunk = redis.call('LRANGE', main, pos - 99, pos)
      local n = #chunk
      if n == 0 then break end
      for i = n, 1, -1 do
        if not isOwn(chunk[i]) then
          redis.call('LSET', main, pos - (n - i), tomb)
          taken[#taken + 1] = chunk[i]
          marked = marked + 1
          want = want - 1
          if want == 0 then break end
        end
      end
      scanned = scanned + n
      if n < 100 then break end
      pos = pos - n
    end
    if marked > 0 then redis.call('LREM', main, -marked, tomb) end
  end
end

local registered = 0
if leaseMs > 0 then
  registered = redis.call('ZADD', consumers, now + leaseMs, me)
end

local out = { 1, -1, registered, firstSeq, 0, taken, {} }
local n = #taken
if n == 0 then
  out[1] = 0
  if own ~= '' and redis.call('LLEN', main) > 0 then out[1] = 2 end
  local first = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
  if #first > 0 then out[2] = math.max(0, tonumber(first[2]) - now) end
  return out
end

if leaseMs > 0 then
  -- Counts, then suspect flags: prev[i] and prev[n + i]. Only tasks that came back have either.
  if redis.call('HLEN', deliveries) > 0 then
    local fields = {}
    for i = 1, n do
      local id = taskIdOf(taken[i])
      fields[i] = id
      fields[n + i] = suspectField(id)
    end
    local prev = redis.call('HMGET', deliveries, unpack(fields))
    local repeats = out[7]
    for i = 1, n do
      local before = tonumber(prev[i])
      local suspect = prev[n + i]
      if before or suspect then
        local count = (before or 0) + 1
        if suspect then count = -count end
        repeats[#repeats + 1] = i - 1
        repeats[#repeats + 1] = count
      end
    end
  end
  -- Tokens go as numbers: no Lua string is made for them.
  local fields = {}
  for i = 1, n do
    fields[2 * i - 1] = firstSeq + i - 1
    fields[2 * i] = taken[i]
  end
  if markTaken then
    out[5] = firstSeq + n - 1
    fields[2 * n + 1] = TENTATIVE_MARK
    fields[2 * n + 2] = out[5]
  end
  redis.call('HSET', inflight, unpack(fields))
end
return out
