-- Moves one entry of a consumer group to the dead-letter stream and acknowledges it, atomically, so
-- it is neither lost nor left pending.
-- KEYS[1]  the stream
-- KEYS[2]  the dead-letter stream
-- KEYS[3]  the group's start marks (the entry's is removed)
-- ARGV[1]  group name
-- ARGV[2]  entry id
-- ARGV[3]  consumer name
-- ARGV[4]  deliveries so far
-- ARGV[5]  reason ('decode', 'failed', ...)
-- ARGV[6]  error message
-- ARGV[7]  MAXLEN ~ of the dead-letter stream (0: no limit)
-- Reply:   the dead-letter entry's id, or false when the entry was no longer pending
--- @include "includes/dead-letter-record.lua"
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return false
end
redis.call('HDEL', KEYS[3], ARGV[2])
local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
local fields = found[1] and found[1][2] or {}
return addDeadLetter(KEYS[2], ARGV[7], fields, ARGV[2], ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
