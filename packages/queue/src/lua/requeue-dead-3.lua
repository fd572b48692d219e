--[[
  Moves dead-lettered tasks back to the queue (at the back, like new tasks), oldest first, and
  forgets their delivery counts.

  KEYS[1] dead        dead-letter list (newest at the left)
  KEYS[2] main        list of waiting tasks
  KEYS[3] deliveries  hash task id -> deliveries so far

  ARGV[1] most records to move

  Reply: { moved, skipped } (skipped: records that were not ours and were left in place)
]]
local dead, main, deliveries = KEYS[1], KEYS[2], KEYS[3]
local limit = tonumber(ARGV[1])
local moved, skipped = 0, 0
local total = redis.call('LLEN', dead)
while moved < limit and moved + skipped < total do
  local record = redis.call('RPOP', dead)
  if not record then break end
  local ok, letter = pcall(cjson.decode, record)
  if ok and type(letter) == 'table' and type(letter.item) == 'string' then
    redis.call('LPUSH', main, letter.item)
    if type(letter.id) == 'string' then redis.call('HDEL', deliveries, letter.id) end
    moved = moved + 1
  else
    redis.call('LPUSH', dead, record)
    skipped = skipped + 1
  end
end
return { moved, skipped }
