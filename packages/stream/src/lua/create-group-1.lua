-- Creates a consumer group (and the stream, if missing) with its logical read counter set, so that
-- events trimmed before the group existed are not taken for events the group lost.
-- KEYS[1]  the stream
-- ARGV[1]  group name
-- ARGV[2]  start id: '$', '0-0' or an id
-- Reply:   1 when created, 0 when the group already existed
local read = nil
local ok, info = pcall(redis.call, 'XINFO', 'STREAM', KEYS[1])
if ok then
  local added, length = 0, 0
  for i = 1, #info, 2 do
    if info[i] == 'entries-added' then
      added = info[i + 1]
    elseif info[i] == 'length' then
      length = info[i + 1]
    end
  end
  if ARGV[2] == '$' then
    read = added
  elseif ARGV[2] == '0-0' then
    read = added - length
  end
else
  read = 0
end
local reply
if read then
  reply = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM', 'ENTRIESREAD', read)
else
  reply = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')
end
if type(reply) == 'table' and reply.err then
  if string.sub(reply.err, 1, 9) == 'BUSYGROUP' then
    return 0
  end
  return redis.error_reply(reply.err)
end
return 1
