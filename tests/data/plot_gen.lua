-- Writes a realistic synthetic mcpi/1 results file (no measurement): six
-- kernels, N = 10^1..10^MAXDEC, 5 repetitions, times from a per-call overhead
-- plus a per-sample cost with multiplicative noise, errors drawn as |normal|
-- times the theoretical sigma. Deterministic (fixed LCG seed).
-- usage: mcpi script tests/data/plot_gen.lua OUT.json [MAXDEC]
local out, maxdec = arg[1], tonumber(arg[2] or "8")
assert(out, "usage: plot_gen.lua OUT.json [MAXDEC]")
local cjson = require "cjson"
local state = 12345
local function rnd()  -- uniform (0, 1), Park-Miller
  state = (state * 16807) % 2147483647
  return state / 2147483647
end
local function normal()
  return math.sqrt(-2 * math.log(rnd())) * math.cos(2 * math.pi * rnd())
end
local kernels = {  -- name, stream, overhead s, seconds per sample, threads
  { "lua.interp", "lua-random", 2e-7, 1.6e-8, 1 },
  { "lua.jit", "lua-random", 1e-7, 2.2e-9, 1 },
  { "lua.philox", "philox", 1.5e-7, 4.0e-9, 1 },
  { "c.scalar", "philox", 6e-8, 1.9e-9, 1 },
  { "c.avx2", "philox", 6e-8, 2.8e-10, 1 },
  { "c.threads", "philox", 2.5e-5, 3.5e-11, 8 },
}
local p = math.pi / 4
local results = {}
local function med(xs)
  local s = {} for i, v in ipairs(xs) do s[i] = v end
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) / 2] or (s[n / 2] + s[n / 2 + 1]) / 2
end
for _, k in ipairs(kernels) do
  for d = 1, maxdec do
    local n = 10 ^ d
    local sigma = 4 * math.sqrt(p * (1 - p) / n)
    local ts, es = {}, {}
    for r = 0, 4 do
      local t = (k[3] + n * k[4]) * (1 + 0.03 * math.abs(normal()))
      local hits = math.floor(n * p + normal() * math.sqrt(n * p * (1 - p)) + 0.5)
      local est = 4 * hits / n
      local err = math.abs(est - math.pi)
      ts[#ts + 1], es[#es + 1] = t, err
      results[#results + 1] = { row = "rep", kernel = k[1], stream = k[2], n = n, seed = tostring(42 + r),
        rep = r, threads = k[5], hits = hits, estimate = est, abs_err = err,
        rel_accuracy = 1 - err / math.pi, std_err = sigma, z = (est - math.pi) / sigma,
        seconds = t, ns_per_sample = t / n * 1e9, samples_per_s = n / t, calls = 1 }
    end
    local tm = med(ts)
    local ss = 0
    for _, e in ipairs(es) do ss = ss + e * e end
    local rms = math.sqrt(ss / #es)
    results[#results + 1] = { row = "summary", kernel = k[1], stream = k[2], n = n, threads = k[5],
      reps = 5, seconds_median = tm, seconds_ci_lo = tm * 0.97, seconds_ci_hi = tm * 1.06,
      ns_per_sample_median = tm / n * 1e9, samples_per_s_median = n / tm,
      abs_err_median = med(es), rms_err = rms, rms_err_ci_lo = rms * 0.55, rms_err_ci_hi = rms * 1.5,
      sigma_theory = sigma, outliers = 0, seconds_mean = tm, seconds_min = tm * 0.97,
      seconds_max = tm * 1.08, seconds_sd = tm * 0.02, seconds_mad = tm * 0.01 }
  end
end
local doc = { schema = "mcpi/1", context = { date = "2026-11-25T10:00:00Z", host = "synthetic",
  cpu_model = "synthetic data (tests/data/plot_gen.lua)", cores = 8, luajit = "LuaJIT 2.1",
  compiler = "gcc", cflags = "-O2", mcpi_version = "0.1.0", git_commit = "none",
  command_line = "mcpi script tests/data/plot_gen.lua", clock_resolution_ns = 1 },
  results = results,
  fits = { { kernel = "c.avx2", metric = "seconds", a = 2.8e-10, b = 1.0, r2 = 0.999, n_points = 4 },
           { kernel = "c.avx2", metric = "abs_err", a = 1.64, b = -0.5, r2 = 0.97, n_points = maxdec } } }
local fh = assert(io.open(out, "w"))
fh:write(cjson.encode(doc))
fh:close()
