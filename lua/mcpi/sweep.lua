--- mcpi.sweep: measure several kernels over several N within a time budget.
--   local res = mcpi.sweep{ kernels = {"c.scalar", "c.simd"}, n = mcpi.logspace(1, 9),
--                           budget = 60, jsonl = "results/sweep.jsonl" }
--   res:print(); res:save("results/sweep.json"); res:csv("results/sweep.csv")
-- The plan is made up front: a quick probe per kernel estimates the cost of
-- a call at every N, repetitions are given out (many at small N, few at
-- large), and points that would not fit the budget are skipped and named.
-- Kernels are interleaved within each N so drift hits all alike. Each
-- finished row is appended to the .jsonl and flushed; Ctrl-C keeps every
-- finished row, prints what finished and exits 130.
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"
local measure = require "mcpi.measure"
local dec = require "mcpi.decorators"
local stats = require "mcpi.stats"
local json = require "mcpi.json"
local output = require "mcpi.output"
local results = require "mcpi.results"
local paired = require "mcpi.paired"
local noise = require "mcpi.noise"
local files = require "mcpi.files"
local jitstate = require "mcpi.jitstate"
local errors = require "mcpi.errors"
local writer = require "mcpi.writer"

local type, ipairs, pairs, tostring, tonumber, format = type, ipairs, pairs, tostring, tonumber, string.format
local floor, ceil, max, min, huge, log10 = math.floor, math.ceil, math.max, math.min, math.huge, math.log10
local sort, concat = table.sort, table.concat
local stderr, stdout = io.stderr, io.stdout
local clock_ns = C.mcpi_clock_ns

local M = {}

M.MAX_N = measure.MAX_N
M.MAX_REPS = 1e6
M.MAX_BUDGET = 7 * 86400
M.MAX_POINTS = 1000           -- values logspace gives at most
M.PER_POINT_OVERHEAD = 0.004  -- seconds of bookkeeping per point (bootstrap, rows)
M.PER_REP_OVERHEAD = 20e-6    -- seconds per repetition outside the timed region
M.WARMUP_MAX_CALL = 1         -- seconds: no warm-up beyond a kernel's first N above this
-- After the warm-up calls asked for, more follow until this much time has
-- passed (at most WARMUP_MAX_EXTRA): a Lua kernel whose loop runs a few
-- iterations per call needs many calls before LuaJIT's hot counters compile
-- it (lua.philox at N = 1000 read 30-170 us interpreted against 7 us
-- compiled), and one warm-up call leaves its first repetitions interpreted.
M.WARMUP_MIN_TIME = 0.02
M.LONG_PLAN = 600             -- seconds: a plan predicted longer says so in hours and minutes
M.WARMUP_MAX_EXTRA = 1000
M.PROCESS_START = 0.05        -- seconds to start a fresh process (mcpi.fresh) and load the library
-- Kernels that can time out (workers) are given TIMEOUT_FACTOR times the
-- predicted time of a call (at least their own floor, mcpi.worker's 60 s by
-- default); while probing, before any prediction, only that floor.
M.TIMEOUT_FACTOR = 10
M.PROBE_TIMEOUT = 1

local function now() return tonumber(clock_ns()) / 1e9 end

