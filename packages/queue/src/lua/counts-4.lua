--[[
  Counts a queue's tasks by state.

  KEYS[1] main        list of waiting tasks
  KEYS[2] delayed     zset of retries waiting for their delay
  KEYS[3] dead        dead-letter list
  KEYS[4] consumers   zset of at-least-once readers

  ARGV[1] prefix of the in-flight hashes
  ARGV[2] prefix of the landing lists

  Reply: { waiting, delayed, inFlight, dead }
]]
local inFlight = 0
for _, consumer in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
  inFlight = inFlight + redis.call('HLEN', ARGV[1] .. consumer) + redis.call('LLEN', ARGV[2] .. consumer)
end
return { redis.call('LLEN', KEYS[1]), redis.call('ZCARD', KEYS[2]), inFlight, redis.call('LLEN', KEYS[3]) }
