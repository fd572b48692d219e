-- Moves a consumer group past entries that were deleted before the group read them, when nothing
-- after its position is left in the stream. Compare-and-set: only if no other consumer has moved
-- the group since this one looked, so exactly one consumer reports the gap.
-- KEYS[1]  the stream
-- ARGV[1]  group name
-- ARGV[2]  the group's last-delivered-id as this consumer saw it
-- Reply:   { new last-delivered-id, entries-added } when the group was moved, false otherwise
--- @include "includes/group-position.lua"
--- @include "includes/stream-state.lua"
-- Orders two ids: true when a > b. Decimal strings compare by length first, then as text.
local function after(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if am ~= bm then
    if #am ~= #bm then return #am > #bm end
    return am > bm
  end
  if #as ~= #bs then return #as > #bs end
  return as > bs
end
if groupPosition(KEYS[1], ARGV[1]) ~= ARGV[2] then
  return false
end
if #redis.call('XRANGE', KEYS[1], '(' .. ARGV[2], '+', 'COUNT', 1) > 0 then
  return false
end
local state = streamState(KEYS[1])
if not state then
  return false
end
local lastGenerated, added = state[3], state[4]
if not after(lastGenerated, ARGV[2]) then
  return false
end
redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], lastGenerated, 'ENTRIESREAD', added)
return { lastGenerated, added }
