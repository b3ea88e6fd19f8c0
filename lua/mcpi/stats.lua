--- mcpi.stats: the statistics of a measurement. Order statistics, spread,
-- a seeded percentile bootstrap (resampling driven by the philox stream, so a
-- given seed gives the same interval everywhere), Tukey outlier fences, and
-- log-log least-squares fits y = a * x^b, and the affine time model
-- t = t0 + c * N by weighted least squares with Student-t intervals; fits(),
-- both per kernel over a sweep's summary rows.
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"

local type, ipairs, floor, sqrt, log, exp = type, ipairs, math.floor, math.sqrt, math.log, math.exp
local sort, huge, format, abs = table.sort, math.huge, string.format, math.abs
local tostring, tonumber, setmetatable = tostring, tonumber, setmetatable

local M = {}

local NAN = 0 / 0
M.NAN = NAN

-- Misuse is reported at the user's line (util.blame), however deep inside
-- this module the list was found wrong.
local function check_list(xs)
  if type(xs) ~= "table" then
    util.blame(format("values must be a list of numbers, got %s", type(xs)))
  end
  for i = 1, #xs do
    if type(xs[i]) ~= "number" then
      util.blame(format("values[%d] must be a number, got %s", i, type(xs[i])))
    end
  end
  return xs
end

--- A sorted copy of the list xs.
function M.sorted(xs)
  check_list(xs)
  local t = {}
  for i = 1, #xs do t[i] = xs[i] end
  sort(t)
  return t
end

local function mean(xs)
  local n = #xs
  if n == 0 then return NAN end
  local s = 0
  for i = 1, n do s = s + xs[i] end
  return s / n
end

--- Arithmetic mean (NaN for an empty list).
function M.mean(xs) return mean(check_list(xs)) end

-- q-quantile of a sorted list, linear interpolation between order statistics
-- (Hyndman & Fan type 7, the default of R and numpy).
local function quantile_sorted(s, q)
  local n = #s
  if n == 0 then return NAN end
  local h = (n - 1) * q + 1
  local lo = floor(h)
  if lo >= n then return s[n] end
  return s[lo] + (h - lo) * (s[lo + 1] - s[lo])
end

--- The q-quantile (0 <= q <= 1) of xs, type 7 (linear interpolation).
function M.quantile(xs, q)
  if type(q) ~= "number" or not (q >= 0 and q <= 1) then
    error(format("q must be a number in [0, 1], got %s", util.show(q)), 2)
  end
  return quantile_sorted(M.sorted(xs), q)
end

local function median_sorted(s)
  local n = #s
  if n == 0 then return NAN end
  local h = floor(n / 2)
  if n % 2 == 1 then return s[h + 1] end
  return (s[h] + s[h + 1]) / 2
end

--- The median (mean of the two middle values for an even count; NaN if empty).
function M.median(xs) return median_sorted(M.sorted(xs)) end

--- Smallest and largest value (NaN, NaN if empty).
function M.range(xs)
  check_list(xs)
  if #xs == 0 then return NAN, NAN end
  local lo, hi = huge, -huge
  for i = 1, #xs do
    if xs[i] < lo then lo = xs[i] end
    if xs[i] > hi then hi = xs[i] end
  end
  return lo, hi
end

--- Sample standard deviation (n - 1 in the denominator; NaN for fewer than 2).
function M.sd(xs)
  check_list(xs)
  local n = #xs
  if n < 2 then return NAN end
  local m = mean(xs)
  local s = 0
  for i = 1, n do s = s + (xs[i] - m) ^ 2 end
  return sqrt(s / (n - 1))
end

--- Median absolute deviation from the median, unscaled (multiply by 1.4826
-- for a consistent estimate of sigma under normality).
function M.mad(xs)
  local s = M.sorted(xs)
  local m = median_sorted(s)
  local d = {}
  for i = 1, #s do d[i] = abs(s[i] - m) end
  sort(d)
  return median_sorted(d)
end

--- Root mean square of xs (NaN if empty).
function M.rms(xs)
  check_list(xs)
  local n = #xs
  if n == 0 then return NAN end
  local s = 0
  for i = 1, n do s = s + xs[i] * xs[i] end
  return sqrt(s / n)
end

-- -- Seeded uniform numbers from the philox stream ------------------------------

local Rng = {}
Rng.__index = Rng

