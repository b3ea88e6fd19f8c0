-- mcpi.stats against hand-computed values; the bootstrap is reproducible; fits
-- recover known exponents from synthetic data.
local T = dofile("tests/harness.lua")
local stats = require "mcpi.stats"

local XS = { 9, 2, 4, 4, 5, 4, 7, 5 }  -- sorted: 2 4 4 4 5 5 7 9

T.rows("order statistics and spread of {2,4,4,4,5,5,7,9}", {
  { "mean", function() return stats.mean(XS) end, 5 },
  { "median (even count)", function() return stats.median(XS) end, 4.5 },
  { "median (odd count)", function() return stats.median({ 3, 1, 2 }) end, 2 },
  { "sd (n-1)", function() return stats.sd(XS) end, math.sqrt(32 / 7) },
  { "mad", function() return stats.mad(XS) end, 0.5 },
  { "q25 (type 7)", function() return stats.quantile(XS, 0.25) end, 4 },
  { "q75 (type 7)", function() return stats.quantile(XS, 0.75) end, 5.5 },
  { "q0", function() return stats.quantile(XS, 0) end, 2 },
  { "q1", function() return stats.quantile(XS, 1) end, 9 },
  { "min", function() return (stats.range(XS)) end, 2 },
  { "max", function() return select(2, stats.range(XS)) end, 9 },
  { "rms {3,4}", function() return stats.rms({ 3, 4 }) end, math.sqrt(12.5) },
  { "sigma_theory(1000)", function() return stats.sigma_theory(1000) end,
    4 * math.sqrt(math.pi / 4 * (1 - math.pi / 4) / 1000) },
}, function(row)
  T.near(row[2](), row[3], 1e-12, row[1])
end)

T.test("empty and single-value lists give NaN where undefined", function()
  local v = stats.mean({}); T.ok(v ~= v, "mean {}")
  v = stats.median({}); T.ok(v ~= v, "median {}")
  v = stats.sd({ 1 }); T.ok(v ~= v, "sd of one value")
  local lo, hi = stats.bootstrap_ci({ 7 }, "median")
  T.eq(lo, 7); T.eq(hi, 7)
end)

