--- mcpi.sweep: measure several kernels over several N within a time budget.
--   local res = mcpi.sweep{ kernels = {"c.scalar", "c.simd"}, n = mcpi.logspace(1, 9),
--                           budget = 60, jsonl = "results/sweep.jsonl" }
--   res:print(); res:save("results/sweep.json"); res:csv("results/sweep.csv")
-- This file owns the sweep loop and run: probe every kernel, plan, then per N
-- warm up and measure the repetitions, kernels interleaved within each N so
-- drift hits all alike; each finished row is appended to the .jsonl and
-- flushed; Ctrl-C keeps every finished row, prints what finished and exits
-- 130. The parts it uses own the rest:
--   mcpi.fields      what each field may be: kinds, ranges, defaults, limits
--   mcpi.sweep_spec  checking a spec (across fields); logspace
--   mcpi.fresh       points measured in fresh processes
--   mcpi.sweep_plan  probe, cost model, plan (points over the budget skipped
--                    and named), plan text; the cost constants
--   mcpi.progress    the progress bar
-- Their public names are re-exported here (sweep.check, sweep.plan, ...).
local C = require "mcpi.capi"
local util = require "mcpi.util"
local measure = require "mcpi.measure"
local dec = require "mcpi.decorators"
local output = require "mcpi.output"
local results = require "mcpi.results"
local paired = require "mcpi.paired"
local noise = require "mcpi.noise"
local files = require "mcpi.files"
local jitstate = require "mcpi.jitstate"
local errors = require "mcpi.errors"
local writer = require "mcpi.writer"
local json = require "mcpi.json"
local spec_m = require "mcpi.sweep_spec"
local planner = require "mcpi.sweep_plan"
local progress_m = require "mcpi.progress"

local type, ipairs, pairs, tostring, tonumber, format = type, ipairs, pairs, tostring, tonumber, string.format
local max, min = math.max, math.min
local sort = table.sort
local stderr = io.stderr
local clock_ns = C.mcpi_clock_ns
local progress, progress_clear = progress_m.draw, progress_m.clear

local M = {}

-- Re-exported for callers that know them from mcpi.sweep.
for _, k in ipairs{ "MAX_N", "MAX_REPS", "MAX_BUDGET", "MAX_POINTS", "logspace", "check" } do
  M[k] = spec_m[k]
end
for _, k in ipairs{ "PER_POINT_OVERHEAD", "PER_REP_OVERHEAD", "WARMUP_MAX_CALL", "WARMUP_MIN_TIME",
  "LONG_PLAN", "WARMUP_MAX_EXTRA", "PROCESS_START", "TIMEOUT_FACTOR", "PROBE_TIMEOUT", "plan",
  "plan_text" } do
  M[k] = planner[k]
end
local P = planner

local function now() return tonumber(clock_ns()) / 1e9 end

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
  local line = json.encode(row, order) .. "\n"  -- may raise: then the row goes nowhere
  local ok, err = state.journal:add(row, line, lists, mark)
  if not ok and not had then
    state.lines_err = err
    note(state, err .. " (measuring goes on; rows kept in memory)")
  end
end

-- A point whose measured window had too few profiler ticks for what its
-- mark needs: a probe of the same calls right after (mcpi.jitstate).
local function jit_probe(p, f, s)
  local ticks = jitstate.probe_ticks(require("mcpi.kernels").find(p.kernel), p.runs)
  if ticks then p.probe = jitstate.probe(f, { n = p.n, seed = s.seed, threads = s.threads }, ticks) end
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
    state.done_cost = state.done_cost + P.PER_POINT_OVERHEAD
  end
  paired.annotate(srows, runs, s.baseline or s.kernels[1], s)
  -- each summary row joins the results and the .jsonl together, and marks
  -- its point summarized in the same critical section (mcpi.writer journal)
  for j, srow in ipairs(srows) do
    append(state, srow, output.SUMMARY_FIELDS, { state.summary }, marks[j])
  end
end



-- -- The measuring, in steps ------------------------------------------------------

