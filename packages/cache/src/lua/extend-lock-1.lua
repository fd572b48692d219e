-- Extends a getOrSet lock while its loader is still running, if this caller still holds it.
-- KEYS[1]: the lock key
-- ARGV[1]: this caller's lock token
-- ARGV[2]: new duration in ms
-- Reply: 1 if extended, 0 if the lock was lost
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
