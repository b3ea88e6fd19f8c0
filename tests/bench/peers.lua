-- Side by side: mcpi's kernels and the Python peers in one run, ns/sample medians, ratios with CIs, first-call (compile) times; results/bench/peers.json.
-- Run: make bench (BENCH=peers), or mcpi script tests/bench/peers.lua [REPS] [THREADS].
-- N = 1e8 (py.cpython 1e6, the Triton interpreter 1e5, lua.interp 1e7); REPS
-- rounds (default 5, at least 5) after a first call, every kernel once per
-- round in turn, so a load that drifts during the run touches all alike.
-- Round r uses seed 1 + r for every kernel: the philox kernels' hits must be
-- equal, and that is checked. Worker peers time themselves (their monotonic
-- clock around the call); in-process kernels are timed by mcpi's clock.
-- Ratio A/B = the median over rounds of B's time per sample over A's in the
-- same round (how many times faster A is), with a 95% bootstrap CI, and the
-- ratio of the two best rounds (MINS: load on a shared machine only adds time).
local cjson = require "cjson"
local C = mcpi.capi
local kernels = mcpi.kernels
local stats = mcpi.stats
local util = mcpi.util

local format = string.format
local REPS = tonumber(arg[1] or os.getenv("MCPI_BENCH_REPS") or "5")
local THREADS = tonumber(arg[2] or "2")
if not REPS or REPS < 5 or REPS % 1 ~= 0 then util.usage("peers bench: REPS must be a whole number >= 5") end
if not THREADS or THREADS < 1 or THREADS % 1 ~= 0 then util.usage("peers bench: THREADS must be a whole number >= 1") end

-- kernel, N
local PLAN = {
  { "c.threads", 1e8 }, { "c.avx512", 1e8 }, { "c.avx2", 1e8 }, { "c.auto", 1e8 },
  { "c.auto_clang", 1e8 }, { "c.auto_gcc", 1e8 }, { "c.scalar", 1e8 }, { "lua.philox", 1e8 },
  { "lua.jit", 1e8 }, { "lua.interp", 1e7 },
  { "py.numba_par", 1e8 }, { "py.numba", 1e8 }, { "py.jax", 1e8 }, { "py.tf", 1e8 },
  { "py.numpy", 1e8 }, { "py.numba_random", 1e8 }, { "py.jax_random", 1e8 },
  { "py.cpython", 1e6 }, { "py.triton", 1e5 },
}
-- faster, slower, target (issue 13: c.avx512 >= 1.8x py.numba; c.threads >= 1.8x py.numba_par)
local PAIRS = {
  { "c.avx512", "py.numba", 1.8 }, { "c.threads", "py.numba_par", 1.8 },
  { "c.auto", "py.numba" }, { "c.avx512", "c.auto" }, { "c.auto_clang", "c.auto_gcc" },
  { "py.numba", "c.scalar" }, { "py.numba", "lua.philox" }, { "py.numba", "py.jax" },
  { "py.jax", "py.tf" }, { "py.jax", "py.numpy" }, { "py.numba", "py.numba_random" },
  { "py.numba_random", "py.cpython" }, { "c.avx512", "py.triton" },
}

local function clock() return tonumber(C.mcpi_clock_ns()) / 1e9 end

