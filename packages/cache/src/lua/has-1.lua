-- Whether a key holds an entry (a waiting marker is not one). Reads the length, not the value.
-- KEYS[1]: the value key
-- ARGV[1]: the waiting marker
-- Reply: 1 or 0
--- @include "includes/holds-marker.lua"
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' or holdsMarker(KEYS[1], kind, ARGV[1]) then
  return 0
end
return 1
