-- A reader's in-flight hash holds one field per delivery, named by its token (a decimal sequence
-- number of that reader), whose value is the item. Three more kinds of field live beside them:
--   '^'         the exact started mark: every delivery whose sequence number is at most this value was
--               handed to a handler (or returned by pop/take/the iterator); the others were not, or
--               only tentatively (below).
--   '*'         the tentative mark: while handlers run in a burst of quick ones, the reader marks the
--               tasks it holds ahead of their handlers, in one command for many. A delivery between the
--               two marks may or may not have reached its handler: a reclaim puts it back uncounted, as
--               a suspect (includes/suspect.lua), which is run next time with an exact mark.
--   '~<token>'  the outcome of a nack, kept until the reader has read it (so a retried nack whose
--               first reply was lost still learns what happened).
local STARTED_MARK = '^'
local TENTATIVE_MARK = '*'

local function isToken(field)
  local first = string.byte(field, 1)
  return first ~= 94 and first ~= 126 and first ~= 42 -- not '^', '~' or '*'
end

-- The deliveries of one in-flight hash, oldest first: { { seq, token, item }, ... }, and its exact and
-- tentative marks (the tentative one is never below the exact one).
local function heldTasks(inflight)
  local fields = redis.call('HGETALL', inflight)
  local held, mark, tentative = {}, 0, 0
  for i = 1, #fields, 2 do
    local field = fields[i]
    if field == STARTED_MARK then
      mark = tonumber(fields[i + 1]) or 0
    elseif field == TENTATIVE_MARK then
      tentative = tonumber(fields[i + 1]) or 0
    elseif isToken(field) then
      held[#held + 1] = { tonumber(field), field, fields[i + 1] }
    end
  end
  table.sort(held, function(a, b) return a[1] < b[1] end)
  return held, mark, math.max(mark, tentative)
end
