-- The cost of measuring: how far timed()'s per-call figure sits from a bare
-- loop of kernel calls, and what one decorated measurement costs in wall time.
-- Median of 7 runs with min and max; JSON into results/bench/measure_overhead.json.
local ffi = require "ffi"
local C = require "mcpi.capi"
local json = require "mcpi.json"
local stats = require "mcpi.stats"
local dec = require "mcpi.decorators"
local measure = require "mcpi.measure"
local kernels = require "mcpi.kernels"

local RUNS, N, CALLS = 7, 10, 20000
local function clock() return C.mcpi_clock_ns() end

local kfn = kernels.get("c.scalar").fn
local n64, s64 = ffi.new("uint64_t", N), ffi.new("uint64_t", 1)

local function bare()  -- ns per kernel call, a plain loop around the FFI kernel
  local t0 = clock()
  for _ = 1, CALLS do kfn(n64, s64, nil) end
  return tonumber(clock() - t0) / CALLS
end

local stack = dec.jitstats(dec.throughput(dec.timed(dec.accuracy(measure.kernel("c.scalar")))))
local function reported()  -- ns per call as timed() reports it
  local best = math.huge
  for _ = 1, 20 do best = math.min(best, stack{ n = N, seed = 1 }.seconds * 1e9) end
  return best
end
local function wall()  -- wall ns of one whole decorated measurement
  local t0 = clock()
  for _ = 1, 50 do stack{ n = N, seed = 1 } end
  return tonumber(clock() - t0) / 50
end

for _ = 1, 3 do bare(); reported(); wall() end  -- warm up (compile)
local series = { bare = {}, reported = {}, wall = {} }
for r = 1, RUNS do
  series.bare[r], series.reported[r], series.wall[r] = bare(), reported(), wall()
end

local metrics = {}
for _, m in ipairs{
  { "bare_call_ns", series.bare, "c.scalar at N=10, plain loop of FFI kernel calls" },
  { "timed_call_ns", series.reported, "the same call as timed() reports it (min of 20 measurements)" },
  { "decorated_measurement_wall_ns", series.wall, "wall time of one jitstats(throughput(timed(accuracy(k)))) call" },
} do
  local lo, hi = stats.range(m[2])
  metrics[#metrics + 1] = { name = m[1], unit = "ns", median = stats.median(m[2]), min = lo, max = hi,
    runs = #m[2], what = m[3] }
end
local ctx = require("mcpi.context").collect()
ffi.cdef[[int mkdir(const char *path, unsigned int mode);]]
ffi.C.mkdir("results", 493); ffi.C.mkdir("results/bench", 493)
local ok, err = json.write_file("results/bench/measure_overhead.json",
  json.encode({ bench = "measure_overhead", context = ctx, metrics = metrics }) .. "\n")
for _, m in ipairs(metrics) do
  print(string.format("%-32s median %9.1f ns  (min %.1f, max %.1f, %d runs)", m.name, m.median, m.min, m.max, m.runs))
end
if not ok then io.stderr:write("mcpi: ", err, "\n"); os.exit(1, true) end
