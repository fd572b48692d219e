--[[
  Stores one batch of a reader's settlements that a plain HDEL cannot: acks of tasks delivered before
  (their delivery count is forgotten, but only while the reader still held them, so a late ack never
  resets the count of a later delivery), the started mark, and the read outcomes of nacks.

  KEYS[1] inflight    hash of this reader: token -> item (see includes/held-tasks.lua)
  KEYS[2] deliveries  hash task id -> deliveries so far

  ARGV[1] started mark: every delivery with a token up to it has started; '' = unchanged
  ARGV[2] k, the number of first deliveries acked
  ARGV[3 .. 2 + k] their tokens
  ARGV[3 + k] m, the number of repeated deliveries acked
  then m pairs: token, task id
  then the tokens whose nack outcome the reader has read

  Reply: { firstDeliveriesRemoved, held1, …, heldM } (held = 1 when the repeated delivery was still ours)
]]
--- @include "includes/held-tasks.lua"

local inflight, deliveries = KEYS[1], KEYS[2]
local mark = tonumber(ARGV[1])
local k = tonumber(ARGV[2])
local m = tonumber(ARGV[3 + k])

-- Only while the hash exists: a reader whose tasks were reclaimed must not leave a stray hash.
if mark and redis.call('EXISTS', inflight) == 1 then
  local current = tonumber(redis.call('HGET', inflight, STARTED_MARK)) or 0
  -- A batch retried after a transient failure may carry an older mark than one stored since.
  if mark > current then redis.call('HSET', inflight, STARTED_MARK, mark) end
end

local out = { 0 }
if k > 0 then out[1] = redis.call('HDEL', inflight, unpack(ARGV, 3, 2 + k)) end
local at = 4 + k
for _ = 1, m do
  local held = redis.call('HDEL', inflight, ARGV[at])
  if held == 1 then redis.call('HDEL', deliveries, ARGV[at + 1]) end
  out[#out + 1] = held
  at = at + 2
end
for i = at, #ARGV do redis.call('HDEL', inflight, '~' .. ARGV[i]) end
return out
