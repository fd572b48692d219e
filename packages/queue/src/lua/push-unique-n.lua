--[[
  Pushes tasks with caller-given ids, each at most once within the dedupe window: a marker key per
  id (SET NX PX) decides, so a producer that retries after an ambiguous failure adds no duplicate.

  KEYS[1] main        list of waiting tasks

  ARGV[1] dedupe window in ms
  ARGV[2] prefix of the marker keys (id appended)
  ARGV[3..] pairs: task id, item

  Reply: array with 1 (pushed) or 0 (duplicate, not pushed) for each pair
]]
local pushed, items = {}, {}
for i = 3, #ARGV, 2 do
  if redis.call('SET', ARGV[2] .. ARGV[i], '1', 'NX', 'PX', ARGV[1]) then
    items[#items + 1] = ARGV[i + 1]
    pushed[#pushed + 1] = 1
  else
    pushed[#pushed + 1] = 0
  end
end
if #items > 0 then redis.call('LPUSH', KEYS[1], unpack(items)) end
return pushed