--- A reproducible generator of uniform numbers: block j of Philox4x32-10
-- under key (seed) gives four 32-bit values. seed: number, uint64 cdata or
-- digit string.
function M.rng(seed)
  local util = require "mcpi.util"
  local s, err = util.to_u64(seed == nil and 0 or seed, "seed")
  if not s then error(err, 2) end
  local r = setmetatable({
    ctr = ffi.new("uint32_t[4]"), key = ffi.new("uint32_t[2]"),
    out = ffi.new("uint32_t[4]"), j = 0, left = 0,
  }, Rng)
  r.key[0] = tonumber(s % 4294967296ULL)
  r.key[1] = tonumber(s / 4294967296ULL)
  return r
end

--- Next uniform number in [0, 1) (32 bits of resolution).
function Rng:uniform()
  if self.left == 0 then
    self.ctr[0] = self.j % 4294967296
    self.ctr[1] = floor(self.j / 4294967296)
    C.mcpi_philox4x32_10(self.ctr, self.key, self.out)
    self.j = self.j + 1
    self.left = 4
  end
  self.left = self.left - 1
  return self.out[self.left] / 4294967296
end

--- Next integer uniform in 1..n.
function Rng:int(n)
  return floor(self:uniform() * n) + 1
end

-- -- Bootstrap ----------------------------------------------------------------

M.BOOTSTRAP_RESAMPLES = 2000
M.BOOTSTRAP_SEED = 20240229

local stat_fns = {
  median = function(t) sort(t); return median_sorted(t) end,
  mean = mean,
  rms = function(t) return M.rms(t) end,
}

--- Percentile bootstrap confidence interval of stat(xs). stat is "median",
-- "mean", "rms" or a function(list) -> number (it may reorder the list).
-- opts: resamples (2000), level (0.95), seed (fixed default). Returns lo, hi;
-- a single value gives lo = hi = that value; an empty list NaN, NaN.
function M.bootstrap_ci(xs, stat, opts)
  check_list(xs)
  opts = opts or {}
  if type(opts) ~= "table" then error("opts must be a table", 2) end
  local fn = stat_fns[stat] or stat
  if type(fn) ~= "function" then
    error(format("stat must be 'median', 'mean', 'rms' or a function, got %s", util.show(stat)), 2)
  end
  local B = opts.resamples or M.BOOTSTRAP_RESAMPLES
  local level = opts.level or 0.95
  if type(B) ~= "number" or B < 10 or B % 1 ~= 0 then
    error("resamples must be a whole number >= 10", 2)
  end
  if type(level) ~= "number" or not (level > 0 and level < 1) then
    error("level must be a number in (0, 1)", 2)
  end
  local n = #xs
  if n == 0 then return NAN, NAN end
  if n == 1 then return xs[1], xs[1] end
  local rng = M.rng(opts.seed or M.BOOTSTRAP_SEED)
  local stats, buf = {}, {}
  for b = 1, B do
    for i = 1, n do buf[i] = xs[rng:int(n)] end
    stats[b] = fn(buf)
  end
  sort(stats)
  local alpha = (1 - level) / 2
  return quantile_sorted(stats, alpha), quantile_sorted(stats, 1 - alpha)
end

-- -- Outliers -----------------------------------------------------------------

--- Tukey's fences: values below Q1 - k*IQR or above Q3 + k*IQR (k = 1.5) are
-- outliers. Returns a list of booleans parallel to xs and their count. They
-- are flagged, never removed. Fewer than 4 values: nothing is flagged.
function M.outliers(xs, k)
  check_list(xs)
  k = k or 1.5
  local flags, count = {}, 0
  for i = 1, #xs do flags[i] = false end
  if #xs < 4 then return flags, 0 end
  local s = M.sorted(xs)
  local q1, q3 = quantile_sorted(s, 0.25), quantile_sorted(s, 0.75)
  local lo, hi = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
  for i = 1, #xs do
    if xs[i] < lo or xs[i] > hi then flags[i] = true; count = count + 1 end
  end
  return flags, count
end

-- -- Fits -----------------------------------------------------------------------

