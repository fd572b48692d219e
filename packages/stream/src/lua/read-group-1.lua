-- One consumer's read of new entries (XREADGROUP '>') with what its gap check needs, atomically:
-- the group's position and read counter before the read, and the stream's state after it unless
-- the first entry read comes right after that position (nothing can be missing in between).
-- KEYS[1]  the stream
-- ARGV[1]  group name
-- ARGV[2]  consumer name
-- ARGV[3]  most entries to read
-- Reply:   { last-delivered-id before, entries-read before | false, entries | false,
--            state | false } with state as in stream-state.lua;
--          a NOGROUP error when the group (or the stream) does not exist
--- @include "includes/group-position.lua"
--- @include "includes/stream-state.lua"
-- True when id `b` comes right after id `a` (same millisecond, next sequence); false when unsure.
local function follows(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if am ~= bm or #as > 15 or #bs > 15 then
    return false
  end
  return tonumber(bs) == tonumber(as) + 1
end
local record = groupRecord(KEYS[1], ARGV[1])
if not record then
  return redis.error_reply('NOGROUP No such key or consumer group ' .. ARGV[1])
end
local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], '>')
local entries = false
if reply then
  entries = reply[1][2]
end
local state = false
if not entries or #entries == 0 or not follows(record[1], entries[1][1]) then
  state = streamState(KEYS[1])
end
return { record[1], record[2], entries, state }