-- A probe per kernel (its backend started first, outside the probe's time);
-- a kernel that fails is noted and left out of s.kernels. Returns the models.
local function probe_all(s, state)
  local limit = s.budget and min(2, 0.05 * s.budget) or 2
  local models, live = {}, {}
  for _, k in ipairs(s.kernels) do
    local ok, m = pcall(function()
      require("mcpi.kernels").get(k).start()
      return P.probe(k, s, limit / #s.kernels)
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
  return models
end

-- The plan (choosing the number of fresh processes when asked to), shown on
-- stderr unless quiet.
local function make_plan(s, state, models)
  local plan
  if s.processes == "auto" then
    s.processes_k, plan = require("mcpi.fresh").choose(function(K)
      s.processes_k = K
      return P.plan(s, models, now() - state.t0)
    end)
  else
    plan = P.plan(s, models, now() - state.t0)
  end
  state.plan = plan
  state.predicted = plan.predicted
  state.t0_run = now()
  if not state.quiet then
    progress_clear(state)
    stderr:write(P.plan_text(plan))
    if plan.predicted + plan.probe_seconds > P.LONG_PLAN then
      stderr:write(format("mcpi: this plan is predicted to take %s; Ctrl-C stops it keeping what "
        .. "finished, --budget SEC bounds it\n", files.hours(plan.predicted + plan.probe_seconds)))
    end
    stderr:flush()
  end
  for _, p in ipairs(plan.skipped) do state.skipped_points[#state.skipped_points + 1] = p end
  return plan
end

-- Each kernel's measured function: the decorators every row shows, then the user's.
local function measured_fns(s)
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
  return fns
end

-- The points measured in this process, grouped by N: by_n[n] and the N in order.
local function groups(plan, s)
  local by_n, ns = {}, {}
  for _, p in ipairs(plan.points) do
    if not (s.proc_set and s.proc_set[p.kernel]) then
      if not by_n[p.n] then by_n[p.n] = {}; ns[#ns + 1] = p.n end
      local t = by_n[p.n]
      t[#t + 1] = p
    end
  end
  sort(ns)
  return by_n, ns
end

-- The plan is only as good as the probe: if the machine turned slower,
-- stop before a group that would overrun the budget by a quarter.
local function over_budget(state, s, pts, n)
  if not s.budget then return false end
  local group = 0
  for _, p in ipairs(pts) do group = group + p.cost end
  local elapsed = now() - state.t0
  if elapsed + group > 1.25 * s.budget then
    note(state, format("stopped before N=%s: %s elapsed, this N was predicted to take %s more, over the %s budget",
      output.count(n), output.time(elapsed), output.time(group), output.time(s.budget)))
    return true
  end
  return false
end

-- One call of point p's measured function; a failure is noted, its kernel
-- marked failed, and nil returned (an interrupt is raised on).
local function measure_one(m, p, seed)
  local state = m.state
  local req = { n = p.n, seed = seed, threads = m.s.threads, timeout = P.TIMEOUT_FACTOR * p.call }
  local ok, rec = pcall(m.fns[p.kernel], req)
  if not ok then
    if is_interrupt(rec) then error(rec, 0) end
    m.failed[p.kernel] = true
    local msg = format("kernel %s failed at n=%s: %s; its remaining points are skipped",
      p.kernel, output.count(p.n), tostring(type(rec) == "table" and rec.msg or rec))
    state.failures[#state.failures + 1] = msg
    note(state, msg)
    return nil
  end
  return rec
end

-- warm-up: the first call at this N (JIT compilation, caches, page faults)
local function warm_up(m, pts)
  local state, s, failed = m.state, m.s, m.failed
  for _, p in ipairs(pts) do
    if not failed[p.kernel] then
      for w = 1, p.warmup do
        local rec = measure_one(m, p, s.seed)
        if rec and w == 1 then p.first = rec end
        state.done_cost = state.done_cost + p.rep_cost
      end
      if p.warmup > 0 and p.rep_cost < P.WARMUP_MIN_TIME then
        local stop, extra = now() + P.WARMUP_MIN_TIME, 0
        while extra < P.WARMUP_MAX_EXTRA and not failed[p.kernel] and now() < stop do
          measure_one(m, p, s.seed)
          extra = extra + 1
        end
        state.done_cost = state.done_cost + P.WARMUP_MIN_TIME
      end
      state.done_cost = state.done_cost + p.first_cost
    end
  end
end

-- repetitions, interleaved: round r measures rep r of every kernel, the
-- kernel order rotating from round to round
local function repetitions(m, pts)
  local state = m.state
  local maxr = 0
  for _, p in ipairs(pts) do maxr = max(maxr, p.reps) end
  for r = 0, maxr - 1 do
    for j = 0, #pts - 1 do
      local p = pts[(j + r) % #pts + 1]
      if r < p.reps and not m.failed[p.kernel] then
        if state.bar then
          progress(state, format("%d/%d  %s n=%s rep %d/%d", m.done_points + 1, m.npoints, p.kernel,
            output.count(p.n), r + 1, p.reps))
        end
        local rec = measure_one(m, p, util.u64val(m.seed_u64 + r))
        if rec then
          append(state, rep_row(rec, r), output.REP_FIELDS, { p.runs, state.rows })
        end
        state.done_cost = state.done_cost + p.rep_cost
      end
    end
  end
end

-- The points run in fresh processes (mcpi.fresh), then, with any, the
-- speed-ups paired only within each group.
local function fresh_points(state, s, plan, failed)
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

local function body(s, state)
  local models = probe_all(s, state)
  local plan = make_plan(s, state, models)
  local m = { state = state, s = s, fns = measured_fns(s), failed = {},
    seed_u64 = util.to_u64(s.seed, "seed"), npoints = #plan.points, done_points = 0 }
  local by_n, ns = groups(plan, s)
  for _, n in ipairs(ns) do
    local pts = by_n[n]
    if over_budget(state, s, pts, n) then break end
    for _, p in ipairs(pts) do p.runs = {} end
    warm_up(m, pts)
    local nr0 = noise.reader()
    repetitions(m, pts)
    local other = group_end(state, pts, nr0, m.fns, m.failed, s)
    summarize_group(state, s, pts, other)
    m.done_points = m.done_points + #pts
    state.points_done = state.points_done or {}
    for _, p in ipairs(pts) do state.points_done[#state.points_done + 1] = p end
    state.current = nil
  end
  fresh_points(state, s, plan, m.failed)
end

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
  if s.progress == nil then state.bar = progress_m.isatty(2) else state.bar = s.progress end
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
    -- which signal: exit 128 + it (130 for Ctrl-C, 143 SIGTERM, 129 SIGHUP)
    local sig = tonumber(C.mcpi_signal_number())
    res.signal = (sig and sig > 0) and sig or 2
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
