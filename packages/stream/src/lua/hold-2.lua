-- Claims entries this consumer holds (to refresh their idle time, or to give them back idle) with
-- XCLAIM, after taking out those deleted from the stream meanwhile: XCLAIM would drop them from the
-- pending list without a word, so here they are acknowledged and named in the reply instead.
-- KEYS[1]  the stream
-- KEYS[2]  the group's start marks (a deleted entry's is removed)
-- ARGV[1]  group name
-- ARGV[2]  consumer name
-- ARGV[3]  min idle time in ms: an entry idle for less (another consumer's by now) is left alone
-- ARGV[4]  idle time to set in ms ('': zero, a refresh)
-- ARGV[5]  delivery count to set ('': unchanged)
-- ARGV[6…] entry ids
-- Reply:   { { ids claimed }, { ids this consumer held that were deleted from the stream } }
local live, deleted = {}, {}
for i = 6, #ARGV do
  local id = ARGV[i]
  if redis.call('XRANGE', KEYS[1], id, id)[1] then
    live[#live + 1] = id
  else
    -- Reported by whoever holds it: another consumer's is left to that consumer.
    local held = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)[1]
    if held and held[2] == ARGV[2] then
      redis.call('XACK', KEYS[1], ARGV[1], id)
      redis.call('HDEL', KEYS[2], id)
      deleted[#deleted + 1] = id
    end
  end
end
if #live == 0 then
  return { {}, deleted }
end
local args = { 'XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3] }
for _, id in ipairs(live) do
  args[#args + 1] = id
end
if ARGV[4] ~= '' then
  args[#args + 1] = 'IDLE'
  args[#args + 1] = ARGV[4]
end
if ARGV[5] ~= '' then
  args[#args + 1] = 'RETRYCOUNT'
  args[#args + 1] = ARGV[5]
end
args[#args + 1] = 'JUSTID'
return { redis.call(unpack(args)), deleted }
