-- The stream's deletion state, for telling whether unread entries were deleted (trimmed or XDEL'd)
-- before a reader got to them; with a cursor, also the entries after it, read in the same atomic
-- step (for the rare case where a plain XREAD followed by a look at the state cannot tell).
-- KEYS[1]  the stream
-- ARGV[1]  optional cursor: entries after this id are read
-- ARGV[2]  with a cursor, most entries to read
-- Reply:   { entries (as XRANGE) | false without a cursor, max-deleted-entry-id,
--            first entry id | false, last-generated-id, entries-added, length }
--          (the last five false when the stream does not exist)
local entries = false
if ARGV[1] then
  entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
end
local ok, info = pcall(redis.call, 'XINFO', 'STREAM', KEYS[1])
if not ok then
  return { entries, false, false, false, false, false }
end
local deleted, first, last, added, length = false, false, false, false, false
for i = 1, #info, 2 do
  local field = info[i]
  if field == 'max-deleted-entry-id' then
    deleted = info[i + 1]
  elseif field == 'first-entry' then
    if info[i + 1] then first = info[i + 1][1] end
  elseif field == 'last-generated-id' then
    last = info[i + 1]
  elseif field == 'entries-added' then
    added = info[i + 1]
  elseif field == 'length' then
    length = info[i + 1]
  end
end
return { entries, deleted, first, last, added, length }
