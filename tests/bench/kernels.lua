-- Benchmarks every built-in kernel in ns/sample (median of >= 5 runs after a warm-up) and writes results/bench/kernels.json.
-- Run: make bench, or mcpi script tests/bench/kernels.lua [REPS]. Fast kernels run
-- N = 10^9, slow ones (lua.*, c.scalar) N = 10^7. Repetition r uses seed 1 + r.
-- The machine may be shared and noisy: compare the ratios of one run.
local ffi = require "ffi"
local jit = require "jit"
local cjson = require "cjson"
local C = mcpi.capi
local kernels = mcpi.kernels
local util = mcpi.util
local stats = mcpi.stats
local median = stats.median

local REPS = tonumber(arg[1] or os.getenv("MCPI_BENCH_REPS") or "5")
if not REPS or REPS < 5 or REPS ~= math.floor(REPS) then
  util.usage("kernels bench: REPS must be a whole number >= 5")
end

-- kernel, N, target ns/sample (issue 3, for the 2-core AVX-512 reference machine)
local PLAN = {
  { "c.threads", 1e9, 0.20 },
  { "c.avx512", 1e9, 0.40 },
  { "c.simd", 1e9, nil },
  { "c.avx2", 1e9, 1.4 },
  { "c.scalar", 1e7, 5.0 },
  { "lua.philox", 1e7, 4.5 },
  { "lua.array", 1e7, nil },
  { "lua.jit", 1e7, nil },
  { "lua.interp", 1e7, nil },
}

local function read_first(path, pattern)
  local f = io.open(path)
  if not f then return nil end
  for line in f:lines() do
    local v = line:match(pattern)
    if v then f:close() return v end
  end
  f:close()
end

local function shell(cmd)
  local f = io.popen(cmd .. " 2>/dev/null")
  local s = f and f:read("*l")
  if f then f:close() end
  return s
end

local rows = {}
io.stdout:write(string.format("%-11s %6s %7s %11s %11s %11s %8s %7s\n", "KERNEL", "N",
  "THREADS", "NS/SAMPLE", "MIN", "MAX", "TARGET", "MEETS"))
for _, p in ipairs(PLAN) do
  local name, n, target = p[1], p[2], p[3]
  local k = kernels.get(name)
  local ok, why = k.available()
  if not ok then
    io.stdout:write(string.format("%-11s skipped: %s\n", name, why))
    rows[#rows + 1] = { kernel = name, available = false, why = why }
  else
    local threads = k.threaded and C.mcpi_threads_online() or 1
    k.fn(n / 100, 1)  -- warm-up: page in, compile traces
    local ns, hits = {}, {}
    for r = 1, REPS do
      local t0 = C.mcpi_clock_ns()
      local h = k.fn(n, 1 + r, k.threaded and threads or nil)
      local t1 = C.mcpi_clock_ns()
      ns[r] = tonumber(t1 - t0) / n
      hits[r] = util.u64str(h)
    end
    local med = median(ns)
    local lo, hi = math.min(unpack(ns)), math.max(unpack(ns))
    local meets = target and med <= target or nil
    rows[#rows + 1] = {
      kernel = name, stream = k.stream, n = n, threads = threads, reps = REPS,
      seeds_from = 2, ns_per_sample = ns, hits = hits,
      ns_per_sample_median = med, ns_per_sample_min = lo, ns_per_sample_max = hi,
      ns_per_sample_mad = stats.mad(ns), samples_per_s_median = 1e9 / med,
      target_ns_per_sample = target, meets_target = meets,
    }
    io.stdout:write(string.format("%-11s %6s %7d %11.3f %11.3f %11.3f %8s %7s\n", name,
      string.format("1e%d", math.floor(math.log10(n) + 0.5)), threads, med, lo, hi,
      target and string.format("%.2f", target) or "-",
      target and (meets and "yes" or "NO") or "-"))
  end
end

-- Ratios within this one run (robust to a machine that is slower today).
local by = {}
for _, r in ipairs(rows) do by[r.kernel] = r.ns_per_sample_median end
local ratios = {}
for _, pair in ipairs{ { "c.scalar", "c.avx512" }, { "c.scalar", "c.avx2" }, { "c.avx2", "c.avx512" },
                       { "c.simd", "c.threads" }, { "lua.philox", "c.scalar" },
                       { "lua.array", "lua.philox" }, { "lua.interp", "lua.jit" } } do
  if by[pair[1]] and by[pair[2]] then
    ratios[#ratios + 1] = { slower = pair[1], faster = pair[2], ratio = by[pair[1]] / by[pair[2]] }
    io.stdout:write(string.format("%s / %s = %.2f\n", pair[1], pair[2], by[pair[1]] / by[pair[2]]))
  end
end

local path = C.mcpi_simd_path()
local doc = {
  benchmark = "kernels",
  context = {
    date = os.date("!%Y-%m-%dT%H:%M:%SZ"),
    host = shell("uname -n"),
    cpu_model = read_first("/proc/cpuinfo", "^model name%s*:%s*(.-)%s*$"),
    cores = C.mcpi_threads_online(),
    simd_path = path >= 0 and ffi.string(C.mcpi_simd_name(path)) or "none",
    simd_paths = kernels.simd_paths(),
    luajit = jit.version,
    compiler = ffi.string(C.mcpi_build_compiler()),
    cflags = ffi.string(C.mcpi_build_cflags()),
    mcpi_version = ffi.string(C.mcpi_build_version()),
    git_commit = ffi.string(C.mcpi_build_commit()),
    reps = REPS,
    clock_resolution_ns = tonumber(C.mcpi_clock_resolution_ns()),
  },
  results = rows,
  ratios = ratios,
}
os.execute("mkdir -p results/bench")
local out = "results/bench/kernels.json"
assert(mcpi.json.write_file(out, cjson.encode(doc) .. "\n"))
io.stdout:write("wrote " .. out .. "\n")
