--[[
  Stores one batch of a reader's settlements that a plain HDEL cannot: acks of tasks delivered before
  (their delivery count is forgotten, but only while the reader still held them, so a late ack never
  resets the count of a later delivery; a suspect's flag goes with it), the started marks, and the read
  outcomes of nacks.

  KEYS[1] inflight    hash of this reader: token -> item (see includes/held-tasks.lua)
  KEYS[2] deliveries  hash task id -> deliveries so far

  ARGV[1] exact started mark: every delivery with a token up to it has started; '' = unchanged
  ARGV[2] tentative mark (a burst of quick handlers, see includes/held-tasks.lua); '' = unchanged
  ARGV[3] k, the number of first deliveries acked
  ARGV[4 .. 3 + k] their tokens
  ARGV[4 + k] m, the number of repeated deliveries (or suspects) acked
  then m pairs: token, task id
  then the tokens whose nack outcome the reader has read

  Reply: { firstDeliveriesRemoved, held1, …, heldM } (held = 1 when the repeated delivery was still ours)
]]
--- @include "includes/held-tasks.lua"
--- @include "includes/suspect.lua"

local inflight, deliveries = KEYS[1], KEYS[2]
local k = tonumber(ARGV[3])
local m = tonumber(ARGV[4 + k])

-- Only while the hash exists: a reader whose tasks were reclaimed must not leave a stray hash.
local function raise(field, value)
  local mark = tonumber(value)
  if not mark or redis.call('EXISTS', inflight) == 0 then return end
  -- A batch retried after a transient failure may carry an older mark than one stored since.
  if mark > (tonumber(redis.call('HGET', inflight, field)) or 0) then redis.call('HSET', inflight, field, mark) end
end
raise(STARTED_MARK, ARGV[1])
raise(TENTATIVE_MARK, ARGV[2])

local out = { 0 }
if k > 0 then out[1] = redis.call('HDEL', inflight, unpack(ARGV, 4, 3 + k)) end
local at = 5 + k
for _ = 1, m do
  local held = redis.call('HDEL', inflight, ARGV[at])
  if held == 1 then redis.call('HDEL', deliveries, ARGV[at + 1], suspectField(ARGV[at + 1])) end
  out[#out + 1] = held
  at = at + 2
end
for i = at, #ARGV do redis.call('HDEL', inflight, '~' .. ARGV[i]) end
return out
