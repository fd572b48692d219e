-- Deletes entries but leaves waiting markers alone: removing a marker would let the next write go
-- unannounced to the readers waiting for it. Tells listeners that entries were removed, so that none
-- of them answers a wait with a value it was told about before.
-- KEYS: the value keys (any number, all of one cache)
-- ARGV[1]: the waiting marker
-- ARGV[2]: the cache's channel
-- ARGV[3]: the message announcing a removal
-- Reply: how many entries were deleted
--- @include "includes/holds-marker.lua"
local marker = ARGV[1]
local removed = 0
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key).ok
  if kind ~= 'none' and not holdsMarker(key, kind, marker) then
    redis.call('UNLINK', key)
    removed = removed + 1
  end
end
-- Announced whether or not anyone listens: a PUBLISH that reaches nobody costs no more than asking
-- (and on a cluster it runs as SPUBLISH, whose subscribers PUBSUB NUMSUB would not count).
if removed > 0 then
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return removed
