-- Whether `key`, of Redis type `kind`, holds the waiting marker. Compares the length first, so that
-- a large value is never copied just to be told apart from the marker.
local function holdsMarker(key, kind, marker)
  return kind == 'string' and redis.call('STRLEN', key) == #marker and redis.call('GET', key) == marker
end
