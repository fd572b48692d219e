--[[
  Moves an item that cannot be decoded (or fails the schema) to the dead-letter list with the reason.

  KEYS[1] inflight    hash of this reader: task id -> item (unused in at-most-once mode)
  KEYS[2] deliveries  hash task id -> deliveries so far
  KEYS[3] dead        dead-letter list

  ARGV[1] task id
  ARGV[2] reason
  ARGV[3] deliveries so far
  ARGV[4] consumer id
  ARGV[5] '1' = the item is leased (take it from the in-flight hash); '0' = it was popped (at-most-once)
  ARGV[6] the item (used when ARGV[5] is '0')

  Reply: 1 = dead-lettered, 0 = the reader no longer held it
]]
local inflight, deliveries, dead = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[1]
local item = ARGV[6]
if ARGV[5] == '1' then
  item = redis.call('HGET', inflight, id)
  if not item then return 0 end
  redis.call('HDEL', inflight, id)
end
redis.call('HDEL', deliveries, id)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('LPUSH', dead, cjson.encode({
  id = id, item = item, deliveries = tonumber(ARGV[3]), failedAt = now, consumer = ARGV[4], reason = ARGV[2],
}))
return 1
