-- One step of getOrSet's single flight: return the value if there is one, else take the loader's
-- lock if it is free, else mark the key as awaited (so the loader's write is announced) and say how
-- long the lock still runs.
-- KEYS[1]: the value key
-- KEYS[2]: the lock key
-- ARGV[1]: the waiting marker
-- ARGV[2]: this caller's lock token
-- ARGV[3]: lock duration in ms
-- ARGV[4]: how long the waiting marker must live, in ms
-- Reply: {1, value} | {2} (the lock is ours) | {3, ms left on the lock}
local value = redis.call('GET', KEYS[1])
if value and value ~= ARGV[1] then
  return {1, value}
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  return {2}
end
local ttl = tonumber(ARGV[4])
if not value then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
elseif redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {3, redis.call('PTTL', KEYS[2])}