T.test("Tukey fences flag 9 in {2,4,4,4,5,5,7,9}, without removing it", function()
  local flags, n = stats.outliers(XS)   -- fences 4 - 1.5*1.5 = 1.75 and 5.5 + 2.25 = 7.75
  T.eq(n, 1)
  T.eq(flags[1], true, "9 is flagged")
  for i = 2, #XS do T.eq(flags[i], false, "value " .. XS[i]) end
  T.eq(#XS, 8)
  local _, none = stats.outliers({ 1, 100, 1 })
  T.eq(none, 0, "fewer than 4 values: nothing flagged")
end)

T.test("bootstrap CI is reproducible for a seed and brackets the median", function()
  local xs = {}
  local r = stats.rng(7)
  for i = 1, 40 do xs[i] = 10 + r:uniform() end
  local lo1, hi1 = stats.bootstrap_ci(xs, "median", { seed = 42 })
  local lo2, hi2 = stats.bootstrap_ci(xs, "median", { seed = 42 })
  T.eq(lo1, lo2); T.eq(hi1, hi2)
  local lo3, hi3 = stats.bootstrap_ci(xs, "median", { seed = 43 })
  T.ok(lo3 ~= lo1 or hi3 ~= hi1, "another seed resamples differently")
  local m = stats.median(xs)
  T.ok(lo1 <= m and m <= hi1, "CI contains the median")
  T.ok(hi1 - lo1 < 0.5, "CI of 40 uniforms' median is narrower than half their range")
end)

T.test("bootstrap CI of the mean covers the true mean at about the 95% rate", function()
  -- 200 samples of 30 uniforms (mean 0.5); a 95% interval should miss 10 times
  -- on average; more than 25 misses has probability < 1e-4 under Binomial(200, 0.05)
  -- even allowing the percentile bootstrap's undercoverage at n = 30 (~0.93).
  local r = stats.rng(99)
  local miss = 0
  for s = 1, 200 do
    local xs = {}
    for i = 1, 30 do xs[i] = r:uniform() end
    local lo, hi = stats.bootstrap_ci(xs, "mean", { seed = s, resamples = 400 })
    if not (lo <= 0.5 and 0.5 <= hi) then miss = miss + 1 end
  end
  T.ok(miss <= 25, "misses: " .. miss)
  T.ok(miss >= 1, "an interval that never misses is too wide: " .. miss)
end)

T.test("rng: uniform in [0,1), the same for the same seed", function()
  local a, b = stats.rng(5), stats.rng("5")
  local sum = 0
  for _ = 1, 1000 do
    local u = a:uniform()
    T.ok(u >= 0 and u < 1)
    T.eq(u, b:uniform())
    sum = sum + u
  end
  T.near(sum / 1000, 0.5, 5 * math.sqrt(1 / 12 / 1000), "mean within 5 sigma")
end)

T.test("loglog_fit recovers exact exponents", function()
  local xs, ys, es = {}, {}, {}
  for e = 1, 9 do
    local n = 10 ^ e
    xs[#xs + 1] = n; ys[#ys + 1] = 2e-9 * n ^ 1.0; es[#es + 1] = 3 * n ^ -0.5
  end
  local f = stats.loglog_fit(xs, ys)
  T.near(f.b, 1, 1e-12); T.near(f.a, 2e-9, 1e-20); T.near(f.r2, 1, 1e-12); T.eq(f.n_points, 9)
  f = stats.loglog_fit(xs, es)
  T.near(f.b, -0.5, 1e-12); T.near(f.a, 3, 1e-9)
end)

T.test("loglog_fit on noisy data: exponent within its bound, r2 below 1", function()
  local r = stats.rng(3)
  local xs, ys = {}, {}
  for e = 1, 9, 0.5 do
    local n = 10 ^ e
    xs[#xs + 1] = n
    ys[#ys + 1] = 1.5 * n ^ -0.5 * math.exp(0.2 * (r:uniform() - 0.5))  -- +-10% noise
  end
  local f = stats.loglog_fit(xs, ys)
  -- noise of +-0.1 in log y over log x spanning 18.4 moves the slope by < 0.02
  T.near(f.b, -0.5, 0.02)
  T.ok(f.r2 < 1 and f.r2 > 0.99, "r2 " .. f.r2)
end)

T.test("loglog_fit skips non-positive points and needs two", function()
  local f = stats.loglog_fit({ 10, 100, 1000 }, { 0, -1, 5 })
  T.eq(f.n_points, 1)
  T.ok(f.b ~= f.b, "NaN exponent from one point")
  f = stats.loglog_fit({ 10, 10 }, { 1, 2 })
  T.ok(f.b ~= f.b, "NaN when all x equal")
end)

T.test("t_quantile: tabled values, the expansion beyond, the normal limit", function()
  T.eq(stats.t_quantile(1), 12.706); T.eq(stats.t_quantile(7), 2.365); T.eq(stats.t_quantile(30), 2.042)
  T.near(stats.t_quantile(40), 2.021, 0.001)   -- tables: t(0.975, 40) = 2.021
  T.near(stats.t_quantile(120), 1.980, 0.001)  -- t(0.975, 120) = 1.980
  T.near(stats.t_quantile(1e6), 1.95996, 1e-4)
  T.near(stats.t_quantile(10, 0.99), 3.169, 0.01)
  T.near(stats.t_quantile(1e6, 0.90), 1.64485, 1e-4)
end)

T.test("affine_fit recovers a fixed cost and a cost per sample exactly", function()
  local xs, ys = {}, {}
  for e = 1, 9 do xs[#xs + 1] = 10 ^ e; ys[#ys + 1] = 2e-6 + 6e-10 * 10 ^ e end
  local f = stats.affine_fit(xs, ys)
  T.near(f.t0, 2e-6, 1e-15); T.near(f.c, 6e-10, 1e-19); T.near(f.r2, 1, 1e-12); T.eq(f.n_points, 9)
  T.ok(f.c_lo <= f.c and f.c <= f.c_hi and f.c_hi - f.c_lo < 1e-18, "a zero-width interval")
end)

-- Multiplicative noise of +-5% on each point: the interval must hold the
-- true cost per sample, and its half-width (t * se) is the bound on the miss.
T.test("affine_fit on noisy data: the 95% interval covers the true slope", function()
  local r = stats.rng(17)
  local covered, trials = 0, 200
  for _ = 1, trials do
    local xs, ys = {}, {}
    for e = 1, 9, 0.5 do
      local n = 10 ^ e
      xs[#xs + 1] = n; ys[#ys + 1] = (3e-7 + 4e-9 * n) * (1 + 0.1 * (r:uniform() - 0.5))
    end
    local f = stats.affine_fit(xs, ys)
    if f.c_lo <= 4e-9 and 4e-9 <= f.c_hi then covered = covered + 1 end
    T.ok(f.r2 < 1 and f.r2 > 0.99, "r2 " .. f.r2)
  end
  -- nominal 95% of 200 = 190; binomial sd 3.1; 5 sigma below is 174.6
  T.ok(covered >= 175, "coverage " .. covered .. "/200")
end)

T.test("affine_fit: skipped points, too few points, no spread in x", function()
  local f = stats.affine_fit({ 10, 100, 1000 }, { 0, -1, 5 })
  T.eq(f.n_points, 1); T.ok(f.c ~= f.c, "NaN from one point")
  f = stats.affine_fit({ 10, 100 }, { 1, 10 })
  T.near(f.c, 0.1, 1e-15); T.near(f.t0, 0, 1e-14); T.ok(f.c_se ~= f.c_se, "no standard error from two points")
  f = stats.affine_fit({ 10, 10, 10 }, { 1, 2, 3 })
  T.ok(f.c ~= f.c, "NaN when all x equal")
  f = stats.affine_fit({ 1, 2, 3, 1 / 0 }, { 1, 2, 3, 4 })
  T.eq(f.n_points, 3)
end)

T.test("summarize: fields of a summary row", function()
  local reps = {}
  for i, s in ipairs{ 1.0, 1.1, 0.9, 1.05, 5.0 } do
    reps[i] = { n = 100, seconds = s, abs_err = 0.01 * i, ns_per_sample = s * 1e7, samples_per_s = 100 / s }
  end
  local out = stats.summarize(reps, { seed = 1 })
  T.eq(out.reps, 5); T.eq(out.seconds_median, 1.05); T.eq(out.seconds_min, 0.9); T.eq(out.seconds_max, 5.0)
  T.near(out.seconds_mean, 9.05 / 5, 1e-12)
  T.eq(out.outliers, 1); T.eq(reps[5].outlier, true); T.eq(reps[1].outlier, false)
  T.near(out.rms_err, math.sqrt((1 + 4 + 9 + 16 + 25) * 1e-4 / 5), 1e-15)
  T.ok(out.rms_err_ci_lo <= out.rms_err and out.rms_err <= out.rms_err_ci_hi)
  T.ok(out.seconds_ci_lo <= 1.05 and 1.05 <= out.seconds_ci_hi)
  T.near(out.sigma_theory, stats.sigma_theory(100), 0)
end)

T.rows("bad input raises a clear error", {
  { "values must be a list", stats.mean, 5 },
  { "values[2] must be a number", stats.median, { 1, "x" } },
  { "q must be a number in [0, 1]", stats.quantile, { 1 }, 2 },
  { "stat must be", stats.bootstrap_ci, { 1, 2 }, "mode" },
  { "resamples must be", stats.bootstrap_ci, { 1, 2 }, "median", { resamples = 1 } },
  { "level must be", stats.bootstrap_ci, { 1, 2 }, "median", { level = 95 } },
  { "differ in length", stats.loglog_fit, { 1, 2 }, { 1 } },
  { "differ in length", stats.affine_fit, { 1, 2 }, { 1 } },
  { "values must be a list", stats.affine_fit, "xs", { 1 } },
  { "values[1] must be a number", stats.affine_fit, { 1, 2 }, { "a", 1 } },
  { "level must be a number in (0, 1) (got 95)", stats.affine_fit, { 1, 2 }, { 1, 2 }, 95 },
  { "df must be a whole number >= 1 (got 0)", stats.t_quantile, 0 },
  { "df must be a whole number >= 1 (got 2.5)", stats.t_quantile, 2.5 },
  { "df must be a whole number >= 1 (got 'x')", stats.t_quantile, "x" },
  { "level must be a number in (0, 1) (got 1)", stats.t_quantile, 3, 1 },
  { "seed must be", stats.rng, -1 },
}, function(row)
  T.raises(row[1], row[2], select(3, unpack(row)))
end)

T.done()
