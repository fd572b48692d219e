-- The stream's deletion state from XINFO STREAM: { max-deleted-entry-id, first entry id | false,
-- last-generated-id, entries-added, length }, or false when the stream does not exist.
local function streamState(key)
  local ok, info = pcall(redis.call, 'XINFO', 'STREAM', key)
  if not ok then
    return false
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
end
