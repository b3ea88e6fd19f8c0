--- mcpi.decorators: decorators wrap a measured function (request -> record)
-- and return another that adds metrics, so they stack like Python's:
--   local f = timed(accuracy(mcpi.kernel("c.simd")))
--   f{n = 1e6, seed = 42}  --> {kernel, n, seed, hits, estimate, abs_err, ..., seconds, calls}
-- Each accepts a measured function, a kernel name or a kernel table, and
-- options either as a second argument or first: timed{min_ns = 1e5}(f).
-- Writing your own takes a few lines (see scripts/decorator_rss.lua):
--   local function peak(f) return function(req) local r = f(req); r.x = ...; return r end end
local C = require "mcpi.capi"
local measure = require "mcpi.measure"
local stats = require "mcpi.stats"
local util = require "mcpi.util"
local jitstate = require "mcpi.jitstate"

local type, pairs, ipairs, tonumber, tostring, format = type, pairs, ipairs, tonumber, tostring, string.format
local ceil, max, min, abs, pi, huge = math.ceil, math.max, math.min, math.abs, math.pi, math.huge
local clock_ns = C.mcpi_clock_ns
local request = measure.request

local M = {}

-- What a measured function returned must be a record; say so at the user's
-- line, not "attempt to index local 'rec'" inside this file.
local function record(rec, name)
  if type(rec) ~= "table" then
    util.blame(format("%s: the measured function returned %s, not a record (a table of metrics; "
      .. "return the record your function built)", name, type(rec)))
  end
  return rec
end

-- decorate(fn_or_opts, opts) -> build(f, opts) applied now, or a decorator
-- waiting for f when called with options only.
local function decorator(name, build, check_opts)
  return function(a, b)
    if type(a) == "table" and not (type(a.fn) == "function" and type(a.name) == "string") then
      local opts = check_opts(a, 2)
      return function(f) return build(measure.measured(f, 2), opts) end
    end
    if a == nil then error(format("%s: expected a measured function, kernel name or kernel, got nil", name), 2) end
    local f = measure.measured(a, 2)
    return build(f, check_opts(b or {}, 2))
  end
end

local function whole(v, what, lo, hi)
  if type(v) ~= "number" or v ~= v or v % 1 ~= 0 or v < lo or v > hi then
    util.blame(format("%s must be a whole number in %s..%s, got %s", what, util.fmtnum(lo),
      util.fmtnum(hi), type(v) == "number" and util.fmtnum(v) or type(v)))
  end
  return v
end

