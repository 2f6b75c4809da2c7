-- wrk script: PUT bodies of BENCH_SIZE bytes to BENCH_PATH-<n> (n cycles over
-- 1000 keys per connection thread), so PUTs create and replace real files.
local size = tonumber(os.getenv("BENCH_SIZE") or "4096")
local prefix = os.getenv("BENCH_PATH") or "/bench/put"
local body = string.rep("x", size)
local counter = 0
local tid = 0

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
end

function request()
  counter = counter + 1
  local path = prefix .. "-" .. tostring(tid) .. "-" .. tostring(counter % 1000)
  return wrk.format("PUT", path, { ["Content-Length"] = tostring(size) }, body)
end