--- Least-squares fit of log y = log a + b log x over the points with x > 0
-- and y > 0 (finite). Returns {a, b, r2, n_points}; r2 is the coefficient of
-- determination in log space. Fewer than 2 usable points (or all x equal):
-- a, b, r2 are NaN.
function M.loglog_fit(xs, ys)
  check_list(xs)
  check_list(ys)
  if #xs ~= #ys then error(format("xs and ys differ in length (%d vs %d)", #xs, #ys), 2) end
  local lx, ly = {}, {}
  for i = 1, #xs do
    local x, y = xs[i], ys[i]
    if x > 0 and y > 0 and x < huge and y < huge then
      lx[#lx + 1] = log(x); ly[#ly + 1] = log(y)
    end
  end
  local n = #lx
  local res = { a = NAN, b = NAN, r2 = NAN, n_points = n }
  if n < 2 then return res end
  local mx, my = mean(lx), mean(ly)
  local sxx, sxy, syy = 0, 0, 0
  for i = 1, n do
    local dx, dy = lx[i] - mx, ly[i] - my
    sxx = sxx + dx * dx; sxy = sxy + dx * dy; syy = syy + dy * dy
  end
  if sxx == 0 then return res end
  local b = sxy / sxx
  local la = my - b * mx
  local sse = 0
  for i = 1, n do sse = sse + (ly[i] - (la + b * lx[i])) ^ 2 end
  res.a, res.b = exp(la), b
  res.r2 = syy > 0 and 1 - sse / syy or 1
  return res
end

--- Student's t quantile t_{1-alpha/2, df} for a two-sided interval of the
-- given level (0.95 default). Exact tabled values (3 decimals) for level 0.95
-- and df <= 30; beyond, and for other levels, the Cornish-Fisher expansion
-- around the normal quantile (level 0.95, df > 30: within 0.001 of the tables;
-- level 0.99, df 5: 4.010 against 4.032).
local T975 = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
  2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
  2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 }

