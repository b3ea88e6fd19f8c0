-- mcpi.paired: the ratio CI covers a known ratio at its stated rate (seeded
-- synthetic data, 5-sigma binomial bound), the hierarchical bootstrap and
-- Mann-Whitney U against hand-computed values, sentences, bad input.
local T = dofile("tests/harness.lua")
local paired = require "mcpi.paired"
local stats = require "mcpi.stats"

local exp, log, sqrt, cos, pi = math.exp, math.log, math.sqrt, math.cos, math.pi

-- Standard normal deviates from the seeded philox generator (Box-Muller).
local function normal(rng)
  local u1, u2 = rng:uniform(), rng:uniform()
  if u1 < 1e-12 then u1 = 1e-12 end
  return sqrt(-2 * log(u1)) * cos(2 * pi * u2)
end

-- Coverage: base_i = R * d_i * e^(0.1 a_i), this_i = d_i * e^(0.1 b_i) with a
-- drift d_i shared by the pair. base/R and this have the same distribution,
-- so the population ratio of medians is exactly R. Over 200 seeded trials
-- the 95% interval must cover R in a share within 5 binomial sigmas of 0.95:
-- sigma = sqrt(0.95 * 0.05 / 200) = 0.0154, so at least 0.873 (the upper
-- bound, 1.027, cannot fail at 200 trials). Measured with 400 trials: 0.968
-- (drift 0.05), 0.998 (drift 0.3: the percentile bootstrap of a ratio of
-- medians is conservative when drift dominates).
T.test("speed-up CI coverage on synthetic pairs with a known ratio (200 trials, 5 sigma)", function()
  local R, TRIALS, PAIRS = 2.5, 200, 25
  local rng = stats.rng(777)
  local covered = 0
  for t = 1, TRIALS do
    local base, this = {}, {}
    for i = 1, PAIRS do
      local d = exp(0.05 * normal(rng))
      base[i] = R * d * exp(0.1 * normal(rng))
      this[i] = d * exp(0.1 * normal(rng))
    end
    local _, lo, hi = paired.ratio_ci(base, this, { resamples = 1000, seed = t })
    if lo <= R and R <= hi then covered = covered + 1 end
  end
  local share = covered / TRIALS
  local bound = 0.95 - 5 * sqrt(0.95 * 0.05 / TRIALS)
  T.ok(share >= bound, string.format("coverage %.3f below %.3f", share, bound))
end)

