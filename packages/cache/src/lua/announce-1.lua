-- Announces a write that met a waiting marker, as the step after its SET ... GET. The key may have
-- changed in between (deleted, overwritten, by any process): the value goes with the message only
-- while the key still holds it. Otherwise the waiters are told to read the key themselves, so that a
-- removed value is never handed out, nor remembered for later waits (see RecallMemory).
-- KEYS[1]: the value key
-- ARGV[1]: the cache's channel
-- ARGV[2]: the stored entry
-- ARGV[3]: the head of the message with the value (the entry follows it)
-- ARGV[4]: the message that tells waiters to read the key
-- Reply: 1 if the value went with the message, else 0
if redis.call('GET', KEYS[1]) == ARGV[2] then
  redis.call('PUBLISH', ARGV[1], ARGV[3] .. ARGV[2])
  return 1
end
redis.call('PUBLISH', ARGV[1], ARGV[4])
return 0
