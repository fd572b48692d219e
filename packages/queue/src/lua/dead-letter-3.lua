--[[
  Moves an item that cannot be decoded (or fails the schema) to the dead-letter list with the reason.
  Each delivery is moved on its own, so two identical items are two records.

  KEYS[1] inflight    hash of this reader: token -> item (unused in at-most-once mode)
  KEYS[2] deliveries  hash task id -> deliveries so far
  KEYS[3] dead        dead-letter list

  ARGV[1] token of the delivery; '' when the item was popped (at-most-once)
  ARGV[2] reason
  ARGV[3] deliveries so far
  ARGV[4] consumer id
  ARGV[5] the item (used when ARGV[1] is '')

  Reply: { 1, task id } = dead-lettered, { 0 } = the reader no longer held it
]]
--- @include "includes/now-ms.lua"
--- @include "includes/task-id.lua"
--- @include "includes/dead-letter.lua"
--- @include "includes/suspect.lua"

local inflight, deliveries, dead = KEYS[1], KEYS[2], KEYS[3]
local token = ARGV[1]
local item = ARGV[5]
if token ~= '' then
  item = redis.call('HGET', inflight, token)
  if not item then return { 0 } end
  redis.call('HDEL', inflight, token)
end
local id = taskIdOf(item)
if token ~= '' then redis.call('HDEL', deliveries, id, suspectField(id)) end
pushDeadLetter(dead, id, item, tonumber(ARGV[3]), nowMs(), ARGV[4], ARGV[2])
return { 1, id }
