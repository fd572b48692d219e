-- Whether a key holds an entry (a waiting marker is not one). Reads the length, not the value.
-- KEYS[1]: the value key
-- ARGV[1]: the waiting marker
-- Reply: 1 or 0
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then
  return 0
end
if kind == 'string'
  and redis.call('STRLEN', KEYS[1]) == #ARGV[1]
  and redis.call('GET', KEYS[1]) == ARGV[1] then
  return 0
end
return 1
