-- The task id of a stored item: its `uuid` when it starts as the envelope we (and serde_json) write,
-- else '#' and the item's SHA-1 (an undecodable item still gets a stable id).
local function taskIdOf(item)
  return string.match(item, '^{"uuid":"([^"\\]+)"') or ('#' .. redis.sha1hex(item))
end
