-- Raw mode (the Rust crate's layout): writes entries as fields of the cache's hash and announces
-- them to waiters. Per-field expiry needs HPEXPIRE (Redis 7.4); older servers refuse it, and the entry
-- then expires when read, from the "expiresAt" it carries.
-- KEYS[1]: the cache's hash
-- ARGV[1]: the cache's channel
-- ARGV[2]: time to live in ms, or '' for none
-- ARGV[3 + 3k], ARGV[4 + 3k], ARGV[5 + 3k]: field, stored entry, head of its message (k = 0, 1, ...)
-- Reply: the number of fields written
local channel, ttl = ARGV[1], ARGV[2]
-- Whether anyone listens is learnt from the first PUBLISH itself (its reply counts the receivers):
-- on a cluster it runs as SPUBLISH, whose subscribers PUBSUB NUMSUB would not count.
local listening = true
local written = 0
for i = 3, #ARGV, 3 do
  local field, entry = ARGV[i], ARGV[i + 1]
  redis.call('HSET', KEYS[1], field, entry)
  if ttl ~= '' then
    redis.pcall('HPEXPIRE', KEYS[1], ttl, 'FIELDS', 1, field)
  end
  if listening then
    listening = redis.call('PUBLISH', channel, ARGV[i + 2] .. entry) > 0
  end
  written = written + 1
end
return written
