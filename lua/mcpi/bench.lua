--- mcpi.bench: a one-liner for the REPL, as %timeit is for IPython.
--   mcpi.bench("c.simd")            --> c.simd N=1e6: 598.1 us (95% CI 590.2-610.5 us), 20 reps, ...
--   mcpi.bench(function() ... end)  --> time of one call, 95% CI, reps, calls/s
--   mcpi.bench("c.simd", "c.scalar", 1e7)  --> the ratio of medians with its 95% CI
-- A kernel (name or registry entry) is measured at N samples per call (default
-- 1e6) with its accuracy; a plain function is called as f(n) (f() without n).
-- Repetitions: about BUDGET seconds' worth, between MIN_REPS and MAX_REPS,
-- after a warm-up; repetition r uses seed 1 + r. Returns the record (summary
-- fields with the repetitions in .runs), or for two {a, b, ratio, ratio_lo,
-- ratio_hi}. Two are measured interleaved (a, b, a, b, ...) so drift hits both.
local dec = require "mcpi.decorators"
local measure = require "mcpi.measure"
local stats = require "mcpi.stats"
local output = require "mcpi.output"

local type, format, ipairs, tostring = type, string.format, ipairs, tostring
local floor, max, min = math.floor, math.max, math.min

local M = {}

M.BUDGET = 1        -- seconds of repetitions per function
M.MIN_REPS, M.MAX_REPS = 5, 100
M.DEFAULT_N = 1e6
M.RESAMPLES = 2000

-- A measured function for what was given, its label and whether it is a kernel.
local function measured(x, level)
  if type(x) == "function" then
    local info = debug.getinfo(x, "S")
    local f = function(req)
      if req.n_given then x(req.n) else x() end
      return {}
    end
    return dec.timed(f), format("function %s:%d", info.short_src, info.linedefined), false
  end
  if type(x) == "string" or (type(x) == "table" and type(x.name) == "string") then
    local ok, f = pcall(measure.kernel, x)
    if not ok then error("bench: " .. tostring(f), level + 1) end
    return dec.jitstats(dec.throughput(dec.timed(dec.accuracy(f)))), type(x) == "string" and x or x.name, true
  end
  error(format("bench: expected a kernel name, a kernel or a function, got %s", type(x)), level + 1)
end

local function request(n, seed, given)
  if given then
    local r = measure.request{ n = n, seed = seed }
    r.n_given = true
    return r
  end
  local r = measure.request{ n = 1, seed = seed }
  return r
end

-- Run fs (list of measured functions) interleaved; returns a list of runs per f.
local function run_all(fs, n, given)
  local runs = {}
  for i, f in ipairs(fs) do
    runs[i] = {}
    for w = 1, 2 do f(request(n, w, given)) end  -- warm-up: compile, calibrate calls
  end
  local t = 0
  for i, f in ipairs(fs) do
    local r = f(request(n, 1, given))
    t = t + r.seconds * (r.calls or 1)
    runs[i][1] = r
  end
  local reps = max(M.MIN_REPS, min(M.MAX_REPS, floor(M.BUDGET / max(t, 1e-9))))
  for rep = 1, reps - 1 do
    for i, f in ipairs(fs) do
      local r = f(request(n, 1 + rep, given))
      r.rep = rep
      runs[i][#runs[i] + 1] = r
    end
  end
  runs[1][1].rep = 0
  return runs
end

local function summarize(runs, n, kernel)
  local s = stats.summarize(runs, { n = kernel and n or nil })
  s.runs = runs
  s.n = n
  return s
end

--- One line for a record (from bench): label, N, median with CI, reps, rate,
-- and for kernels median |error| and sigma.
function M.line(label, s, kernel, given)
  local unit = output.time(s.seconds_median)
  local ci = format("%s-%s", output.time(s.seconds_ci_lo), output.time(s.seconds_ci_hi))
  local head = given and format("%s N=%s", label, output.count(s.n)) or label
  local rate = kernel and format("%s samples/s", output.rate(s.samples_per_s_median):gsub("/s$", ""))
    or format("%s calls/s", output.rate(1 / s.seconds_median):gsub("/s$", ""))
  local acc = kernel and format(", |error| %.2e, sigma %.2e", s.abs_err_median or 0 / 0, s.sigma_theory or 0 / 0) or ""
  return format("%s: %s (95%% CI %s), %d reps, %s%s", head, unit, ci, s.reps, rate, acc)
end

-- Percentile bootstrap CI of median(ta) / median(tb), the two resampled
-- independently (seeded: reproducible).
local function ratio_ci(ta, tb)
  local rng = stats.rng(stats.BOOTSTRAP_SEED)
  local rs = {}
  for i = 1, M.RESAMPLES do
    local a, b = {}, {}
    for j = 1, #ta do a[j] = ta[rng:int(#ta)] end
    for j = 1, #tb do b[j] = tb[rng:int(#tb)] end
    rs[i] = stats.median(a) / stats.median(b)
  end
  return stats.quantile(rs, 0.025), stats.quantile(rs, 0.975)
end

--- bench(x [, n]) or bench(a, b [, n]): see the module comment. Prints one
-- line (two records and the ratio for a pair) to stdout and returns the
-- record(s).
function M.run(a, b, n)
  if type(b) == "number" or b == nil then n, b = b, nil end
  local given = n ~= nil
  local fa, la, ka = measured(a, 2)
  local fb, lb, kb
  if b ~= nil then fb, lb, kb = measured(b, 2) end
  if ka or kb then n, given = n or M.DEFAULT_N, true end
  local runs = run_all({ fa, fb }, n, given)
  local sa = summarize(runs[1], n, ka)
  io.stdout:write(M.line(la, sa, ka, given), "\n")
  if not fb then io.stdout:flush(); return sa end
  local sb = summarize(runs[2], n, kb)
  io.stdout:write(M.line(lb, sb, kb, given), "\n")
  local ta, tb = {}, {}
  for i, r in ipairs(runs[1]) do ta[i] = r.seconds end
  for i, r in ipairs(runs[2]) do tb[i] = r.seconds end
  local ratio = sb.seconds_median / sa.seconds_median
  local lo, hi = ratio_ci(tb, ta)
  io.stdout:write(format("%s / %s: time ratio %.3g (95%% CI %.3g-%.3g): %s is %.3gx %s\n", lb, la,
    ratio, lo, hi, la, ratio >= 1 and ratio or 1 / ratio, ratio >= 1 and "faster" or "slower"))
  io.stdout:flush()
  return { a = sa, b = sb, ratio = ratio, ratio_lo = lo, ratio_hi = hi }
end

return M
