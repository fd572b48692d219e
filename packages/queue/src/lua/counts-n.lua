--[[
  Counts a queue's tasks by state. The in-flight hashes and landing lists of the readers are passed as
  keys (the caller reads `consumers` first), so the script touches only keys it was given.

  KEYS[1] main        list of waiting tasks
  KEYS[2] delayed     zset of retries waiting for their delay
  KEYS[3] dead        dead-letter list
  KEYS[2 + 2i]        in-flight hash of the i-th reader
  KEYS[3 + 2i]        landing list of the i-th reader

  Reply: { waiting, delayed, inFlight, dead }
]]
--- @include "includes/held-tasks.lua"

local inFlight = 0
for i = 4, #KEYS - 1, 2 do
  local held = redis.call('HLEN', KEYS[i])
  if held > 0 then
    -- Fields that are not deliveries: the started mark and nack outcomes not yet read (rare: scan).
    for _, field in ipairs(redis.call('HKEYS', KEYS[i])) do
      if not isToken(field) then held = held - 1 end
    end
  end
  inFlight = inFlight + held + redis.call('LLEN', KEYS[i + 1])
end
return { redis.call('LLEN', KEYS[1]), redis.call('ZCARD', KEYS[2]), inFlight, redis.call('LLEN', KEYS[3]) }
