-- Adds one dead letter to the dead-letter stream `deadKey`: the entry's own fields, then what
-- happened to it. `maxLen` 0 means no length limit. Returns the dead letter's id.
local function addDeadLetter(deadKey, maxLen, fields, sourceId, group, consumer, deliveries, reason, message)
  local record = {}
  for _, value in ipairs(fields or {}) do record[#record + 1] = value end
  record[#record + 1] = 'source-id'
  record[#record + 1] = sourceId
  record[#record + 1] = 'group'
  record[#record + 1] = group
  record[#record + 1] = 'consumer'
  record[#record + 1] = consumer
  record[#record + 1] = 'deliveries'
  record[#record + 1] = tostring(deliveries)
  record[#record + 1] = 'reason'
  record[#record + 1] = reason
  record[#record + 1] = 'error'
  record[#record + 1] = message
  if tonumber(maxLen) > 0 then
    return redis.call('XADD', deadKey, 'MAXLEN', '~', maxLen, '*', unpack(record))
  end
  return redis.call('XADD', deadKey, '*', unpack(record))
end