-- The standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
local function normal_quantile(p)
  local a = { -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
    -30.66479806614716, 2.506628277459239 }
  local b = { -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572 }
  local c = { -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783 }
  local d = { 0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416 }
  local q
  if p < 0.02425 then
    q = sqrt(-2 * log(p))
    return (((((c[1] * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) * q + c[6]) /
      ((((d[1] * q + d[2]) * q + d[3]) * q + d[4]) * q + 1)
  elseif p > 1 - 0.02425 then
    return -normal_quantile(1 - p)
  end
  q = p - 0.5
  local r = q * q
  return (((((a[1] * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * r + a[6]) * q /
    (((((b[1] * r + b[2]) * r + b[3]) * r + b[4]) * r + b[5]) * r + 1)
end

function M.t_quantile(df, level)
  level = level == nil and 0.95 or level
  if type(df) ~= "number" or df < 1 or df ~= floor(df) or df == huge then
    error(format("df must be a whole number >= 1 (got %s)", util.show(df)), 2)
  end
  if type(level) ~= "number" or not (level > 0 and level < 1) then
    error(format("level must be a number in (0, 1) (got %s)", util.show(level)), 2)
  end
  if level == 0.95 and df <= #T975 then return T975[df] end
  local z = normal_quantile(1 - (1 - level) / 2)
  local z3, z5 = z ^ 3, z ^ 5
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ^ 2)
    + (3 * z ^ 7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ^ 3)
end

--- Weighted least squares of y = t0 + c*x with weights 1/y^2, i.e. least
-- squares of the relative residuals (y - t0 - c*x)/y: the model of a call's
-- time as a fixed cost plus a cost per sample, where the points' noise is
-- proportional to their size (a 10 ns point and a 1 s point weigh alike).
-- Returns {t0, c, t0_se, c_se, c_lo, c_hi, r2, n_points}: standard errors
-- from the weighted residual variance (n - 2 degrees of freedom), a Student-t
-- interval of the given level (0.95) for c, and the weighted R^2. Points with
-- y <= 0 or a non-finite x or y are left out; fewer than two distinct x give
-- NaNs, and fewer than three give no standard errors (NaN).
function M.affine_fit(xs, ys, level)
  check_list(xs)
  check_list(ys)
  if #xs ~= #ys then error(format("xs and ys differ in length (%d vs %d)", #xs, #ys), 2) end
  if level ~= nil and (type(level) ~= "number" or not (level > 0 and level < 1)) then
    error(format("level must be a number in (0, 1) (got %s)", util.show(level)), 2)
  end
  local px, py = {}, {}
  for i = 1, #xs do
    local x, y = xs[i], ys[i]
    if y > 0 and x > -huge and x < huge and y < huge then px[#px + 1] = x; py[#py + 1] = y end
  end
  local n = #px
  local res = { t0 = NAN, c = NAN, t0_se = NAN, c_se = NAN, c_lo = NAN, c_hi = NAN, r2 = NAN, n_points = n }
  if n < 2 then return res end
  local sw, swx, swy, swxx, swxy = 0, 0, 0, 0, 0
  for i = 1, n do
    local w = 1 / (py[i] * py[i])
    sw = sw + w; swx = swx + w * px[i]; swy = swy + w * py[i]
    swxx = swxx + w * px[i] * px[i]; swxy = swxy + w * px[i] * py[i]
  end
  -- Centre on the weighted mean of x so the 2x2 system stays well conditioned
  -- when x spans 10..10^9.
  local mx, my = swx / sw, swy / sw
  local sxx = swxx - sw * mx * mx
  local sxy = swxy - sw * mx * my
  if not (sxx > 0) then return res end
  local c = sxy / sxx
  local t0 = my - c * mx
  local sse, syy = 0, 0
  for i = 1, n do
    local w = 1 / (py[i] * py[i])
    sse = sse + w * (py[i] - t0 - c * px[i]) ^ 2
    syy = syy + w * (py[i] - my) ^ 2
  end
  res.t0, res.c = t0, c
  res.r2 = syy > 0 and 1 - sse / syy or 1
  if n >= 3 then
    local s2 = sse / (n - 2)
    res.c_se = sqrt(s2 / sxx)
    res.t0_se = sqrt(s2 * (1 / sw + mx * mx / sxx))
    local t = M.t_quantile(n - 2, level)
    res.c_lo, res.c_hi = c - t * res.c_se, c + t * res.c_se
  end
  return res
end

--- affine_fit with the fixed cost held to t0 >= 0: a free fit whose t0
-- comes out negative (a cost per call below zero means nothing) is replaced
-- by the fit through the origin, y = c*x (weights 1/y^2 as before, n - 1
-- degrees of freedom), marked t0_constrained = true. Otherwise the free fit,
-- with t0_significant: whether the t interval of t0 excludes 0.
function M.affine_fit_nonneg(xs, ys, level)
  local f = M.affine_fit(xs, ys, level)
  if not (f.t0 < 0) then
    if f.t0_se == f.t0_se then
      f.t0_significant = f.t0 - M.t_quantile(f.n_points - 2, level) * f.t0_se > 0
    end
    return f
  end
  local swxx, swxy, n = 0, 0, 0
  for i = 1, #xs do
    local x, y = xs[i], ys[i]
    if y > 0 and x > -huge and x < huge and y < huge then
      local w = 1 / (y * y)
      swxx = swxx + w * x * x; swxy = swxy + w * x * y; n = n + 1
    end
  end
  local c = swxy / swxx
  local sse, sw, swy = 0, 0, 0
  for i = 1, #xs do
    local x, y = xs[i], ys[i]
    if y > 0 and x > -huge and x < huge and y < huge then
      local w = 1 / (y * y)
      sse = sse + w * (y - c * x) ^ 2; sw = sw + w; swy = swy + w * y
    end
  end
  local my, syy = swy / sw, 0
  for i = 1, #xs do
    local y = ys[i]
    if y > 0 and y < huge and xs[i] > -huge and xs[i] < huge then syy = syy + (y - my) ^ 2 / (y * y) end
  end
  local r = { t0 = 0, c = c, t0_se = NAN, c_se = NAN, c_lo = NAN, c_hi = NAN, n_points = n,
    r2 = syy > 0 and 1 - sse / syy or 1, t0_constrained = true, t0_significant = false }
  if n >= 2 then
    r.c_se = sqrt(sse / (n - 1) / swxx)
    local t = M.t_quantile(n - 1, level)
    r.c_lo, r.c_hi = c - t * r.c_se, c + t * r.c_se
  end
  return r
end

-- -- Summary of repetitions -------------------------------------------------------

--- Pi's theoretical standard error for n samples: 4*sqrt(p(1-p)/n), p = pi/4.
function M.sigma_theory(n)
  if type(n) ~= "number" then error(format("sigma_theory: n must be a number, got %s", type(n)), 2) end
  local p = math.pi / 4
  return 4 * sqrt(p * (1 - p) / n)
end

local function column(rows, field)
  local t = {}
  for i, r in ipairs(rows) do
    local v = r[field]
    t[i] = type(v) == "number" and v or NAN
  end
  return t
end

local function finite(xs)
  local t = {}
  for _, v in ipairs(xs) do if v == v and v > -huge and v < huge then t[#t + 1] = v end end
  return t
end

--- Summarise repetition records (each with seconds and, when measured,
-- abs_err, ns_per_sample, samples_per_s) into the fields of a summary row:
-- seconds_{median,mean,min,max,sd,mad,ci_lo,ci_hi}, outliers, *_median,
-- rms_err with its bootstrap CI, sigma_theory. Sets each record's `outlier`
-- flag. opts: seed (bootstrap seed), resamples, n (for sigma_theory).
function M.summarize(reps, opts)
  if type(reps) ~= "table" then error(format("reps must be a list of records, got %s", type(reps)), 2) end
  if opts ~= nil and type(opts) ~= "table" then error(format("opts must be a table, got %s", type(opts)), 2) end
  for i, r in ipairs(reps) do
    if type(r) ~= "table" then error(format("reps[%d] must be a record (table), got %s", i, type(r)), 2) end
  end
  opts = opts or {}
  local out = { reps = #reps }
  local secs = column(reps, "seconds")
  local fs = finite(secs)
  if #fs > 0 then
    out.seconds_median = M.median(fs)
    out.seconds_mean = mean(fs)
    out.seconds_min, out.seconds_max = M.range(fs)
    out.seconds_sd = M.sd(fs)
    out.seconds_mad = M.mad(fs)
    out.seconds_ci_lo, out.seconds_ci_hi = M.bootstrap_ci(fs, "median",
      { seed = opts.seed, resamples = opts.resamples })
    local flags, count = M.outliers(secs)
    for i, r in ipairs(reps) do r.outlier = flags[i] end
    out.outliers = count
    local nps, sps = finite(column(reps, "ns_per_sample")), finite(column(reps, "samples_per_s"))
    if #nps > 0 then out.ns_per_sample_median = M.median(nps) end
    if #sps > 0 then out.samples_per_s_median = M.median(sps) end
  end
  local errs = finite(column(reps, "abs_err"))
  if #errs > 0 then
    out.estimate_median = M.median(finite(column(reps, "estimate")))
    out.abs_err_median = M.median(errs)
    out.rms_err = M.rms(errs)
    out.rms_err_ci_lo, out.rms_err_ci_hi = M.bootstrap_ci(errs, "rms",
      { seed = opts.seed, resamples = opts.resamples })
  end
  local n = opts.n or (reps[1] and reps[1].n)
  if type(n) == "number" and n > 0 then out.sigma_theory = M.sigma_theory(n) end
  return out
end

-- -- Fits over a sweep's summary rows ------------------------------------------------


--- Fits per kernel over summary rows, each with r2 and the points used:
-- model "affine", metric "seconds": seconds_median = t0 + c*N by weighted
-- least squares (M.affine_fit: a fixed cost per call plus a cost per
-- sample, c with its 95% t interval); model "power": seconds_median ~ a*N^b
-- and rms_err ~ a*N^b (metric "abs_err") by log-log least squares. Over
-- 10..10^9 the fixed cost bends the power law's b below 1; c is the figure
-- to compare with ns/sample. No fit from fewer than MIN_FIT_POINTS N; the
-- fixed cost is held >= 0 (M.affine_fit_nonneg: t0_constrained), and
-- t0_significant says whether its interval excludes 0.
M.MIN_FIT_POINTS = 3  -- two points fit any line exactly: R2 = 1 and no interval
function M.fits(summary)
  if type(summary) ~= "table" then
    util.blame(format("fits: summary must be a list of summary rows, got %s", type(summary)))
  end
  for i, s in ipairs(summary) do
    if type(s) ~= "table" or type(s.n) ~= "number" then
      util.blame(format("fits: summary[%d] must be a summary row with a number n", i))
    end
  end
  local by, order = util.group(summary, "kernel")
  local fits = {}
  for _, k in ipairs(order) do
    for _, m in ipairs{ { "seconds", "seconds_median" }, { "abs_err", "rms_err" } } do
      local xs, ys = {}, {}
      for _, s in ipairs(by[k]) do
        if type(s[m[2]]) == "number" then xs[#xs + 1] = s.n; ys[#ys + 1] = s[m[2]] end
      end
      if #xs >= M.MIN_FIT_POINTS then
        local lo, hi = M.range(xs)
        if m[1] == "seconds" then
          local f = M.affine_fit_nonneg(xs, ys)
          fits[#fits + 1] = { kernel = k, metric = "seconds", model = "affine", t0 = f.t0,
            t0_se = f.t0_se, c = f.c, c_se = f.c_se, c_lo = f.c_lo, c_hi = f.c_hi, r2 = f.r2,
            n_points = f.n_points, n_min = lo, n_max = hi, t0_constrained = f.t0_constrained,
            t0_significant = f.t0_significant }
        end
        local f = M.loglog_fit(xs, ys)
        fits[#fits + 1] = { kernel = k, metric = m[1], model = "power", a = f.a, b = f.b, r2 = f.r2,
          n_points = f.n_points, n_min = lo, n_max = hi }
      end
    end
  end
  return fits
end


return M
