--- @include "suspect.lua"
-- Puts one delivery back at the head of the queue. `n` is the delivery count to record: 0 when the
-- task never reached a handler, or may not have (it goes back uncounted), else the count including
-- this delivery; past maxDeliveries the task goes to the dead-letter list instead. `suspect`: it was
-- marked started only tentatively (includes/suspect.lua). Returns true when dead-lettered.
-- Callers give back newest first, so that the oldest ends up rightmost: the next to be taken.
local function giveBack(main, deliveries, dead, id, item, n, suspect, maxDeliveries, now, consumer, reason)
  if n > 0 and n >= maxDeliveries then
    redis.call('HDEL', deliveries, id, suspectField(id))
    pushDeadLetter(dead, id, item, n, now, consumer, reason)
    return true
  end
  if n > 0 then redis.call('HSET', deliveries, id, n) end
  if suspect then redis.call('HSET', deliveries, suspectField(id), 1) end
  redis.call('RPUSH', main, item)
  return false
end
