-- Raw mode's getOrSet step: return the field's entry if it has a live one, else take the loader's
-- lock if it is free, else say how long the lock still runs.
-- KEYS[1]: the cache's hash
-- KEYS[2]: the lock key
-- ARGV[1]: the field
-- ARGV[2]: this caller's lock token
-- ARGV[3]: lock duration in ms
-- ARGV[4]: now, in unix ms (entries whose "expiresAt" is not later are treated as absent)
-- Reply: {1, entry} | {2} (the lock is ours) | {3, ms left on the lock}
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then
  local expires = string.match(value, '^{"timestamp":%d+,"expiresAt":(%d+),')
  if not expires or tonumber(expires) > tonumber(ARGV[4]) then
    return {1, value}
  end
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  return {2}
end
return {3, redis.call('PTTL', KEYS[2])}
