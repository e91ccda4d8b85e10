-- Sends pre-made requests, each once. ARGS: the prefix bench/run.py's
-- PreparedRequests wrote: this thread's whole requests are in PREFIX.<id>,
-- NUL-separated, built in full beforehand (formatting each one here, per
-- request, took CPU from the server that the floor's static request does
-- not; see PreparedRequests). A thread that runs out stops and counts it.
exhausted = 0

function init(args)
   local f = assert(io.open(args[1] .. "." .. id, "rb"))
   local data = f:read("*a")
   f:close()
   items = {}
   local from = 1
   while true do
      local to = data:find("\0", from, true)
      if to == nil then break end
      items[#items + 1] = data:sub(from, to - 1)
      from = to + 1
   end
   position = 0
end

function request()
   position = position + 1
   local request = items[position]
   if request == nil then
      exhausted = 1
      wrk.thread:stop()
      request = items[#items]
   end
   return request
end
