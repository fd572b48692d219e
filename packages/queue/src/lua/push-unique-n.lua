--[[
  Pushes tasks with caller-given ids, each at most once within the dedupe window: a marker key per id
  (SET NX PX) decides, so a producer that retries after an ambiguous failure adds no duplicate. The
  window runs from the push that set the marker, whatever happens to the task afterwards.

  KEYS[1] main        list of waiting tasks
  KEYS[1 + i]         the dedupe marker of the i-th task

  ARGV[1] dedupe window in ms
  ARGV[1 + i] the i-th item

  Reply: array with 1 (pushed) or 0 (duplicate, not pushed) for each item
]]
local pushed, items = {}, {}
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[1]) then
    items[#items + 1] = ARGV[i]
    pushed[#pushed + 1] = 1
  else
    pushed[#pushed + 1] = 0
  end
end
if #items > 0 then redis.call('LPUSH', KEYS[1], unpack(items)) end
return pushed
