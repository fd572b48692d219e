-- Redis server time in ms since the epoch: one clock for every reader, whatever their machines say.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
