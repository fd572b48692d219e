-- After a gap, corrects a consumer group's logical read counter (Redis counts one per delivered
-- entry and does not see entries trimmed before delivery), so later gaps are measured right. Only
-- if the group has not moved since this consumer read (compare-and-set).
-- KEYS[1]  the stream
-- ARGV[1]  group name
-- ARGV[2]  the group's last-delivered-id as this consumer left it
-- ARGV[3]  the correct entries-read value at that id
-- Reply:   1 when corrected, 0 when the group had moved on (or is gone)
--- @include "includes/group-position.lua"
if groupPosition(KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], ARGV[2], 'ENTRIESREAD', ARGV[3])
return 1
