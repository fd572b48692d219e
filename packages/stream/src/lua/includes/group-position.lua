-- The record of consumer group `group` on stream `key`: { last-delivered-id, entries-read or
-- false }; nil when the group does not exist, false when the stream does not.
local function groupRecord(key, group)
  local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', key)
  if not ok then
    return false
  end
  for _, record in ipairs(groups) do
    local name, last, read = nil, nil, false
    for i = 1, #record, 2 do
      local field = record[i]
      if field == 'name' then
        name = record[i + 1]
      elseif field == 'last-delivered-id' then
        last = record[i + 1]
      elseif field == 'entries-read' then
        read = record[i + 1]
      end
    end
    if name == group then
      return { last, read }
    end
  end
  return nil
end

-- The last-delivered-id of consumer group `group` on stream `key`, or nil when there is none.
local function groupPosition(key, group)
  local record = groupRecord(key, group)
  if record then
    return record[1]
  end
  return nil
end
