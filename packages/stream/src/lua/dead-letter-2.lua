-- Moves one entry of a consumer group to the dead-letter stream and acknowledges it, atomically, so
-- it is neither lost nor left pending.
-- KEYS[1]  the stream
-- KEYS[2]  the dead-letter stream
-- ARGV[1]  group name
-- ARGV[2]  entry id
-- ARGV[3]  consumer name
-- ARGV[4]  deliveries so far
-- ARGV[5]  reason ('decode', 'failed', ...)
-- ARGV[6]  error message
-- ARGV[7]  MAXLEN ~ of the dead-letter stream (0: no limit)
-- Reply:   the dead-letter entry's id, or false when the entry was no longer pending
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return false
end
local fields = {}
local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if found[1] then
  for _, value in ipairs(found[1][2]) do fields[#fields + 1] = value end
end
fields[#fields + 1] = 'source-id'
fields[#fields + 1] = ARGV[2]
fields[#fields + 1] = 'group'
fields[#fields + 1] = ARGV[1]
fields[#fields + 1] = 'consumer'
fields[#fields + 1] = ARGV[3]
fields[#fields + 1] = 'deliveries'
fields[#fields + 1] = ARGV[4]
fields[#fields + 1] = 'reason'
fields[#fields + 1] = ARGV[5]
fields[#fields + 1] = 'error'
fields[#fields + 1] = ARGV[6]
local maxLen = tonumber(ARGV[7])
if maxLen > 0 then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxLen, '*', unpack(fields))
end
return redis.call('XADD', KEYS[2], '*', unpack(fields))
