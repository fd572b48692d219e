-- Appends one record to the dead-letter list (newest at the left). `failedAt` is server time in ms.
local function pushDeadLetter(dead, id, item, deliveries, failedAt, consumer, reason)
  redis.call('LPUSH', dead, cjson.encode({
    id = id, item = item, deliveries = deliveries, failedAt = failedAt, consumer = consumer, reason = reason,
  }))
end