-- One call: hits and seconds (the worker's own time for worker kernels).
local function once(k, n, seed)
  local t = k.threaded and THREADS or nil
  if k.call then
    local h, m = k.call(n, seed, t, 1)
    return h, m and m.seconds or 0
  end
  local t0 = clock()
  local h = k.fn(n, seed, t)
  return h, clock() - t0
end

local function start_all(entries)
  for _, e in ipairs(entries) do
    local t0 = clock()
    local ok, err = pcall(e.k.start)
    e.start_seconds = clock() - t0
    if not ok then e.failed = tostring(type(err) == "table" and err.msg or err) end
    if ok then
      local ok2, h, s = pcall(once, e.k, e.n, 1)  -- first call: compilation (JIT, XLA, Triton)
      if ok2 then e.first_call_seconds, e.first_hits = s, h else e.failed = tostring(h) end
    end
    io.stderr:write(format("  %-16s start %7.3f s  first call %s\n", e.name, e.start_seconds,
      e.failed and ("FAILED: " .. e.failed) or format("%.3f s", e.first_call_seconds)))
  end
end

local function plan()
  local entries = {}
  for _, p in ipairs(PLAN) do
    local k = kernels.get(p[1])
    local ok, why = k.available()
    entries[#entries + 1] = { name = p[1], k = k, n = p[2], available = ok and true or false,
                              why = why, ns = {}, hits = {} }
  end
  return entries
end

local function measure(entries)
  for r = 1, REPS do
    for _, e in ipairs(entries) do
      if e.available and not e.failed then
        local ok, h, s = pcall(once, e.k, e.n, 1 + r)
        if ok then
          e.ns[r], e.hits[r] = s * 1e9 / e.n, util.u64str(h)
        else
          e.failed = tostring(h)
        end
      end
    end
    io.stderr:write(format("  round %d/%d done\n", r, REPS))
  end
end

-- Same (n, seed) on the philox stream: same hits, or a list of what differs.
local function check_hits(entries)
  local want, bad = {}, {}
  for _, e in ipairs(entries) do
    if e.k.stream == "philox" then
      for r, h in pairs(e.hits) do
        local key = format("%.0f/%d", e.n, 1 + r)
        if want[key] == nil then want[key] = { h, e.name }
        elseif want[key][1] ~= h then
          bad[#bad + 1] = format("%s: %s hits at n=%s seed=%d, %s has %s", e.name, h, key:match("^[^/]+"),
            1 + r, want[key][2], want[key][1])
        end
      end
    end
  end
  return bad
end

-- Ratio faster/slower: the median over rounds of slower's ns over faster's
-- in the same round, with a 95% bootstrap CI.
local function ratio(by, a, b, target)
  local fa, fb = by[a], by[b]
  if not (fa and fb and #fa.ns >= 1 and #fb.ns >= 1) then return nil end
  local per = {}
  for r = 1, math.min(#fa.ns, #fb.ns) do per[r] = fb.ns[r] / fa.ns[r] end
  local lo, hi = stats.bootstrap_ci(per, "median")
  local x = stats.median(per)
  -- best of each: noise on a shared machine only adds time
  local best = math.min(unpack(fb.ns)) / math.min(unpack(fa.ns))
  return { faster = a, slower = b, ratio = x, ratio_lo = lo, ratio_hi = hi, ratio_of_mins = best,
           target = target, meets_target = target and x >= target or nil,
           ci_above_target = target and lo >= target or nil, n_faster = fa.n, n_slower = fb.n }
end

local function print_table(entries)
  io.stdout:write(format("%-16s %5s %7s %10s %10s %10s %9s %9s  %s\n", "KERNEL", "N", "THREADS",
    "NS/SAMPLE", "MIN", "MAX", "START S", "1ST CALL", "STREAM"))
  for _, e in ipairs(entries) do
    if not e.available then
      io.stdout:write(format("%-16s not available: %s\n", e.name, tostring(e.why)))
    elseif e.failed then
      io.stdout:write(format("%-16s failed: %s\n", e.name, e.failed))
    else
      io.stdout:write(format("%-16s %5s %7s %10.3f %10.3f %10.3f %9.3f %9.3f  %s\n", e.name,
        format("1e%d", math.floor(math.log10(e.n) + 0.5)), e.k.threaded and tostring(THREADS) or "1",
        e.median, e.min, e.max, e.start_seconds, e.first_call_seconds, e.k.stream))
    end
  end
end

local entries = plan()
io.stderr:write("peers bench: start and first call of each kernel\n")
start_all(entries)
measure(entries)
local by, rows = {}, {}
for _, e in ipairs(entries) do
  if e.available and not e.failed and #e.ns > 0 then
    e.median, e.min, e.max = stats.median(e.ns), math.min(unpack(e.ns)), math.max(unpack(e.ns))
    by[e.name] = e
  end
  rows[#rows + 1] = { kernel = e.name, stream = e.k.stream, kind = e.k.kind, n = e.n,
    threads = e.k.threaded and THREADS or 1, available = e.available, why = e.why, failed = e.failed,
    ns_per_sample = e.ns, hits = e.hits, ns_per_sample_median = e.median, ns_per_sample_min = e.min,
    ns_per_sample_max = e.max, ns_per_sample_mad = #e.ns > 0 and stats.mad(e.ns) or nil,
    start_seconds = e.start_seconds, first_call_seconds = e.first_call_seconds,
    info = e.k.info }
end
print_table(entries)

local ratios = {}
io.stdout:write("\nRATIO (A faster than B by)          median   95% CI         MINS     target\n")
for _, p in ipairs(PAIRS) do
  local x = ratio(by, p[1], p[2], p[3])
  if x then
    ratios[#ratios + 1] = x
    io.stdout:write(format("%-14s vs %-16s %7.2fx  %5.2f-%-7.2f %7.2fx  %s\n", p[1], p[2], x.ratio,
      x.ratio_lo, x.ratio_hi, x.ratio_of_mins, p[3] and format(">= %.1fx: median %s, CI %s", p[3],
        x.meets_target and "meets it" or "misses it", x.ci_above_target and "above it"
        or "not all above it") or ""))
  end
end
local bad = check_hits(entries)
io.stdout:write(#bad == 0 and "\nphilox kernels: the same hits at every (N, seed) they share (checked)\n"
  or ("\nHIT MISMATCH:\n  " .. table.concat(bad, "\n  ") .. "\n"))
kernels.stop_all()

local doc = {
  benchmark = "peers",
  context = mcpi.context and mcpi.context.collect and mcpi.context.collect() or {
    date = os.date("!%Y-%m-%dT%H:%M:%SZ") },
  reps = REPS, threads = THREADS, results = rows, ratios = ratios, hit_mismatches = bad,
}
os.execute("mkdir -p results/bench")
local out = (os.getenv("RESULTS") or "results/bench") .. "/peers.json"
assert(mcpi.json.write_file(out, cjson.encode(doc) .. "\n"))
io.stdout:write("wrote " .. out .. "\n")
if #bad > 0 then os.exit(1, true) end
