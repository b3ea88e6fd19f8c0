-- Decorators: each on its own, stacked in both orders, a user decorator, errors.
local T = dofile("tests/harness.lua")
local mcpi = require "mcpi"
local C = require "mcpi.capi"
local kernels = require "mcpi.kernels"
local stats = require "mcpi.stats"

local timed, accuracy, throughput, jitstats = mcpi.timed, mcpi.accuracy, mcpi.throughput, mcpi.jitstats
local rep = mcpi["repeat"]

-- A measured function that busy-waits ms milliseconds on the clock and
-- ignores req.calls (as a user's might).
local function sleeper(ms, log)
  return function(req)
    if log then log[#log + 1] = req.seed end
    local t0 = C.mcpi_clock_ns()
    while tonumber(C.mcpi_clock_ns() - t0) < ms * 1e6 do end
    return { kernel = "sleep", n = req.n, seed = req.seed, hits = 0 }
  end
end

T.test("timed: a 3 ms call measures 3 ms once", function()
  local r = timed(sleeper(3))(1)
  T.eq(r.calls, 1)
  T.ok(r.seconds >= 0.003 and r.seconds < 0.05, "seconds " .. r.seconds)
end)

T.test("timed: a short kernel is repeated inside and reported per call", function()
  local f = timed(mcpi.kernel("c.scalar"))
  local r = f{ n = 10, seed = 1 }
  T.ok(r.calls > 1, "calls " .. r.calls)
  T.ok(r.seconds * r.calls * 1e9 >= mcpi.decorators.min_time_ns(), "the timed region reaches min_ns")
  T.ok(r.seconds < 1e-4, "per-call time of 10 samples " .. r.seconds)
  T.ok(r.first_call_seconds, "first call reported apart")
  -- the first count was chosen while the loop ran interpreted; once compiled
  -- the region may fall under half the minimum and the count grows, then it
  -- is reused: it never shrinks and settles within a few calls
  -- (on a loaded machine or under the sanitizers a late slow spell can grow
  -- it once more, so what is checked is that it is reused, not when it settles)
  local counts, last = { r.calls }, nil
  for seed = 2, 20 do
    last = f{ n = 10, seed = seed }
    counts[#counts + 1] = last.calls
    T.ok(last.seconds * last.calls * 1e9 >= 0.5 * mcpi.decorators.min_time_ns(), "region long enough")
  end
  local distinct, reused = 1, false
  for i = 2, #counts do
    T.ok(counts[i] >= counts[i - 1], "the count only grows")
    if counts[i] ~= counts[i - 1] then distinct = distinct + 1 end
    if i >= 3 and counts[i] == counts[i - 1] and counts[i] == counts[i - 2] then reused = true end
  end
  T.ok(reused, "the count is reused for the same n: " .. table.concat(counts, ","))
  T.ok(distinct <= 5, "it settles within a few growths: " .. table.concat(counts, ","))
  T.eq(last.first_call_seconds, nil)
end)

T.test("timed: a function that ignores req.calls is looped by timed itself", function()
  local count = 0
  local f = timed{ min_ns = 1e6 }(function(req) count = count + 1; return { n = req.n } end)
  local r = f(5)
  T.ok(r.calls > 1)
  T.ok(count >= 2 + r.calls, "trial, ignored batched call, then the loop: " .. count)
  count = 0
  f(5)
  T.eq(count, r.calls, "later calls loop at once")
end)

T.test("accuracy: estimate, abs_err, rel_accuracy, std_err, z by hand", function()
  local r = accuracy(mcpi.kernel("c.scalar")){ n = 1000, seed = 1 }
  local est = 4 * r.hits / 1000
  T.eq(r.estimate, est)
  T.eq(r.abs_err, math.abs(est - math.pi))
  T.eq(r.rel_accuracy, 1 - math.abs(est - math.pi) / math.pi)
  local p = math.pi / 4
  T.near(r.std_err, 4 * math.sqrt(p * (1 - p) / 1000), 1e-15)
  T.near(r.z, (est - math.pi) / r.std_err, 1e-12)
  T.ok(math.abs(r.z) < 5, "5-sigma bound on one estimate")
end)

T.test("throughput: rates from timed seconds, or its own clock", function()
  local r = throughput(timed(mcpi.kernel("c.scalar")))(1e5)
  T.near(r.samples_per_s, 1e5 / r.seconds, 1e-6 * r.samples_per_s)
  T.near(r.ns_per_sample, r.seconds * 1e9 / 1e5, 1e-9)
  local s = throughput(sleeper(2))(1000)
  T.ok(s.seconds >= 0.002 and s.ns_per_sample >= 2000, "timed by throughput itself")
end)

T.test("stacking in both orders gives the same metrics", function()
  local a = timed(accuracy(mcpi.kernel("c.simd"))){ n = 1e4, seed = 9 }
  local b = accuracy(timed(mcpi.kernel("c.simd"))){ n = 1e4, seed = 9 }
  for _, k in ipairs{ "hits", "estimate", "abs_err", "z", "std_err" } do T.eq(a[k], b[k], k) end
  T.ok(a.seconds > 0 and b.seconds > 0)
  local c = throughput(timed(accuracy("c.simd")))(1e4, 9)
  local d = accuracy(throughput(timed("c.simd")))(1e4, 9)
  T.eq(c.estimate, d.estimate); T.ok(c.samples_per_s > 0 and d.samples_per_s > 0)
end)

T.test("repeat: warm-up, then seeds seed, seed+1, ...; aggregate", function()
  local log = {}
  local f = rep{ reps = 4, warmup = 2 }(timed(sleeper(1, log)))
  local r = f{ n = 10, seed = 100 }
  T.eq(table.concat(log, ","), "100,100,100,101,102,103")
  T.eq(r.reps, 4); T.eq(#r.runs, 4); T.eq(r.warmup, 2)
  for i, run in ipairs(r.runs) do T.eq(run.rep, i - 1); T.eq(run.seed, 100 + i - 1) end
  local secs = {}
  for i, run in ipairs(r.runs) do secs[i] = run.seconds end
  T.eq(r.seconds_median, stats.median(secs))
  T.ok(r.seconds_ci_lo <= r.seconds_median and r.seconds_median <= r.seconds_ci_hi)
  T.ok(r.first_seconds >= 0.001)
end)

T.test("repeat: seeds above 2^53 stay exact", function()
  local r = rep(mcpi.kernel("c.scalar"), 3)({ n = 10, seed = "18446744073709551614" })
  T.eq(r.runs[1].seed, 18446744073709551614ULL)
  T.eq(r.runs[2].seed, 18446744073709551615ULL)
  T.eq(r.runs[3].seed, 0, "seed + r wraps mod 2^64")
end)

T.test("accuracy around repeat fills every run and the RMS error", function()
  local r = accuracy(rep{ reps = 5, warmup = 0 }(timed("c.scalar"))){ n = 1e4, seed = 1 }
  for _, run in ipairs(r.runs) do T.ok(run.abs_err, "run has abs_err") end
  T.ok(r.rms_err > 0 and r.rms_err_ci_lo <= r.rms_err and r.rms_err <= r.rms_err_ci_hi)
  -- 5 estimates at N = 1e4: RMS error within 3x sigma (chi2(5)/5 < 9 w.p. > 1 - 1e-7)
  T.ok(r.rms_err < 3 * r.sigma_theory, "rms " .. r.rms_err)
  local s = timed(rep{ reps = 3, warmup = 0 }("c.scalar"))(1e4)
  T.ok(s.seconds > 0 and #s.runs == 3, "timed outside repeat times the whole")
end)

T.test("jitstats: first call compiles, steady state does not; aborts counted", function()
  local f = jitstats("lua.jit")
  local r1 = f(1e4, 1)
  T.eq(r1.jit_first, true)
  T.ok(r1.jit_traces >= 1, "traces on the first call: " .. r1.jit_traces)
  -- side traces may still form on the next calls; within 20 calls one must
  -- compile nothing (the steady state)
  local steady = false
  for i = 2, 20 do
    local r = f(1e4, i)
    T.eq(r.jit_first, false)
    if r.jit_traces == 0 then steady = true; break end
  end
  T.ok(steady, "a call with nothing new to compile")
  local g = jitstats(function(req)
    local t = 0
    for i = 1, 200 do local h = function() return i end; t = t + h() end  -- FNEW aborts
    return { n = req.n, t = t }
  end)
  local r = g(1)
  T.ok(r.jit_aborts >= 1, "aborts " .. r.jit_aborts)
  T.ok(r.jit_abort_reasons[1]:find("NYI", 1, true), r.jit_abort_reasons[1])
  local agg = rep{ reps = 3 }(jitstats(timed("lua.jit")))(1e4)
  T.ok(agg.jit_traces_first ~= nil and agg.jit_traces_steady ~= nil, "first apart from steady")
end)

T.test("a user decorator stacks with the built-in ones", function()
  local function calls_counted(f)
    local k = 0
    return function(req) k = k + 1; local r = f(req); r.my_count = k; return r end
  end
  local f = rep{ reps = 3, warmup = 1 }(calls_counted(accuracy(timed("c.scalar"))))
  local r = f(1000)
  T.eq(r.runs[3].my_count, 4)
  T.ok(r.runs[3].estimate and r.runs[3].seconds)
end)

T.rows("bad decorator use raises a clear error", {
  { "expected a measured function, kernel name or kernel, got nil", function() return timed(nil) end },
  { "expected a measured function, kernel name or kernel, got number", function() return accuracy(42) end },
  { "did you mean 'c.simd'", function() return timed("c.smid") end },
  { "timed: unknown option 'min_n'", function() return timed{ min_n = 5 } end },
  { "timed: min_ns must be", function() return timed{ min_ns = -1 } end },
  { "repeat: reps must be a whole number", function() return rep{ reps = 0 } end },
  { "repeat: warmup must be a whole number", function() return rep{ warmup = 1.5 } end },
  { "accuracy: the record has no n and hits", function() return accuracy(function() return {} end)(10) end },
  { "n must be >= 1", function() return timed("c.scalar")(0) end },
  { "seed must be >= 0", function() return timed("c.scalar")(10, -1) end },
}, function(row) T.raises(row[1], row[2]) end)

T.done()
