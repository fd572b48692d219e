-- A reader's in-flight hash holds one field per delivery, named by its token (a decimal sequence
-- number of that reader), whose value is the item. Two more kinds of field live beside them:
--   '^'         the started mark: every delivery whose sequence number is at most this value was handed
--               to a handler (or returned by pop/take/the iterator); the others were only buffered.
--   '~<token>'  the outcome of a nack, kept until the reader has read it (so a retried nack whose
--               first reply was lost still learns what happened).
local STARTED_MARK = '^'

local function isToken(field)
  return string.byte(field, 1) ~= 94 and string.byte(field, 1) ~= 126 -- not '^', not '~'
end

-- The deliveries of one in-flight hash, oldest first: { { seq, token, item }, ... }, and its mark.
local function heldTasks(inflight)
  local fields = redis.call('HGETALL', inflight)
  local held, mark = {}, 0
  for i = 1, #fields, 2 do
    local field = fields[i]
    if field == STARTED_MARK then
      mark = tonumber(fields[i + 1]) or 0
    elseif isToken(field) then
      held[#held + 1] = { tonumber(field), field, fields[i + 1] }
    end
  end
  table.sort(held, function(a, b) return a[1] < b[1] end)
  return held, mark
end
