-- What a reader needs to know, besides the entries it read, to tell whether unread entries were
-- deleted (trimmed or XDEL'd) before it got to them.
-- KEYS[1]  the stream
-- Reply:   { max-deleted-entry-id, first entry id | false, last-generated-id, entries-added, length }
--          (all false when the stream does not exist)
local ok, info = pcall(redis.call, 'XINFO', 'STREAM', KEYS[1])
if not ok then
  return { false, false, false, false, false }
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
return { deleted, first, last, added, length }