--- N values 10^a, 10^(a+step), ..., 10^b (step 1 by default), rounded to
-- whole numbers. logspace(1, 9) = {10, 100, ..., 1e9}.
function M.logspace(a, b, step)
  step = step or 1
  for _, v in ipairs{ { a, "a" }, { b, "b" }, { step, "step" } } do
    if type(v[1]) ~= "number" or v[1] ~= v[1] or v[1] == huge or v[1] == -huge then
      error(format("logspace: %s must be a finite number, got %s", v[2], util.show(v[1])), 2)
    end
  end
  if step <= 0 then error(format("logspace: step must be > 0, got %s", util.fmtnum(step)), 2) end
  if a < 0 or b > 15 or a > b then
    error(format("logspace: need 0 <= a <= b <= 15, got a=%s b=%s", util.fmtnum(a), util.fmtnum(b)), 2)
  end
  -- A tiny step would mean billions of exponents (or, below the spacing of
  -- doubles, a loop that never ends): the count is bounded up front.
  local count = floor((b - a) / step + 1e-9) + 1
  if not (count <= M.MAX_POINTS) then
    error(format("logspace: step %s gives %s values from a=%s to b=%s, more than %d",
      util.fmtnum(step), count == count and util.fmtnum(count) or "too many", util.fmtnum(a),
      util.fmtnum(b), M.MAX_POINTS), 2)
  end
  local t, seen = {}, {}
  for i = 0, count - 1 do
    local n = floor(10 ^ min(a + i * step, b) + 0.5)
    if not seen[n] then seen[n] = true; t[#t + 1] = n end
  end
  return t
end

-- -- Arguments ----------------------------------------------------------------------

local KNOWN = { kernels = true, n = true, reps = true, min_reps = true, max_reps = true,
  warmup = true, seed = true, threads = true, budget = true, point_time = true, jsonl = true,
  json = true, csv = true, bmf = true, progress = true, quiet = true, baseline = true, resamples = true,
  context = true, decorate = true, processes = true, process_kernels = true, show = true, charts = true,
  report = true }

local function num_ok(v, lo, hi, whole)
  return type(v) == "number" and v == v and v >= lo and v <= hi and (not whole or v % 1 == 0)
end

--- Check a sweep spec. Returns a normalised copy (kernel names resolved,
-- unavailable kernels set aside in .unavailable, n sorted and unique), or
-- nil and a message saying what is wrong and what would be right.
function M.check(spec)
  if type(spec) ~= "table" then
    return nil, format("sweep needs a table, e.g. mcpi.sweep{kernels = {'c.simd'}, n = {1e6}}, got %s", type(spec))
  end
  local names = {}
  for k in pairs(KNOWN) do names[#names + 1] = k end
  sort(names)
  for k in pairs(spec) do
    if not KNOWN[k] then
      return nil, format("sweep: unknown field '%s'%s", tostring(k),
        util.did_you_mean(tostring(k), names, "fields: " .. concat(names, ", ")))
    end
  end
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  local ks = spec.kernels
  if type(ks) == "string" then ks = { ks } end
  if type(ks) ~= "table" then
    return nil, format("sweep: kernels must be a list of kernel names, got %s", type(spec.kernels))
  end
  if #ks == 0 then return nil, "sweep: kernels is empty (give at least one name; see 'mcpi list')" end
  local kernels = require "mcpi.kernels"
  s.kernels, s.unavailable = {}, {}
  local seen = {}
  for i, name in ipairs(ks) do
    if type(name) ~= "string" then
      return nil, format("sweep: kernels[%d] must be a kernel name, got %s", i, type(name))
    end
    local k, err = kernels.find(name)
    if not k then return nil, "sweep: " .. err end
    if not seen[name] then
      seen[name] = true
      local ok, why, hint = k.available()
      if ok then s.kernels[#s.kernels + 1] = name
      else
        s.unavailable[#s.unavailable + 1] = { kernel = name, why = (why or "unavailable")
          .. (hint and format("; to enable: %s", hint) or "") }
      end
    end
  end
  local ns = spec.n
  if type(ns) == "number" then ns = { ns } end
  if type(ns) ~= "table" then
    return nil, format("sweep: n must be a number or a list of numbers (e.g. mcpi.logspace(1, 9)), got %s", type(spec.n))
  end
  if #ns == 0 then return nil, "sweep: n is empty (give at least one N, e.g. {1e6})" end
  s.n, seen = {}, {}
  for i, n in ipairs(ns) do
    local u, err = util.to_u64(n, format("n[%d]", i), M.MAX_N)
    if not u then return nil, "sweep: " .. err end
    if u == 0 then return nil, format("sweep: n[%d] must be >= 1, got 0", i) end
    local v = tonumber(u)
    if not seen[v] then seen[v] = true; s.n[#s.n + 1] = v end
  end
  sort(s.n)
  if spec.reps ~= nil and not num_ok(spec.reps, 1, M.MAX_REPS, true) then
    return nil, format("sweep: reps must be a whole number in 1..%d, got %s", M.MAX_REPS, util.fmtnum(spec.reps))
  end
  s.min_reps = spec.min_reps or 3
  s.max_reps = spec.max_reps or 30
  if not num_ok(s.min_reps, 1, M.MAX_REPS, true) then
    return nil, format("sweep: min_reps must be a whole number in 1..%d, got %s", M.MAX_REPS, util.fmtnum(s.min_reps))
  end
  if not num_ok(s.max_reps, s.min_reps, M.MAX_REPS, true) then
    return nil, format("sweep: max_reps must be a whole number in min_reps..%d, got %s", M.MAX_REPS, util.fmtnum(s.max_reps))
  end
  s.warmup = spec.warmup or 1
  if not num_ok(s.warmup, 0, 1000, true) then
    return nil, format("sweep: warmup must be a whole number in 0..1000, got %s", util.fmtnum(s.warmup))
  end
  local seed, err = util.to_u64(spec.seed == nil and measure.DEFAULT_SEED or spec.seed, "seed")
  if not seed then return nil, "sweep: " .. err end
  s.seed = util.u64val(seed)
  if spec.threads ~= nil then
    local mx = C.mcpi_threads_max()
    if not num_ok(spec.threads, 0, mx, true) then
      return nil, format("sweep: threads must be a whole number in 0..%d (0 = online CPUs), got %s", mx,
        type(spec.threads) == "number" and util.fmtnum(spec.threads) or type(spec.threads))
    end
  end
  if spec.budget ~= nil then
    if type(spec.budget) ~= "number" or not (spec.budget > 0) then
      return nil, format("sweep: budget must be a number of seconds > 0, got %s",
        type(spec.budget) == "number" and util.fmtnum(spec.budget) or type(spec.budget))
    end
    if spec.budget > M.MAX_BUDGET then
      return nil, format("sweep: budget must be <= %d seconds (a week), got %s", M.MAX_BUDGET, util.fmtnum(spec.budget))
    end
  end
  s.point_time = spec.point_time or 0.25
  if not num_ok(s.point_time, 1e-6, M.MAX_BUDGET) then
    return nil, "sweep: point_time must be a number of seconds > 0"
  end
  for _, f in ipairs{ "jsonl", "json", "csv", "bmf", "charts", "report" } do
    local v = spec[f]
    if v ~= nil and not (f ~= "json" and v == false) and (type(v) ~= "string" or v == "") then
      return nil, format("sweep: %s must be a file name%s, got %s", f, f ~= "json" and " or false" or "",
        type(v) == "string" and "''" or tostring(v))
    end
  end
  files.beside(s)
  for _, f in ipairs{ "json", "jsonl", "csv", "bmf", "report" } do
    if s[f] then
      local ok, werr = files.writable(s[f])
      if not ok then return nil, format("sweep: %s: %s", f, werr) end
    end
  end
  if spec.baseline ~= nil then
    if type(spec.baseline) ~= "string" then
      return nil, format("sweep: baseline must be a kernel name, got %s", type(spec.baseline))
    end
    local found = false
    for _, k in ipairs(ks) do if k == spec.baseline then found = true end end
    if not found then
      return nil, format("sweep: baseline '%s' is not among the kernels%s", spec.baseline,
        util.did_you_mean(spec.baseline, ks, "kernels: " .. concat(ks, ", ")))
    end
  end
  if spec.progress ~= nil and type(spec.progress) ~= "boolean" then
    return nil, "sweep: progress must be true or false"
  end
  if spec.quiet ~= nil and type(spec.quiet) ~= "boolean" then
    return nil, "sweep: quiet must be true or false"
  end
  if spec.resamples ~= nil and not num_ok(spec.resamples, 10, 1e6, true) then
    return nil, "sweep: resamples must be a whole number in 10..1000000"
  end
  if spec.decorate ~= nil and type(spec.decorate) ~= "function" then
    return nil, format("sweep: decorate must be a function(measured) -> measured, got %s", type(spec.decorate))
  end
  if type(spec.show) == "string" then s.show = { spec.show } end
  if s.show ~= nil and type(s.show) ~= "table" then
    return nil, format("sweep: show must be a list of field names, got %s", type(spec.show))
  end
  if spec.context ~= nil and type(spec.context) ~= "table" then
    return nil, "sweep: context must be a table of extra context fields"
  end
  if spec.processes ~= nil or spec.process_kernels ~= nil then
    local err = require("mcpi.fresh").check_spec(spec, s)
    if err then return nil, err end
  end
  return s
end


-- -- Probe and plan -----------------------------------------------------------------

-- Cost model of one call of kernel at n: fixed + per_sample * n, from calls
-- at growing N (until one takes >= 20 ms or the probe's time is spent).
local function probe(name, s, limit)
  local f = dec.timed(measure.kernel(name))
  local n = 10
  -- One call first, outside the probe's time: a JIT peer (Numba, XLA, Triton)
  -- compiles in its first call, which would otherwise read as seconds per 10
  -- samples and use up the probe's time limit.
  f{ n = n, seed = s.seed, threads = s.threads, timeout = M.PROBE_TIMEOUT }
  local t_start = now()
  local pts = {}
  local nmax = s.n[#s.n]
  while true do
    local rec = f{ n = n, seed = s.seed, threads = s.threads, timeout = M.PROBE_TIMEOUT }
    pts[#pts + 1] = { n = n, t = rec.seconds }
    if rec.seconds >= 0.02 or n >= nmax or now() - t_start > limit then break end
    n = n * 10
  end
  -- The last call is the longest, so its fixed part matters least: take the
  -- better of two calls there as the per-sample cost (noise only adds time).
  local last = pts[#pts]
  if #pts >= 2 then
    local again = f{ n = last.n, seed = s.seed, threads = s.threads, timeout = M.PROBE_TIMEOUT }
    last.t = min(last.t, again.seconds)
  end
  local fixed = #pts >= 2 and pts[1].t or 0
  local per = (last.t - fixed) / last.n
  if not (per > 0) then per = last.t / last.n; fixed = 0 end
  return { fixed = fixed, per_sample = per, seconds = now() - t_start, points = #pts }
end

local function predict(model, n) return model.fixed + model.per_sample * n end

--- Make the plan: predicted cost of each (kernel, n), repetitions per point,
-- and the points skipped because they would not fit the budget. models maps
-- kernel -> {fixed, per_sample}; spent is the time already used (probes).
-- Returns {points = {...}, skipped = {...}, predicted = seconds}.
function M.plan(s, models, spent)
  local min_t = dec.min_time_ns() / 1e9
  local pts = {}
  for i, n in ipairs(s.n) do
    for _, k in ipairs(s.kernels) do
      local call = predict(models[k], n)
      local rep_cost = max(call, 1.2 * min_t) + M.PER_REP_OVERHEAD
      pts[#pts + 1] = { kernel = k, n = n, call = call, rep_cost = rep_cost,
        -- timed's calibration: one lone call, then a batch, when calls are short
        first_cost = call < min_t and call + 1.2 * min_t or 0,
        -- warm-up where it is cheap, and always at a kernel's first N (where
        -- it compiles); a kernel is warm by the time one call takes seconds
        warmup = (i == 1 or call <= M.WARMUP_MAX_CALL) and s.warmup or 0,
        -- fresh processes (mcpi.fresh): each warms up, each needs a repetition
        procs = s.proc_set and s.proc_set[k] and s.processes_k or 1 }
    end
  end
  local min_reps = s.reps or s.min_reps
  local function cost(p, reps)
    reps = max(reps, p.procs)
    return p.procs * (p.first_cost + p.warmup * p.rep_cost
      + (p.warmup > 0 and p.rep_cost < M.WARMUP_MIN_TIME and M.WARMUP_MIN_TIME or 0))
      + reps * p.rep_cost + M.PER_POINT_OVERHEAD
  end
  local accepted, skipped = {}, {}
  if s.budget then
    local avail = s.budget - (spent or 0) - (s.proc_set and (s.processes_k or 1) * M.PROCESS_START or 0)
    local order = {}
    for i, p in ipairs(pts) do order[i] = p end
    sort(order, function(x, y)
      local cx, cy = cost(x, min_reps), cost(y, min_reps)
      if cx ~= cy then return cx < cy end
      if x.n ~= y.n then return x.n < y.n end
      return x.kernel < y.kernel
    end)
    local used = 0
    local dropped = {}  -- once a kernel loses a point, larger N go too
    for _, p in ipairs(order) do
      local c = cost(p, min_reps)
      local lost = dropped[p.kernel]
      if (lost and p.n > lost) or used + c > avail then
        p.skip = format("predicted %s for %d reps; over the budget", output.time(c), min_reps)
        if lost and p.n > lost then p.skip = format("n above %s already skipped", output.count(lost)) end
        dropped[p.kernel] = min(dropped[p.kernel] or huge, p.n)
      else
        used = used + c
      end
    end
    -- a point accepted before a smaller one of its kernel was dropped goes too
    for _, p in ipairs(pts) do
      local lost = dropped[p.kernel]
      if not p.skip and lost and p.n > lost then
        p.skip = format("n above %s already skipped", output.count(lost))
      end
    end
    for _, p in ipairs(pts) do
      if p.skip then skipped[#skipped + 1] = p else accepted[#accepted + 1] = p; p.reps = max(min_reps, p.procs) end
    end
    if not s.reps and #accepted > 0 then
      -- Give the rest of the budget out in equal shares of time, capped at
      -- max_reps: cheap points get many repetitions, dear ones few.
      for _ = 1, 4 do
        local total, open = 0, 0
        for _, p in ipairs(accepted) do
          total = total + cost(p, p.reps)
          if p.reps < s.max_reps then open = open + 1 end
        end
        local left = avail * 0.9 - total
        if left <= 0 or open == 0 then break end
        local share = left / open
        for _, p in ipairs(accepted) do
          if p.reps < s.max_reps then
            p.reps = min(s.max_reps, p.reps + floor(share / p.rep_cost))
          end
        end
      end
    end
  else
    for _, p in ipairs(pts) do
      accepted[#accepted + 1] = p
      p.reps = s.reps or max(s.min_reps, min(s.max_reps, floor(s.point_time / p.rep_cost)))
    end
  end
  if not s.reps then
    -- an equal share per fresh process: a multiple of K, at least K
    for _, p in ipairs(accepted) do p.reps = max(p.procs, p.reps - p.reps % p.procs) end
  end
  local predicted = 0
  for _, p in ipairs(accepted) do p.cost = cost(p, p.reps); predicted = predicted + p.cost end
  if s.proc_set then predicted = predicted + (s.processes_k or 1) * M.PROCESS_START end
  local procs
  if s.proc_set then
    local names = {}
    for _, k in ipairs(s.kernels) do if s.proc_set[k] then names[#names + 1] = k end end
    procs = format("  %d fresh process%s%s for %s", s.processes_k, s.processes_k == 1 and "" or "es",
      s.processes == "auto" and format(" (auto: the most of %s that skips no more points than one process)",
        concat(require("mcpi.fresh").AUTO, ", ")) or "", concat(names, ", "))
  end
  return { points = accepted, skipped = skipped, predicted = predicted, budget = s.budget,
           probe_seconds = spent or 0, processes = procs }
end

--- The plan as text: per kernel, the N measured with their repetitions, the
-- N skipped and why, and the predicted time.
function M.plan_text(plan)
  local total = plan.predicted + plan.probe_seconds
  local lines = { format("plan: %d point%s, predicted %s%s", #plan.points, #plan.points == 1 and "" or "s",
    total > M.LONG_PLAN and files.hours(total) or output.time(total),
    plan.budget and format(" of a %s budget", output.time(plan.budget)) or "") }
  if plan.processes then lines[#lines + 1] = plan.processes end
  local by, order = {}, {}
  local function slot(k)
    if not by[k] then by[k] = { ran = {}, skip = {} }; order[#order + 1] = k end
    return by[k]
  end
  for _, p in ipairs(plan.points) do local b = slot(p.kernel); b.ran[#b.ran + 1] = p end
  for _, p in ipairs(plan.skipped) do local b = slot(p.kernel); b.skip[#b.skip + 1] = p end
  for _, k in ipairs(order) do
    local b = by[k]
    local parts = {}
    for _, p in ipairs(b.ran) do parts[#parts + 1] = format("%sx%d", output.count(p.n), p.reps) end
    lines[#lines + 1] = format("  %-10s %s", k, #parts > 0 and concat(parts, " ") or "(nothing)")
    if #b.skip > 0 then
      local sk = {}
      for _, p in ipairs(b.skip) do sk[#sk + 1] = output.count(p.n) end
      lines[#lines + 1] = format("  %-10s skips N = %s (%s)", "", concat(sk, ", "), b.skip[1].skip)
    end
  end
  return concat(lines, "\n") .. "\n"
end

-- -- Progress -------------------------------------------------------------------------

local isatty
do
  local ok = pcall(ffi.cdef, "int isatty(int fd);")
  isatty = function(fd)
    if not ok then return false end
    local ok2, r = pcall(function() return ffi.C.isatty(fd) end)
    return ok2 and r == 1
  end
end

local function clock_text(s)
  if not (s >= 0 and s < huge) then return "?" end
  s = floor(s + 0.5)
  if s >= 3600 then return format("%d:%02d:%02d", floor(s / 3600), floor(s / 60) % 60, s % 60) end
  return format("%d:%02d", floor(s / 60), s % 60)
end

local function progress(state, label)
  local t = now()
  if t - (state.drawn or 0) < 0.1 then return end
  state.drawn = t
  local frac = state.predicted > 0 and min(1, state.done_cost / state.predicted) or 0
  local elapsed = t - state.t0
  local eta = frac > 0.02 and elapsed * (1 - frac) / frac or (state.predicted - state.done_cost)
  local width = 24
  local fill = floor(frac * width + 0.5)
  stderr:write(format("\r\27[K[%s%s] %3d%% %s  elapsed %s  ETA %s", ("#"):rep(fill),
    ("."):rep(width - fill), floor(frac * 100 + 0.5), label, clock_text(elapsed), clock_text(eta)))
  stderr:flush()
end

local function progress_clear(state)
  if state.bar and state.drawn then stderr:write("\r\27[K"); stderr:flush() end
end

local new_results, rep_row = results.new, results.rep_row
-- Kept here too for callers that knew them from mcpi.sweep.
M.new_results, M.summary_row, M.fits, M.load = results.new, results.summary_row, results.fits, results.load

-- -- Run ---------------------------------------------------------------------------------

local function is_interrupt(err)
  return C.mcpi_signal_pending() == 1 or errors.is_interrupt(err)
end

local function note(state, msg)
  state.notes[#state.notes + 1] = msg
  if not state.quiet then
    progress_clear(state)
    stderr:write("mcpi: ", msg, "\n")
    stderr:flush()
  end
end

-- A finished row goes through the journal (mcpi.writer): into the lists and
-- the .jsonl together, or into neither, whatever instruction a signal hits.
local function append(state, row, order, lists, mark)
  local had = state.journal.err
  local ok, err = state.journal:add(row, order, lists, mark)
  if not ok and not had then
    state.lines_err = err
    note(state, err .. " (measuring goes on; rows kept in memory)")
  end
end

-- A point whose measured window had too few profiler ticks: a probe of
-- the same calls right after (mcpi.jitstate.probe), for Lua kernels.
local function jit_probe(p, f, s)
  local samples = 0
  for _, r in ipairs(p.runs) do samples = samples + (r.jit_samples or 0) end
  if samples >= jitstate.MIN_SAMPLES then return end
  local k = require("mcpi.kernels").find(p.kernel)
  if not jitstate.probed(k) then return end
  p.probe = jitstate.probe(f, { n = p.n, seed = s.seed, threads = s.threads })
end

-- After an N's repetitions: the other load during them (mcpi.noise) and
-- the JIT probes of points too short for the profiler. Returns the load.
local function group_end(state, pts, nr0, fns, failed, s)
  local nr1 = noise.reader()
  local other = noise.other(nr0, nr1, state.noise_hist)
  state.noise_hist[#state.noise_hist + 1] = nr0
  state.noise_hist[#state.noise_hist + 1] = nr1
  for _, p in ipairs(pts) do
    if #p.runs > 0 and not failed[p.kernel] then jit_probe(p, fns[p.kernel], s) end
  end
  return other
end

-- Summary rows of the points of one N (marked for the other load during
-- them; speed-ups against the baseline from
-- their paired repetitions), appended to the results and the .jsonl.
local function summarize_group(state, s, pts, other)
  local srows, runs, marks = {}, {}, {}
  for _, p in ipairs(pts) do
    if #p.runs > 0 then
      local srow = M.summary_row(p.runs, p.first or p.runs[1], s, p.probe)
      noise.mark(srow, other)
      if #p.runs < p.reps then srow.partial = true end
      srows[#srows + 1], marks[#srows + 1], runs[p.kernel] = srow, p, p.runs
    end
    state.done_cost = state.done_cost + M.PER_POINT_OVERHEAD
  end
  paired.annotate(srows, runs, s.baseline or s.kernels[1], s)
  -- each summary row joins the results and the .jsonl together, and marks
  -- its point summarized in the same critical section (mcpi.writer journal)
  for j, srow in ipairs(srows) do
    append(state, srow, output.SUMMARY_FIELDS, { state.summary }, marks[j])
  end
end


local function body(s, state)
  local limit = s.budget and min(2, 0.05 * s.budget) or 2
  local models, live = {}, {}
  for _, k in ipairs(s.kernels) do
    -- A backend (a worker process) starts first, outside the probe's time.
    local ok, m = pcall(function()
      require("mcpi.kernels").get(k).start()
      return probe(k, s, limit / #s.kernels)
    end)
    if ok then
      models[k], live[#live + 1] = m, k
    else
      if is_interrupt(m) then error(m, 0) end
      local msg = format("kernel %s failed while probing: %s; skipped", k,
        tostring(type(m) == "table" and m.msg or m))
      state.failures[#state.failures + 1] = msg
      note(state, msg)
    end
  end
  s.kernels = live
  local plan
  if s.processes == "auto" then
    s.processes_k, plan = require("mcpi.fresh").choose(function(K)
      s.processes_k = K
      return M.plan(s, models, now() - state.t0)
    end)
  else
    plan = M.plan(s, models, now() - state.t0)
  end
  state.plan = plan
  state.predicted = plan.predicted
  state.t0_run = now()
  if not state.quiet then
    progress_clear(state)
    stderr:write(M.plan_text(plan))
    if plan.predicted + plan.probe_seconds > M.LONG_PLAN then
      stderr:write(format("mcpi: this plan is predicted to take %s; Ctrl-C stops it keeping what "
        .. "finished, --budget SEC bounds it\n", files.hours(plan.predicted + plan.probe_seconds)))
    end
    stderr:flush()
  end
  for _, p in ipairs(plan.skipped) do state.skipped_points[#state.skipped_points + 1] = p end

  local fns = {}
  for _, k in ipairs(s.kernels) do
    fns[k] = dec.jitstats(dec.throughput(dec.timed(dec.accuracy(measure.kernel(k)))))
    if s.decorate then
      fns[k] = s.decorate(fns[k])
      if type(fns[k]) ~= "function" then
        error(format("sweep: decorate returned %s, not a measured function", type(fns[k])), 0)
      end
    end
  end
  local by_n, ns = {}, {}
  for _, p in ipairs(plan.points) do
    if not (s.proc_set and s.proc_set[p.kernel]) then
      if not by_n[p.n] then by_n[p.n] = {}; ns[#ns + 1] = p.n end
      local t = by_n[p.n]
      t[#t + 1] = p
    end
  end
  sort(ns)
  local failed = {}
  local seed_u64 = util.to_u64(s.seed, "seed")
  local npoints, done_points = #plan.points, 0
  for _, n in ipairs(ns) do
    local pts = by_n[n]
    if s.budget then
      -- The plan is only as good as the probe: if the machine turned slower,
      -- stop before a group that would overrun the budget by a quarter.
      local group = 0
      for _, p in ipairs(pts) do group = group + p.cost end
      local elapsed = now() - state.t0
      if elapsed + group > 1.25 * s.budget then
        note(state, format("stopped before N=%s: %s elapsed, this N was predicted to take %s more, over the %s budget",
          output.count(n), output.time(elapsed), output.time(group), output.time(s.budget)))
        break
      end
    end
    local maxr = 0
    for _, p in ipairs(pts) do
      p.runs = {}
      maxr = max(maxr, p.reps)
    end
    local function measure_one(p, seed)
      local req = { n = p.n, seed = seed, threads = s.threads, timeout = M.TIMEOUT_FACTOR * p.call }
      local ok, rec = pcall(fns[p.kernel], req)
      if not ok then
        if is_interrupt(rec) then error(rec, 0) end
        failed[p.kernel] = true
        local msg = format("kernel %s failed at n=%s: %s; its remaining points are skipped",
          p.kernel, output.count(p.n), tostring(type(rec) == "table" and rec.msg or rec))
        state.failures[#state.failures + 1] = msg
        note(state, msg)
        return nil
      end
      return rec
    end
    -- warm-up: the first call at this N (JIT compilation, caches, page faults)
    for _, p in ipairs(pts) do
      if not failed[p.kernel] then
        for w = 1, p.warmup do
          local rec = measure_one(p, s.seed)
          if rec and w == 1 then p.first = rec end
          state.done_cost = state.done_cost + p.rep_cost
        end
        if p.warmup > 0 and p.rep_cost < M.WARMUP_MIN_TIME then
          local stop, extra = now() + M.WARMUP_MIN_TIME, 0
          while extra < M.WARMUP_MAX_EXTRA and not failed[p.kernel] and now() < stop do
            measure_one(p, s.seed)
            extra = extra + 1
          end
          state.done_cost = state.done_cost + M.WARMUP_MIN_TIME
        end
        state.done_cost = state.done_cost + p.first_cost
      end
    end
    -- repetitions, interleaved: round r measures rep r of every kernel, the
    -- kernel order rotating from round to round
    local nr0 = noise.reader()
    for r = 0, maxr - 1 do
      for j = 0, #pts - 1 do
        local p = pts[(j + r) % #pts + 1]
        if r < p.reps and not failed[p.kernel] then
          if state.bar then
            progress(state, format("%d/%d  %s n=%s rep %d/%d", done_points + 1, npoints, p.kernel,
              output.count(p.n), r + 1, p.reps))
          end
          local rec = measure_one(p, util.u64val(seed_u64 + r))
          if rec then
            append(state, rep_row(rec, r), output.REP_FIELDS, { p.runs, state.rows })
          end
          state.done_cost = state.done_cost + p.rep_cost
        end
      end
    end
    local other = group_end(state, pts, nr0, fns, failed, s)
    summarize_group(state, s, pts, other)
    done_points = done_points + #pts
    state.points_done = state.points_done or {}
    for _, p in ipairs(pts) do state.points_done[#state.points_done + 1] = p end
    state.current = nil
  end
  require("mcpi.fresh").sweep_points(plan, s, failed, {
    append = function(row, order, lists) append(state, row, order, lists) end,
    note = function(msg) note(state, msg) end,
    progress = function(label) if state.bar then progress(state, label) end end,
    summarize = function(pts) summarize_group(state, s, pts) end,
    state = state,
  })
  if s.proc_set then
    -- kernels in fresh processes and kernels here pair only within each group
    paired.annotate_all(state.summary, state.rows, s.baseline or s.kernels[1], s)
  end
end

-- After an interruption: summaries of the points that had finished
-- repetitions but no summary yet (marked partial).
local function partial_summaries(state, s)
  local plan = state.plan
  if not plan then return end
  local srows, runs, marks = {}, {}, {}
  for _, p in ipairs(plan.points) do
    if p.runs and #p.runs > 0 and not p.summarized then
      local srow = M.summary_row(p.runs, p.first or p.runs[1], s)
      srow.partial = true
      srows[#srows + 1], marks[#srows + 1] = srow, p
      runs[p.n] = runs[p.n] or {}
      runs[p.n][p.kernel] = p.runs
    end
  end
  for n, r in pairs(runs) do
    local at = {}
    for _, srow in ipairs(srows) do if srow.n == n then at[#at + 1] = srow end end
    paired.annotate(at, r, s.baseline or s.kernels[1], s)
  end
  for j, srow in ipairs(srows) do
    append(state, srow, output.SUMMARY_FIELDS, { state.summary }, marks[j])
  end
end

-- The bookkeeping after the measuring: partial summaries after an
-- interruption, the results object, the JSON and CSV, the journal closed
-- last (its lock keeps a second sweep off these files until then).
local function finish(state, s, context, interrupted)
  if interrupted then partial_summaries(state, s) end
  local plan = state.plan
  if plan then
    for _, p in ipairs(plan.skipped) do
      state.notes[#state.notes + 1] = format("skipped %s at N=%s: %s", p.kernel, output.count(p.n), p.skip)
    end
  end
  local res = new_results{
    schema = "mcpi/1", context = context, rows = state.rows, summary = state.summary,
    fits = M.fits(state.summary), notes = state.notes, plan = plan, baseline = s.baseline,
    interrupted = interrupted or nil, spec = s, failures = state.failures, show = s.show,
  }
  M.last = res
  noise.close_run(res, state.noise0, state.noise_hist[#state.noise_hist])
  res.errors = {}
  if state.lines_err then res.errors[#res.errors + 1] = state.lines_err end
  files.write_all(res, s)  -- JSON, CSV, BMF, charts, report, under the --json stem
  -- closed last: its lock keeps a second sweep off these files until now
  local cok, cerr = state.journal:close()
  if not cok and cerr ~= state.lines_err then res.errors[#res.errors + 1] = cerr end
  return res
end

--- Run a sweep. spec: kernels (list of names), n (number or list), and
-- optional reps (fixed; default adaptive between min_reps 3 and max_reps 30),
-- warmup (1), seed (1), threads, budget (seconds; points that do not fit are
-- skipped), point_time (target seconds per point without a budget, 0.25),
-- jsonl/json/csv/bmf (file names; bmf: Bencher Metric Format), progress (default: stderr is a terminal),
-- quiet (no plan or notes on stderr), baseline (kernel for the VS column),
-- resamples (bootstrap, 2000), context (extra context fields), decorate
-- (a function that wraps each kernel's measured function: a user decorator
-- whose scalar metrics then appear in every row), show (fields for the
-- table), charts and report (a directory and an .html path; with json they
-- default to F_charts/ and F.html beside it, as jsonl and csv do: false
-- switches one off).
-- Returns a results object (rows, summary, fits, context, notes, plan,
-- failures (kernels that raised), errors (files not written);
-- :print(), :save(path), :csv(path), :summary(), tostring). A bad spec raises
-- error(msg, 2); Ctrl-C keeps every finished row (on disk in the .jsonl and
-- in the files asked for) and returns the partial results (res.partial,
-- res.interrupted; a script then exits 130).
function M.run(spec)
  local s, err = M.check(spec)
  if not s then error(err, 2) end
  local context = require("mcpi.context").collect(s.context)
  local state = { t0 = now(), rows = {}, summary = {}, notes = {},
    done_cost = 0, predicted = 0, quiet = s.quiet, skipped_points = {}, failures = {},
    noise_hist = {}, noise0 = noise.reader() }
  state.noise_hist[1] = state.noise0
  if s.progress == nil then state.bar = isatty(2) else state.bar = s.progress end
  local journal, lerr, locked = writer.journal(s.jsonl)
  if not journal then
    errors.data("sweep: " .. lerr .. (locked and "; give this run its own --json/--jsonl" or ""))
  end
  state.journal = journal
  for _, u in ipairs(s.unavailable) do
    note(state, format("kernel %s skipped: unavailable (%s)", u.kernel, u.why))
  end
  if #s.kernels == 0 then
    note(state, "no available kernel to measure")
  end

  -- Kernels with a backend to start (workers) start on first use; those this
  -- sweep started are stopped when it ends, however it ends.
  local kernels = require "mcpi.kernels"
  local measured, running = { unpack(s.kernels) }, {}
  for _, name in ipairs(kernels.started()) do running[name] = true end
  -- The measuring, then the bookkeeping as one critical section (entered
  -- inside the protected call, so a signal that lands between the two is
  -- caught too): a signal during the bookkeeping only sets the flag, and a
  -- sweep that got one is reported as interrupted with every file written.
  local function measuring()
    local bok, e = true, nil
    if #s.kernels > 0 then bok, e = pcall(body, s, state) end
    C.mcpi_signal_defer(1)
    return bok, e
  end
  local gok, ok, berr = pcall(measuring)
  if not gok then ok, berr = false, ok; C.mcpi_signal_defer(1) end
  context.kernels = kernels.context(measured)
  for _, name in ipairs(measured) do
    if not running[name] then pcall(kernels.find(name).stop) end
  end
  local interrupted = not ok and is_interrupt(berr)
  progress_clear(state)

  local fok, res = pcall(finish, state, s, context, interrupted)
  if C.mcpi_signal_pending() == 1 then
    interrupted = true
    C.mcpi_signal_delivered()
    if fok then res.interrupted = true end
  end
  C.mcpi_signal_defer(0)
  if not fok then state.journal:close(); error(res, 0) end

  if not ok and not interrupted then error(berr, 0) end
  if interrupted then
    -- The partial results are returned (res.partial), not lost in an error:
    -- `res = mcpi.sweep{...}` in the REPL keeps them; a script goes on and
    -- ends with exit 130 (mcpi.files.status).
    C.mcpi_signal_clear()
    res.partial = true
    stderr:write(format("mcpi: interrupted: %d finished rows kept%s; the results returned are partial\n",
      #state.rows + #state.summary, s.jsonl and format(" in %s", util.quote_arg(s.jsonl, 200)) or ""))
  end
  files.record(res)
  for _, e in ipairs(res.errors) do
    if not s.quiet and e ~= state.lines_err then stderr:write("mcpi: ", e, "\n") end
  end
  if res.noise_warning and not s.quiet then stderr:write("mcpi: ", res.noise_warning, "\n") end
  return res
end


return M
