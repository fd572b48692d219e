-- Makes sure a write to each awaited key is announced. A key holding a value returns it. An absent
-- key gets the waiting marker: a writer's `SET ... GET` then sees the marker and publishes the new
-- value on the cache's channel. A marker already there is kept alive at least as long as asked.
-- KEYS: the value keys (any number, all of one cache)
-- ARGV[1]: the waiting marker
-- ARGV[1 + i]: how long the marker on KEYS[i] must live, in ms
-- Reply: one entry per key: the stored value, or nil when the key is now awaited
local marker = ARGV[1]
local reply = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  local ttl = tonumber(ARGV[i + 1])
  if not value then
    redis.call('SET', key, marker, 'PX', ttl)
    reply[i] = false
  elseif value == marker then
    if redis.call('PTTL', key) < ttl then
      redis.call('PEXPIRE', key, ttl)
    end
    reply[i] = false
  else
    reply[i] = value
  end
end
return reply