local function only(opts, allowed, name)
  if type(opts) ~= "table" then
    util.blame(format("%s: options must be a table, got %s", name, type(opts)))
  end
  for k in pairs(opts) do
    if not allowed[k] then
      local names = {}
      for a in pairs(allowed) do names[#names + 1] = a end
      table.sort(names)
      util.blame(format("%s: unknown option %s%s", name, util.quote_arg(tostring(k)),
        util.did_you_mean(tostring(k), names, "options: " .. table.concat(names, ", "))))
    end
  end
  return opts
end

-- -- timed ----------------------------------------------------------------------

--- The shortest region timed (ns): 1000 times the clock's effective
-- resolution (the larger of clock_getres and the cost of one clock read).
function M.min_time_ns()
  local o = require("mcpi.context").overheads()
  return 1000 * max(o.clock_resolution, o.clock_read, 1)
end

local MAX_CALLS = 1e7

-- One timed call of f: the record, the time to report (ns; the kernel's own
-- reading when the record carries one, timer = "kernel") and the wall time
-- (ns) seen here.
local function time_call(f, r)
  local t0 = clock_ns()
  local rec = record(f(r), "timed")
  local wall = tonumber(clock_ns() - t0)
  if rec.timer == "kernel" and type(rec.seconds) == "number" then
    return rec, rec.seconds * (rec.calls or 1) * 1e9, wall
  end
  return rec, wall, wall
end

local function build_timed(f, opts)
  local min_ns = opts.min_ns
  local plan = {}  -- n -> calls that reach min_ns, and whether f honours req.calls
  local honours = true  -- until f shows it ignores req.calls
  local function run(req, calls)
    local rec, dt, wall
    if honours or calls == 1 then
      local r = calls == 1 and req or measure.with(req, { calls = calls })
      rec, dt, wall = time_call(f, r)
      if calls == 1 or rec.calls == calls then return rec, dt, wall end
      honours = false
    end
    -- f ignores req.calls: loop here instead (its per-call overhead included).
    local t0 = clock_ns()
    for _ = 1, calls do rec = f(req) end
    dt = tonumber(clock_ns() - t0)
    return record(rec, "timed"), dt, dt
  end
  return function(a, b, c)
    local req = request(a, b, c, 2)
    min_ns = min_ns or M.min_time_ns()
    local rec, dt, wall, calls, first
    if req.calls then  -- an outer timed chose the count
      calls = req.calls
      rec, dt, wall = time_call(f, req)
    else
      local p = plan[req.n]
      if p then
        rec, dt, wall = run(req, p)
        calls = p
      else
        rec, dt, wall = run(req, 1)
        calls = 1
        first = dt
      end
      -- Grow the count until the region is long enough: the first calls
      -- (interpreted, compiling) understate how fast later ones are, so a
      -- count that sufficed then may fall short once the code is compiled.
      -- A cached count is grown only when it falls below half the minimum.
      if not p or dt < 0.5 * min_ns then
        for _ = 1, 8 do
          if dt >= min_ns or calls >= MAX_CALLS then break end
          calls = min(MAX_CALLS, ceil(calls * 1.2 * min_ns / max(dt, 1)))
          rec, dt, wall = run(req, calls)
        end
        plan[req.n] = calls
      end
    end
    if type(rec) ~= "table" then error("timed: the measured function returned no record", 2) end
    rec.seconds = dt / 1e9 / calls
    rec.calls = calls
    if rec.timer == "kernel" then rec.wall_seconds = wall / 1e9 / calls end
    if first then rec.first_call_seconds = first / 1e9 end
    return rec
  end
end

--- timed(f [, opts]) or timed(opts)(f): wall time per call on the monotonic
-- clock (C.mcpi_clock_ns). A call shorter than min_ns (default 1000x the
-- clock's effective resolution) is repeated `calls` times on the same
-- request and timed together; the count is chosen on the first call for each
-- n and reused. Adds seconds (per call) and calls; the first call at each n
-- also carries first_call_seconds (that one call alone, compilation included).
-- A kernel that times itself (a `call` kernel returning metrics.seconds, e.g.
-- a worker process: record field timer = "kernel") is reported by its own
-- clock, so process start-up and pipe latency never count; timed's reading
-- of the same calls is kept as wall_seconds (per call).
M.timed = decorator("timed", build_timed, function(o, level)
  only(o, { min_ns = true }, "timed", level + 1)
  if o.min_ns ~= nil and (type(o.min_ns) ~= "number" or not (o.min_ns >= 0 and o.min_ns < 1e12)) then
    error("timed: min_ns must be a number in [0, 1e12)", level + 1)
  end
  return o
end)

-- -- accuracy -------------------------------------------------------------------

local function add_accuracy(r)
  local n, hits = r.n, tonumber(r.hits)
  if type(n) ~= "number" or type(hits) ~= "number" then
    error("accuracy: the record has no n and hits (wrap a kernel, e.g. accuracy(mcpi.kernel('c.simd')))", 3)
  end
  local est = 4 * hits / n
  local err = abs(est - pi)
  r.estimate = est
  r.abs_err = err
  r.rel_accuracy = 1 - err / pi
  r.std_err = stats.sigma_theory(n)
  r.z = (est - pi) / r.std_err
end

local function merge_summary(rec, opts)
  local s = stats.summarize(rec.runs, opts)
  for k, v in pairs(s) do rec[k] = v end
end

local function build_accuracy(f)
  return function(a, b, c)
    local rec = record(f(request(a, b, c, 2)), "accuracy")
    if rec.runs then
      for _, r in ipairs(rec.runs) do add_accuracy(r) end
      merge_summary(rec, { n = rec.n })
    else
      add_accuracy(rec)
    end
    return rec
  end
end

--- accuracy(f): estimate = 4*hits/n, abs_err = |estimate - pi|, the seed
-- study's rel_accuracy = 1 - abs_err/pi, std_err = 4*sqrt(p(1-p)/n) with
-- p = pi/4, and z = (estimate - pi)/std_err. Around a repeat it adds these to
-- every run and the summary (abs_err_median, rms_err and its CI).
M.accuracy = decorator("accuracy", build_accuracy, function(o, level)
  return only(o, {}, "accuracy", level + 1)
end)

-- -- throughput -----------------------------------------------------------------

local function add_rates(r)
  local s = r.seconds
  r.ns_per_sample = s * 1e9 / r.n
  r.samples_per_s = s > 0 and r.n / s or huge
end

local function build_throughput(f)
  return function(a, b, c)
    local req = request(a, b, c, 2)
    local t0 = clock_ns()
    local rec = f(req)
    local dt = tonumber(clock_ns() - t0)
    record(rec, "throughput")
    if rec.runs then
      for _, r in ipairs(rec.runs) do
        if type(r.seconds) == "number" then add_rates(r) end
      end
      merge_summary(rec, { n = rec.n })
      return rec
    end
    if type(rec.seconds) ~= "number" then
      rec.seconds = dt / 1e9 / (rec.calls or 1)  -- not timed inside: time it here
    end
    add_rates(rec)
    return rec
  end
end

--- throughput(f): samples_per_s and ns_per_sample from the record's seconds
-- (timed inside), or from its own clock around the call when nothing inside
-- timed it.
M.throughput = decorator("throughput", build_throughput, function(o, level)
  return only(o, {}, "throughput", level + 1)
end)

-- -- repeat ---------------------------------------------------------------------

local function build_repeat(f, opts)
  local reps, warmup = opts.reps or 5, opts.warmup or 1
  return function(a, b, c)
    local req = request(a, b, c, 2)
    local first
    for _ = 1, warmup do
      local w = f(req)
      first = first or w
    end
    local runs = {}
    for r = 0, reps - 1 do
      local rec = record(f(measure.with(req, { seed = req.seed_u64 + r })), "repeat")
      rec.rep = r
      runs[#runs + 1] = rec
    end
    first = first or runs[1]
    local agg = stats.summarize(runs, { n = req.n, seed = opts.seed })
    local r1 = runs[1]
    agg.kernel, agg.stream, agg.n, agg.threads = r1.kernel, r1.stream, r1.n, r1.threads
    agg.seed, agg.warmup, agg.runs = req.seed, warmup, runs
    agg.first_seconds = first.seconds
    if r1.jit_traces ~= nil then
      local t, ab = 0, 0
      for _, r in ipairs(runs) do t = t + (r.jit_traces or 0); ab = ab + (r.jit_aborts or 0) end
      agg.jit_traces_steady, agg.jit_aborts_steady = t, ab
      agg.jit_traces_first, agg.jit_aborts_first = first.jit_traces, first.jit_aborts
    end
    return agg
  end
end

--- repeat(f [, opts]) or repeat(opts)(f), opts {reps = 5, warmup = 1, seed =
-- bootstrap seed}: warmup calls (results dropped), then reps calls with seeds
-- seed, seed+1, ...; returns the summary fields (seconds_median, ..., CI,
-- outliers, rms_err ...) with the runs in `runs` and the first call's time
-- in first_seconds. `repeat` is a Lua keyword: use mcpi["repeat"] or mcpi.repeated.
M["repeat"] = decorator("repeat", build_repeat, function(o, level)
  if type(o) == "number" then o = { reps = o } end
  only(o, { reps = true, warmup = true, seed = true }, "repeat", level + 1)
  if o.reps ~= nil then whole(o.reps, "repeat: reps", 1, 1e6, level + 1) end
  if o.warmup ~= nil then whole(o.warmup, "repeat: warmup", 0, 1e6, level + 1) end
  return o
end)
M.repeated = M["repeat"]

-- -- jitstats -------------------------------------------------------------------

local vmdef

local function abort_reason(code, info)
  if not vmdef then
    local ok, v = pcall(require, "jit.vmdef")
    vmdef = ok and v or false
  end
  local msg = vmdef and vmdef.traceerr and vmdef.traceerr[code]
  if not msg then return format("error %s", tostring(code)) end
  if type(info) == "number" and msg:find("bytecode %%d") and vmdef.bcnames then
    local name = vmdef.bcnames:sub(info * 6 + 1, info * 6 + 6):gsub("%s+$", "")
    return (msg:gsub("%%d", name))
  end
  if type(info) == "number" and msg:find("%%d") then
    return (msg:gsub("%%d", tostring(info)))
  end
  if msg:find("%%s") then return (msg:gsub("%%s", "?")) end
  return msg
end

local function build_jitstats(f)
  local ncalls = 0
  return function(a, b, c)
    local req = request(a, b, c, 2)
    local started, stopped, aborted, reasons, seen = 0, 0, 0, {}, {}
    local function cb(what, _, _, _, code, info)
      if what == "start" then started = started + 1
      elseif what == "stop" then stopped = stopped + 1
      elseif what == "abort" then
        aborted = aborted + 1
        local why = abort_reason(code, info)
        if not seen[why] and #reasons < 8 then seen[why] = true; reasons[#reasons + 1] = why end
      end
    end
    jit.attach(cb, "trace")
    local h = jitstate.start()
    local ok, rec = pcall(f, req)
    local prof = jitstate.stop(h)
    jit.attach(cb)
    if not ok then error(rec, 0) end
    record(rec, "jitstats")
    jitstate.add(rec, prof)
    ncalls = ncalls + 1
    rec.jit_traces, rec.jit_aborts, rec.jit_started = stopped, aborted, started
    if #reasons > 0 then rec.jit_abort_reasons = reasons end
    rec.jit_first = ncalls == 1
    return rec
  end
end

--- jitstats(f): LuaJIT trace activity during the call (jit.attach):
-- jit_traces (traces completed), jit_aborts, jit_started, jit_abort_reasons,
-- and jit_first (true on the first call through this wrapper, which includes
-- compilation); with the profiler on (mcpi.jitstate), jit_samples and the
-- shares of the window spent compiled, interpreted, in C, GC and the compiler
-- (jit_compiled_share, jit_interpreted_share, jit_c_share, jit_gc_share,
-- jit_compiler_share). Around repeat, the first (warm-up) call's figures are kept
-- apart from the steady state (jit_traces_first vs jit_traces_steady).
M.jitstats = decorator("jitstats", build_jitstats, function(o, level)
  return only(o, {}, "jitstats", level + 1)
end)

return M
