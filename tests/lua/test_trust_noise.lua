-- Noise (issue 9.2): other processes' CPU time marks points and warns; the
-- readings come through the seam mcpi.noise.reader so the test does not
-- depend on what else this machine is doing.
local T = dofile("tests/harness.lua")
local mcpi = require "mcpi"
local noise = require "mcpi.noise"
local C = require "mcpi.capi"

-- A reader whose other-process CPU time grows at `cores` per second of wall time.
local function fake(cores)
  local own = 0
  return function()
    local wall = tonumber(C.mcpi_clock_ns()) / 1e9
    own = own + 0.001
    return { wall = wall, busy = own + cores * wall, own = own }
  end
end

local function sweep(cores)
  local real = noise.reader
  noise.reader = fake(cores)
  local ok, res = pcall(mcpi.sweep, { kernels = { "c.scalar" }, n = { 1e6, 1e7 }, reps = 3, quiet = true })
  noise.reader = real
  assert(ok, res)
  return res
end

T.test("a busy machine: every point marked, the run warns", function()
  local res = sweep(1.0)
  for _, s in ipairs(res.summary) do
    T.near(s.load_other_cores, 1.0, 0.05, "other cores")
    T.eq(s.noise_mark, "load")
    T.ok(s.noise_note:find("^c%.scalar at N=1e%d: other processes used 1%.00 cores"), s.noise_note)
  end
  T.ok(res.noise_warning and res.noise_warning:find("2 of 2 points", 1, true), tostring(res.noise_warning))
  local text = res:table()
  T.ok(text:find("MARK", 1, true) and text:find("load", 1, true), "marked in the table")
  T.ok(text:find("warning: other processes", 1, true), "warning among the notes")
end)

T.test("an idle machine: nothing marked, no warning", function()
  local res = sweep(0.02)
  for _, s in ipairs(res.summary) do T.eq(s.noise_mark, nil) end
  T.eq(res.noise_warning, nil)
  T.ok(not res:table():find("load", 1, true), "no load mark or note")
end)

T.rows("other(): cores from two readings, short windows widened", {
  { a = { wall = 0, busy = 0, own = 0 }, b = { wall = 1, busy = 1.5, own = 1 }, want = 0.5 },
  { a = { wall = 0, busy = 0, own = 0 }, b = { wall = 0.005, busy = 0.02, own = 0 }, want = nil },  -- 5 ms: too short
  { a = { wall = 0, busy = 0, own = 0 }, b = { wall = 2, busy = 1, own = 1 }, want = 0 },
  { a = { wall = 0, busy = 5, own = 0 }, b = { wall = 1, busy = 4, own = 0 }, want = 0 },  -- clamped
  { a = { wall = 0.95, busy = 0.95, own = 0 }, b = { wall = 1, busy = 1, own = 0 },
    hist = { { wall = 0, busy = 0, own = 0 }, { wall = 0.95, busy = 0.95, own = 0 } }, want = 1 },
}, function(row)
  local v = noise.other(row.a, row.b, row.hist)
  if row.want == nil then T.eq(v, nil) else T.near(v, row.want, 1e-9) end
end)

T.test("context: load average, kernel, ASLR, caches recorded", function()
  local ctx = mcpi.context.collect()
  T.ok(ctx.loadavg and ctx.loadavg:match("^%d"), "loadavg")
  T.ok(ctx.kernel and #ctx.kernel > 0, "kernel")
  T.ok(ctx.aslr, "aslr")
  T.ok(ctx.cpu_governor, "governor or why not")
end)

T.test("a real reading: /proc gives increasing counters", function()
  local a = noise.read()
  local t0 = C.mcpi_clock_ns()
  while tonumber(C.mcpi_clock_ns() - t0) < 100e6 do end  -- 100 ms busy (a loaded machine gives us part of it)
  local b = noise.read()
  T.ok(b.own - a.own >= 0.01, "own CPU time grew: " .. (b.own - a.own))
  T.ok(b.busy >= a.busy, "busy time grew")
end)

T.done()
