--- mcpi.sweep_plan: the planner of a sweep -- a probe per kernel, the cost
-- model it gives (fixed + per_sample * n seconds a call), the plan (the
-- repetitions per point and the points that do not fit the budget) and the
-- plan as text. The cost constants below are the planner's; mcpi.sweep, the
-- loop, reads the warm-up and timeout ones from here and re-exports them all.
--   local models = { ["c.simd"] = plan.probe("c.simd", s, 1) }
--   io.stderr:write(plan.plan_text(plan.plan(s, models, spent)))
local C = require "mcpi.capi"
local measure = require "mcpi.measure"
local dec = require "mcpi.decorators"
local output = require "mcpi.output"
local files = require "mcpi.files"

local ipairs, tonumber, format = ipairs, tonumber, string.format
local floor, max, min, huge = math.floor, math.max, math.min, math.huge
local sort, concat = table.sort, table.concat
local clock_ns = C.mcpi_clock_ns

local M = {}

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

-- -- Probe ----------------------------------------------------------------------------

--- Cost model of one call of kernel name at n: {fixed, per_sample, seconds,
-- points}, from calls at growing N (until one takes >= 20 ms, N reaches the
-- largest of s.n, or limit seconds are spent).
function M.probe(name, s, limit)
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

-- -- Plan, in steps -------------------------------------------------------------------

local function predict(model, n) return model.fixed + model.per_sample * n end

-- Every (kernel, n) with the predicted cost of a call and of a repetition.
local function points(s, models)
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
  return pts
end

-- Seconds a point takes with reps repetitions, warm-up and bookkeeping included.
local function cost(p, reps)
  reps = max(reps, p.procs)
  return p.procs * (p.first_cost + p.warmup * p.rep_cost
    + (p.warmup > 0 and p.rep_cost < M.WARMUP_MIN_TIME and M.WARMUP_MIN_TIME or 0))
    + reps * p.rep_cost + M.PER_POINT_OVERHEAD
end

-- Marks p.skip on the points that do not fit avail seconds at min_reps,
-- cheapest first; once a kernel loses a point, its larger N go too.
local function fit_budget(pts, min_reps, avail)
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
end

-- Give the rest of the budget out in equal shares of time, capped at
-- max_reps: cheap points get many repetitions, dear ones few.
local function share_rest(accepted, avail, max_reps)
  for _ = 1, 4 do
    local total, open = 0, 0
    for _, p in ipairs(accepted) do
      total = total + cost(p, p.reps)
      if p.reps < max_reps then open = open + 1 end
    end
    local left = avail * 0.9 - total
    if left <= 0 or open == 0 then break end
    local share = left / open
    for _, p in ipairs(accepted) do
      if p.reps < max_reps then
        p.reps = min(max_reps, p.reps + floor(share / p.rep_cost))
      end
    end
  end
end

-- Within a budget: the points that fit, with their repetitions, and those skipped.
local function budgeted(s, pts, min_reps, spent)
  local accepted, skipped = {}, {}
  local avail = s.budget - (spent or 0) - (s.proc_set and (s.processes_k or 1) * M.PROCESS_START or 0)
  fit_budget(pts, min_reps, avail)
  for _, p in ipairs(pts) do
    if p.skip then skipped[#skipped + 1] = p else accepted[#accepted + 1] = p; p.reps = max(min_reps, p.procs) end
  end
  if not s.reps and #accepted > 0 then share_rest(accepted, avail, s.max_reps) end
  return accepted, skipped
end

-- The line of the plan text naming the kernels run in fresh processes.
local function processes_line(s)
  if not s.proc_set then return nil end
  local names = {}
  for _, k in ipairs(s.kernels) do if s.proc_set[k] then names[#names + 1] = k end end
  return format("  %d fresh process%s%s for %s", s.processes_k, s.processes_k == 1 and "" or "es",
    s.processes == "auto" and format(" (auto: the most of %s that skips no more points than one process)",
      concat(require("mcpi.fields").AUTO_PROCESSES, ", ")) or "", concat(names, ", "))
end

--- Make the plan: predicted cost of each (kernel, n), repetitions per point,
-- and the points skipped because they would not fit the budget. models maps
-- kernel -> {fixed, per_sample}; spent is the time already used (probes).
-- Returns {points = {...}, skipped = {...}, predicted = seconds}.
function M.plan(s, models, spent)
  local pts = points(s, models)
  local min_reps = s.reps or s.min_reps
  local accepted, skipped = {}, {}
  if s.budget then
    accepted, skipped = budgeted(s, pts, min_reps, spent)
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
  return { points = accepted, skipped = skipped, predicted = predicted, budget = s.budget,
           probe_seconds = spent or 0, processes = processes_line(s) }
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

return M
