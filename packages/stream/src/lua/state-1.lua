-- The entries after a cursor and the stream's deletion state, read in one atomic step: for the rare
-- read where a plain XREAD followed by a look at the state cannot tell whether unread entries were
-- deleted (trimmed or XDEL'd) before the reader got to them.
-- KEYS[1]  the stream
-- ARGV[1]  the cursor: entries after this id are read
-- ARGV[2]  most entries to read
-- Reply:   { entries (as XRANGE), max-deleted-entry-id, first entry id | false, last-generated-id,
--            entries-added, length } (the last five false when the stream does not exist)
--- @include "includes/stream-state.lua"
local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
local state = streamState(KEYS[1])
if not state then
  return { entries, false, false, false, false, false }
end
return { entries, state[1], state[2], state[3], state[4], state[5] }
