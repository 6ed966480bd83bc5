-- wrk script: POST a different body on every request (first-seen requests: nothing remembered).
-- BODY_FILE holds a body with the mark @N@; each request replaces it with RUN_TAG-thread-counter.
-- RUN_TAG differs per wrk run, so a warm-up run never sends the bodies the measured run sends.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local template = f:read("*a")
f:close()
local tag = os.getenv("RUN_TAG") or "0"
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
function request()
  counter = counter + 1
  local body = template:gsub("@N@", tag .. "-" .. (tid or 0) .. "-" .. counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
