-- Claims a consumer group's entries whose consumer has been silent for too long (XAUTOCLAIM), and
-- sends those started too often to the dead-letter stream instead (then acknowledges them).
-- An entry's deliveries are the times it reached a handler, as the group's start marks record them,
-- not the times Redis handed it out: the entries a crashed consumer had fetched and never started
-- are not counted, so a crash loop counts only the event that crashes. The count is written back as
-- the entry's delivery count, so XPENDING agrees with what the consumer is told. A mark ending in
-- '?' was left by a start that never reached a verdict (the consumer died, or stalled, while the
-- handler ran): that entry is a suspect, to be run alone.
-- KEYS[1]  the stream
-- KEYS[2]  the dead-letter stream
-- KEYS[3]  the group's start marks (hash: entry id -> times it reached a handler, '?' while one runs)
-- ARGV[1]  group name
-- ARGV[2]  consumer name (the new owner)
-- ARGV[3]  min idle time in ms
-- ARGV[4]  XAUTOCLAIM start cursor
-- ARGV[5]  most entries to claim
-- ARGV[6]  max deliveries (0: no limit)
-- ARGV[7]  MAXLEN ~ of the dead-letter stream (0: no limit)
-- Reply:   { next cursor,
--            { { id, fields, deliveries (this one included), suspect (1 or 0) }... },
--            { { dead-lettered id, dead-letter id, times started, last owner }... },
--            { ids deleted from the stream while pending } }
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
  local mark = redis.call('HGET', KEYS[3], id)
  local started, suspect = 0, 0
  if mark then
    started = tonumber(string.match(mark, '^%d+')) or 0
    if string.sub(mark, -1) == '?' then suspect = 1 end
  end
  if maxDeliveries > 0 and started >= maxDeliveries then
    local owner = owners[id] or ARGV[2]
    local deadId = addDeadLetter(KEYS[2], ARGV[7], entry[2], id, ARGV[1], owner, started,
      'max-deliveries', 'delivered ' .. tostring(started) .. ' times without an acknowledgement')
    redis.call('XACK', KEYS[1], ARGV[1], id)
    redis.call('HDEL', KEYS[3], id)
    dead[#dead + 1] = { id, deadId, started, owner }
  else
    local deliveries = started + 1
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'RETRYCOUNT', deliveries, 'JUSTID')
    keep[#keep + 1] = { id, entry[2], deliveries, suspect }
  end
end
local deleted = claimed[3] or {}
if #deleted > 0 then redis.call('HDEL', KEYS[3], unpack(deleted)) end
return { claimed[1], keep, dead, deleted }
