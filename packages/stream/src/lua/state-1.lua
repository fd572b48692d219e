-- The stream's deletion state, for telling whether unread entries were deleted (trimmed or XDEL'd)
-- before a reader got to them; with a cursor, also the entries after it, read in the same atomic
-- step (for the rare case where a plain XREAD followed by a look at the state cannot tell).
-- KEYS[1]  the stream
-- ARGV[1]  optional cursor: entries after this id are read
-- ARGV[2]  with a cursor, most entries to read
-- Reply:   { entries (as XRANGE) | false without a cursor, max-deleted-entry-id,
--            first entry id | false, last-generated-id, entries-added, length }
--          (the last five false when the stream does not exist)
--- @include "includes/stream-state.lua"
local entries = false
if ARGV[1] then
  entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
end
local state = streamState(KEYS[1])
if not state then
  return { entries, false, false, false, false, false }
end
return { entries, state[1], state[2], state[3], state[4], state[5] }
