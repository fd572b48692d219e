-- Claims a consumer group's entries whose consumer has been silent for too long (XAUTOCLAIM), and
-- sends those delivered too often to the dead-letter stream instead (then acknowledges them).
-- KEYS[1]  the stream
-- KEYS[2]  the dead-letter stream
-- ARGV[1]  group name
-- ARGV[2]  consumer name (the new owner)
-- ARGV[3]  min idle time in ms
-- ARGV[4]  XAUTOCLAIM start cursor
-- ARGV[5]  most entries to claim
-- ARGV[6]  max deliveries (0: no limit)
-- ARGV[7]  MAXLEN ~ of the dead-letter stream (0: no limit)
-- Reply:   { next cursor, { { id, fields, deliveries }... }, { { dead-lettered id, dead-letter id,
--            deliveries, last owner }... }, { ids deleted from the stream while pending } }
--- @include "includes/dead-letter-record.lua"
-- Who held each idle entry, looked up before XAUTOCLAIM makes this consumer the owner: a dead letter
-- names the consumer that never acknowledged it.
local owners = {}
for _, held in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], ARGV[4], '+', ARGV[5])) do
  owners[held[1]] = held[2]
end
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local maxDeliveries = tonumber(ARGV[6])
local keep, dead = {}, {}
for _, entry in ipairs(claimed[2]) do
  local id = entry[1]
  local deliveries = 1
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
  if pending[1] then deliveries = tonumber(pending[1][4]) end
  if maxDeliveries > 0 and deliveries > maxDeliveries then
    local before = deliveries - 1
    local owner = owners[id] or ARGV[2]
    local deadId = addDeadLetter(KEYS[2], ARGV[7], entry[2], id, ARGV[1], owner, before,
      'max-deliveries', 'delivered ' .. tostring(before) .. ' times without an acknowledgement')
    redis.call('XACK', KEYS[1], ARGV[1], id)
    dead[#dead + 1] = { id, deadId, before, owner }
  else
    keep[#keep + 1] = { id, entry[2], deliveries }
  end
end
return { claimed[1], keep, dead, claimed[3] or {} }