-- Fresh processes: 9 processes with a process effect e^(0.3 z) (code
-- placement) and 5 repetitions each with noise e^(0.05 z); the population
-- median is exactly 1. The hierarchical CI (processes, then repetitions)
-- must cover 1 in at least 87.3% of 200 trials (95% minus 5 sigmas); the
-- bootstrap that ignores processes does not (measured 0.605: its interval
-- is as narrow as the noise within one process), so it must stay below 0.80.
T.test("hierarchical CI covers the median across processes; ignoring processes does not (200 trials)", function()
  local rng = stats.rng(99)
  local TRIALS, K, R = 200, 9, 5
  local hier, naive = 0, 0
  for t = 1, TRIALS do
    local xs, gs = {}, {}
    for p = 1, K do
      local mu = 0.3 * normal(rng)
      for _ = 1, R do xs[#xs + 1] = exp(mu + 0.05 * normal(rng)); gs[#gs + 1] = p end
    end
    local _, lo, hi = paired.median_ci(xs, gs, { seed = t, resamples = 1000 })
    if lo <= 1 and 1 <= hi then hier = hier + 1 end
    _, lo, hi = paired.median_ci(xs, nil, { seed = t, resamples = 1000 })
    if lo <= 1 and 1 <= hi then naive = naive + 1 end
  end
  local bound = 0.95 - 5 * sqrt(0.95 * 0.05 / TRIALS)
  T.ok(hier / TRIALS >= bound, string.format("hierarchical coverage %.3f below %.3f", hier / TRIALS, bound))
  T.ok(naive / TRIALS < 0.80, string.format("one-level coverage %.3f: processes made no difference", naive / TRIALS))
end)

T.test("pairing: drift shared by a pair cancels, so the paired CI is narrower than the drift", function()
  local rng = stats.rng(5)
  local base, this = {}, {}
  for i = 1, 30 do
    local d = exp(0.5 * normal(rng))  -- large drift between pairs
    base[i], this[i] = 3 * d * exp(0.01 * normal(rng)), d * exp(0.01 * normal(rng))
  end
  local r, lo, hi = paired.ratio_ci(base, this, { seed = 1 })
  T.ok(lo <= 3 and hi >= 3, "covers 3")
  T.ok(r > 2.5 and r < 3.5, "ratio " .. r)
end)

T.test("ratio_ci: exact ratio of medians, reproducible, NaN interval below 3 pairs", function()
  local r, lo, hi = paired.ratio_ci({ 2, 4, 6 }, { 1, 2, 3 })
  T.eq(r, 2)
  T.ok(lo == 2 and hi == 2, "constant ratio: degenerate interval")
  local a = { paired.ratio_ci({ 3, 5, 4, 9 }, { 1, 2, 2, 3 }, { seed = 3 }) }
  local b = { paired.ratio_ci({ 3, 5, 4, 9 }, { 1, 2, 2, 3 }, { seed = 3 }) }
  T.eq(a[2], b[2]); T.eq(a[3], b[3])
  r, lo = paired.ratio_ci({ 2, 4 }, { 1, 1 })
  T.eq(r, 3); T.ok(lo ~= lo, "no CI for 2 pairs")
  r = paired.ratio_ci({}, {})
  T.ok(r ~= r, "empty: NaN")
end)

T.test("median_ci: process medians and a hierarchical interval that spans them", function()
  -- three processes at 1, 2 and 3 (+ small noise): the median of all is 2,
  -- the process medians 1, 2, 3; resampling processes makes the CI wide.
  local xs, gs = {}, {}
  for p = 1, 3 do
    for r = 1, 5 do xs[#xs + 1] = p + r * 0.001; gs[#gs + 1] = p end
  end
  local med, lo, hi, meds = paired.median_ci(xs, gs, { seed = 2 })
  T.near(med, 2.003, 1e-12)
  T.eq(#meds, 3)
  T.near(meds[1], 1.003, 1e-12); T.near(meds[3], 3.003, 1e-12)
  T.ok(lo <= 1.01 and hi >= 2.99, string.format("CI %g-%g spans the process medians", lo, hi))
  -- one process: the ordinary bootstrap, as narrow as the noise
  local _, lo1, hi1 = paired.median_ci({ 1, 1.1, 1.2, 1.3 }, nil, { seed = 2 })
  T.ok(lo1 >= 1 and hi1 <= 1.3)
end)

T.rows("Mann-Whitney U against exact tables", {
  -- all of xs above ys, 3 vs 3: U = 9, two-sided exact p = 2/20
  { { 4, 5, 6 }, { 1, 2, 3 }, 0.1, 9 },
  { { 1, 2, 3 }, { 4, 5, 6 }, 0.1, 0 },
  -- 4 vs 4 fully separated: 2/70
  { { 5, 6, 7, 8 }, { 1, 2, 3, 4 }, 2 / 70, 16 },
  -- interleaved 1 3 5 | 2 4 6: U = 3, P(U <= 3) = 7/20, two-sided 0.7
  { { 1, 3, 5 }, { 2, 4, 6 }, 0.7, 3 },
}, function(row)
  local p, u = paired.mann_whitney(row[1], row[2])
  T.near(p, row[3], 1e-12, "p")
  T.eq(u, row[4], "U")
end)

T.test("Mann-Whitney U: normal approximation for large samples", function()
  local xs, ys = {}, {}
  for i = 1, 30 do xs[i] = i + 0.5; ys[i] = i + 100 end
  local p = paired.mann_whitney(xs, ys)
  T.ok(p < 1e-9, "separated: p " .. p)
  for i = 1, 30 do ys[i] = i end
  p = paired.mann_whitney(xs, ys)
  T.ok(p > 0.5, "shifted by half a step: p " .. p)
end)

T.rows("sentences", {
  { { kernel = "c.simd", baseline = "c.scalar", n = 1e6, speedup = 9.94, speedup_lo = 9.81, speedup_hi = 10.07 },
    "c.simd is 9.94x faster than c.scalar (95% CI 9.81-10.07) at N=1e6" },
  { { kernel = "lua.jit", baseline = "c.scalar", n = 1000, speedup = 0.5, speedup_lo = 0.4, speedup_hi = 0.625 },
    "lua.jit is 2.00x slower than c.scalar (95% CI 1.60-2.50) at N=1000" },
  { { kernel = "a", baseline = "b", n = 10, speedup = 1.01, speedup_lo = 0.97, speedup_hi = 1.05 },
    "a vs b at N=10: no significant difference (1.01x, 95% CI 0.97-1.05)" },
  { { kernel = "b", baseline = "b", n = 10, speedup = 1 }, nil },
}, function(row)
  T.eq(paired.sentence(row[1]), row[2])
end)

T.test("bad input names the argument", function()
  T.raises("base must be a list of numbers", paired.ratio_ci, nil, {})
  T.raises("this[2] must be a number", paired.ratio_ci, { 1, 2 }, { 1, "x" })
  T.raises("equal length", paired.ratio_ci, { 1, 2 }, { 1 })
  T.raises("opts.resamples must be a whole number >= 10", paired.ratio_ci, { 1 }, { 1 }, { resamples = 3 })
  T.raises("opts.level must be a number in (0, 1)", paired.ratio_ci, { 1 }, { 1 }, { level = 95 })
  T.raises("opts must be a table", paired.ratio_ci, { 1 }, { 1 }, 5)
  T.raises("groups must be a list", paired.median_ci, { 1 }, 7)
  T.raises("xs must be a list of numbers", paired.mann_whitney, "x", { 1 })
  T.raises("sentence: need a summary row", paired.sentence, 3)
end)

T.done()
