-- Writes one entry and publishes it in the same atomic step, so that every subscriber of the cache's
-- channel hears of it (a reader that starts waiting just after this write then finds it among the
-- values it was told about). Used instead of a plain SET ... GET while this writer has recently met
-- waiters: one round trip wakes them, rather than SET ... GET then PUBLISH. PUBLISH to a channel
-- nobody listens on costs Redis no more than asking whether anyone does.
-- KEYS[1]: the value key
-- ARGV[1]: the waiting marker
-- ARGV[2]: the cache's channel
-- ARGV[3]: the stored entry
-- ARGV[4]: time to live in ms, or '' for none
-- ARGV[5]: the head of the message
-- ARGV[6]: '1' to publish the entry with the message (text codecs), '0' for the head alone
-- Reply: 1 if a reader awaited the key, else 0
local previous
if ARGV[4] == '' then
  previous = redis.call('SET', KEYS[1], ARGV[3], 'GET')
else
  previous = redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4], 'GET')
end
if ARGV[6] == '1' then
  redis.call('PUBLISH', ARGV[2], ARGV[5] .. ARGV[3])
else
  redis.call('PUBLISH', ARGV[2], ARGV[5])
end
if previous == ARGV[1] then
  return 1
end
return 0
