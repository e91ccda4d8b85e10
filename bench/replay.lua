-- Walks a file of pre-made requests, each sent once: thread i takes lines
-- i, i+N, i+2N, … (N threads). ARGS: file, kind (callback|webhook), threads,
-- webhook path. A callback line is "path<TAB>cookie"; a webhook line is
-- "signature<TAB>body". A thread that runs out stops and counts it.
exhausted = 0

function init(args)
   kind = args[2]
   local threads = tonumber(args[3])
   webhook_path = args[4]
   items = {}
   local i = 0
   for line in io.lines(args[1]) do
      if i % threads == id - 1 then
         items[#items + 1] = line
      end
      i = i + 1
   end
   position = 0
end

function request()
   position = position + 1
   local line = items[position]
   if line == nil then
      exhausted = 1
      wrk.thread:stop()
      line = items[#items]
   end
   local first, second = line:match("^([^\t]*)\t(.*)$")
   if kind == "callback" then
      return wrk.format("GET", first, {["Cookie"] = second})
   end
   return wrk.format("POST", webhook_path,
                     {["Content-Type"] = "application/json", ["Stripe-Signature"] = first}, second)
end
