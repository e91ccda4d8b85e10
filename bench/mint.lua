-- Not timed: GETs the install page and keeps each answer's state and
-- browser-binding cookie, one "state<TAB>cookie" line per page, in
-- ARGS[1].<thread id> (bench/run.py signs the callbacks from them).
exhausted = 0

function init(args)
   out = assert(io.open(args[1] .. "." .. id, "w"))
   out:setvbuf("full")
end

function response(status, headers, body)
   if status ~= 200 then return end
   local cookie = headers["Set-Cookie"] or headers["set-cookie"]
   local state = body and body:match("[?&;]state=([%w_%-]+)")
   if cookie and state then
      out:write(state, "\t", cookie:match("^[^;]*"), "\n")
      out:flush()
   end
end
