-- Demonstrates a kernel in another process: the minimal Python worker, measured beside c.scalar.
-- Run: mcpi script scripts/worker_kernel.lua [KERNEL...] [options of 'mcpi run']
--   (default: c.scalar user.pyphilox -n 100,1000,10000; MCPI_PYTHON picks the interpreter)
-- The worker (scripts/minimal_worker.py) speaks the "mcpi-worker/1" protocol
-- (README, "Workers: kernels in another process"): mcpi starts it on first use,
-- reads its handshake (into results.context.kernels), sends count requests and
-- stops it when the sweep ends. It times its own calls, so process start-up and
-- pipe latency never count; wall_seconds in each row is mcpi's view of the
-- same calls. It draws the philox v1 stream, so its hits must equal c.scalar's.
local here = arg[0]:match("^(.*)/[^/]*$") or "."

mcpi.kernels.register{
  name = "user.pyphilox", stream = "philox",
  description = "philox v1 in pure Python, in a worker process (scripts/minimal_worker.py)",
  command = { os.getenv("MCPI_PYTHON") or "python3", here .. "/minimal_worker.py" },
  env = { PYTHONDONTWRITEBYTECODE = "1" },
}

local spec = require("mcpi.runcmd").parse(arg, 1, {
  cmd = "worker_kernel.lua", see = "see 'mcpi script scripts/worker_kernel.lua --help'", kernels_optional = true,
  defaults = { n = { 100, 1000, 10000 }, kernels = { "c.scalar", "user.pyphilox" } },
})
if not spec then
  io.write("usage: mcpi script scripts/worker_kernel.lua [KERNEL...] [options of 'mcpi run']\n")
  return
end

local res = mcpi.sweep(spec)
res:print()

-- Same stream, same (n, seed): same hits, whatever the language.
local want, bad = {}, 0
for _, r in ipairs(res.rows) do
  if r.stream == "philox" then
    local key = r.n .. "/" .. tostring(r.seed)
    want[key] = want[key] or r.hits
    if want[key] ~= r.hits then
      bad = bad + 1
      io.stderr:write(("%s: hits %s at n=%s seed=%s, others have %s\n"):format(r.kernel,
        tostring(r.hits), tostring(r.n), tostring(r.seed), tostring(want[key])))
    end
  end
end
local info = res.context.kernels and res.context.kernels["user.pyphilox"]
if info then io.stderr:write(("user.pyphilox ran in %s (pid %d)\n"):format(info.runtime, info.pid)) end
if bad > 0 or #res.failures > 0 then os.exit(1) end
