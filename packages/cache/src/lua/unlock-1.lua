-- Releases a getOrSet lock if this caller still holds it, and optionally tells the waiters, so that
-- one of them takes over at once instead of waiting for the lock to expire.
-- KEYS[1]: the lock key
-- ARGV[1]: this caller's lock token
-- ARGV[2]: the cache's channel
-- ARGV[3]: the message to publish once released, or '' for none
-- Reply: 1 if released, 0 if the lock had expired or belongs to someone else
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
if ARGV[3] ~= '' then
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return 1
