-- A suspect is a task given back after its reader died while it was marked started only tentatively
-- (includes/held-tasks.lua): it may have crashed that reader, or never reached its handler. It goes
-- back uncounted, and the reader that takes it next runs it with an exact mark, so a crash loop
-- among quick handlers counts deliveries against the task that really crashes, and only that one.
-- The flag lives in the deliveries hash beside the counts; a NUL byte cannot occur in a task id (JSON
-- escapes it), so the field never meets one. Cleared when the task is acked, nacked or dead-lettered.
local function suspectField(id)
  return '\0suspect\0' .. id
end
