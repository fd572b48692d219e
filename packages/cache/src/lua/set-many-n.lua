-- Writes several entries at once, each with its expiry, and announces them when readers await them
-- or anyone listens on the cache's channel. Every key is checked before anything is written, so a
-- wrong type leaves all keys untouched.
-- KEYS: the value keys (any number, all of one cache)
-- ARGV[1]: the waiting marker
-- ARGV[2]: the cache's channel
-- ARGV[3]: time to live in ms, or '' for none
-- ARGV[4]: '1' to publish each entry with its message (text codecs), '0' for the head alone
-- ARGV[3 + 2i], ARGV[4 + 2i]: the stored entry for KEYS[i] and the head of its message
-- Reply: the number of entries written
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key).ok
  if kind ~= 'none' and kind ~= 'string' then
    return redis.error_reply('WRONGTYPE ' .. key .. ' holds a ' .. kind .. ', not a cache entry')
  end
end
local marker, channel, ttl, withEntry = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1'
-- Whether anyone listens is learnt from a PUBLISH's reply (the receivers it reached): on a cluster
-- it runs as SPUBLISH, whose subscribers PUBSUB NUMSUB would not count.
local listening = true
for i, key in ipairs(KEYS) do
  local entry, head = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  local previous
  if ttl == '' then
    previous = redis.call('SET', key, entry, 'GET')
  else
    previous = redis.call('SET', key, entry, 'PX', ttl, 'GET')
  end
  if listening or previous == marker then
    listening = redis.call('PUBLISH', channel, withEntry and (head .. entry) or head) > 0
  end
end
return #KEYS
