--- mcpi.fresh: a sweep's repetitions spread over K fresh processes of mcpi.
-- Where LuaJIT puts a trace's machine code differs from process to process
-- and changes its speed (lua.philox: 3.9 or 5.7 ns/sample), so one process
-- is one draw. With processes = K, process p (1..K) measures repetitions
-- p-1, p-1+K, ... of every point: a fresh `mcpi` (the same binary, the same
-- MCPI_LUA_PATH) that warms each point up, then measures its share with the
-- kernels interleaved, as the sweep does in one process. Processes run one
-- after another, never side by side. Rows carry `process`; the summary's CI
-- resamples processes, then repetitions within them (results.summary_row).
--
-- Parent and child speak the worker protocol's framing (src/proc.c, JSON
-- lines; the child is in its own process group and dies with its parent):
-- the child sends {"protocol":"mcpi-worker/1","kernel":"mcpi.fresh"}, reads
-- one job line, then writes {"first":{...}} after a point's warm-up,
-- {"row":{...}} per repetition, {"failed":K,"n":N,"msg":M} when a kernel
-- raises, and {"done":true}.
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"
local json = require "mcpi.json"
local output = require "mcpi.output"

local type, ipairs, pairs, tostring, tonumber, format = type, ipairs, pairs, tostring, tonumber, string.format
local max, min, floor = math.max, math.min, math.floor
local sort, concat = table.sort, table.concat

local M = {}

M.MAX = require("mcpi.fields").MAX_PROCESSES  -- processes at most
M.LINE_TIMEOUT = 60     -- seconds a child may be silent beyond its longest predicted call x 10
M.AUTO = require("mcpi.fields").AUTO_PROCESSES  -- the candidates processes = "auto" tries, most first

-- -- The executable ---------------------------------------------------------------

--- Path of the running mcpi (mcpi_path_exe: /proc/self/exe), or nil, err.
function M.exe()
  local exe = ffi.string(C.mcpi_path_exe())
  if exe == "" then return nil, "cannot find the mcpi executable (/proc/self/exe)" end
  return exe
end

-- -- Child ---------------------------------------------------------------------------

local function emit(t)
  io.stdout:write(json.encode(t), "\n")
  io.stdout:flush()
end

local function err_text(e) return tostring(type(e) == "table" and e.msg or e):gsub("\n.*", "") end

-- Warm-up of one point: the calls asked for, then more while calls are short
-- (as the sweep does: LuaJIT's hot counters need many short calls).
local function warm(f, pt, job, seed)
  local first
  for w = 1, pt.warmup do
    local rec = f{ n = pt.n, seed = seed, threads = job.threads }
    if w == 1 then first = rec end
  end
  if pt.warmup > 0 and first and first.seconds < job.warmup_min_time then
    local stop = tonumber(C.mcpi_clock_ns()) / 1e9 + job.warmup_min_time
    for _ = 1, job.warmup_max_extra do
      f{ n = pt.n, seed = seed, threads = job.threads }
      if tonumber(C.mcpi_clock_ns()) / 1e9 >= stop then break end
    end
  end
  if first then
    emit{ first = { kernel = pt.kernel, n = pt.n, seconds = first.first_call_seconds or first.seconds,
      jit_traces = first.jit_traces, jit_aborts = first.jit_aborts } }
  end
end

-- After an N's repetitions, in the process the parent asks (the last): the
-- JIT probe each point needs (mcpi.jitstate.probe_ticks: too few profiler
-- ticks for its mark), judged on this process's rows and on the parent's
-- hint from the earlier processes' rows (job.probe_hint["kernel@n"]), sent
-- as {probe = {kernel, n, counts}}.
local function probe_points(pts, fns, job, failed, seed)
  local jitstate, kernels = require "mcpi.jitstate", require "mcpi.kernels"
  for _, pt in ipairs(pts) do
    local own = not failed[pt.kernel] and jitstate.probe_ticks(kernels.find(pt.kernel), pt.rows or {})
    local hint = not failed[pt.kernel] and (job.probe_hint or {})[pt.kernel .. "@" .. tostring(pt.n)]
    local ticks = (own or hint) and math.max(own or 0, tonumber(hint) or 0)
    if ticks then
      local ok, counts = pcall(jitstate.probe, fns[pt.kernel], { n = pt.n, seed = seed, threads = job.threads }, ticks)
      if ok and counts then emit{ probe = { kernel = pt.kernel, n = pt.n, counts = counts } } end
    end
  end
end

-- One N: warm every point up, then round i measures the i-th repetition of
-- each point's share, the kernel order rotating from round to round.
local function measure_n(pts, fns, job, failed)
  local results = require "mcpi.results"
  local seed = util.to_u64(job.seed, "seed")
  local function try(pt, fn)
    local ok, e = pcall(fn)
    if not ok then
      failed[pt.kernel] = true
      emit{ failed = pt.kernel, n = pt.n, msg = err_text(e) }
    end
  end
  for _, pt in ipairs(pts) do
    if not failed[pt.kernel] then try(pt, function() warm(fns[pt.kernel], pt, job, util.u64val(seed)) end) end
  end
  local maxr = 0
  for _, pt in ipairs(pts) do maxr = max(maxr, #pt.reps) end
  for i = 1, maxr do
    for j = 0, #pts - 1 do
      local pt = pts[(j + i) % #pts + 1]
      local r = pt.reps[i]
      if r and not failed[pt.kernel] then
        try(pt, function()
          local rec = fns[pt.kernel]{ n = pt.n, seed = util.u64val(seed + r), threads = job.threads }
          local row = results.rep_row(rec, r)
          row.process = job.process
          pt.rows = pt.rows or {}
          pt.rows[#pt.rows + 1] = row
          emit{ row = row }
        end)
      end
    end
  end
  if job.probe then probe_points(pts, fns, job, failed, util.u64val(seed)) end
end

--- The child's side: handshake, one job from stdin, rows to stdout.
function M.child()
  local dec, measure = require "mcpi.decorators", require "mcpi.measure"
  emit{ protocol = "mcpi-worker/1", kernel = "mcpi.fresh" }
  local line = io.stdin:read("*l")
  local job = line and json.decode(line)
  if type(job) ~= "table" or type(job.points) ~= "table" then
    io.stderr:write("mcpi.fresh: no job on standard input\n")
    os.exit(1)
  end
  local fns, by_n, ns = {}, {}, {}
  for _, pt in ipairs(job.points) do
    if not fns[pt.kernel] then
      fns[pt.kernel] = dec.jitstats(dec.throughput(dec.timed(dec.accuracy(measure.kernel(pt.kernel)))))
    end
    if not by_n[pt.n] then by_n[pt.n] = {}; ns[#ns + 1] = pt.n end
    local t = by_n[pt.n]
    t[#t + 1] = pt
  end
  sort(ns)
  local failed = {}
  for _, n in ipairs(ns) do measure_n(by_n[n], fns, job, failed) end
  require("mcpi.kernels").stop_all()
  emit{ done = true }
end

-- -- Parent --------------------------------------------------------------------------

-- The job of process p: each point's repetitions r with r % K == p - 1.
local function job_of(points, s, p, K, failed)
  local pts, longest = {}, 0
  for _, pt in ipairs(points) do
    if not failed[pt.kernel] then
      local reps = {}
      for r = p - 1, pt.reps - 1, K do reps[#reps + 1] = r end
      if #reps > 0 then
        pts[#pts + 1] = { kernel = pt.kernel, n = pt.n, reps = reps, warmup = pt.warmup }
        longest = max(longest, pt.call or 0)
      end
    end
  end
  local sweep = require "mcpi.sweep_plan"  -- the warm-up constants
  return { process = p, seed = util.u64str(util.to_u64(s.seed, "seed")), threads = s.threads,
    warmup_min_time = sweep.WARMUP_MIN_TIME, warmup_max_extra = sweep.WARMUP_MAX_EXTRA, points = pts },
    M.LINE_TIMEOUT + 10 * (longest + sweep.WARMUP_MIN_TIME)
end

-- A row as the child wrote it, with seeds and hits back as integers.
local function restore(row)
  for _, f in ipairs{ "seed", "hits" } do
    if type(row[f]) == "string" then
      local u = util.to_u64(row[f], f)
      if u then row[f] = util.u64val(u) end
    end
  end
  return row
end

-- Run one child to the end; h.row(point, row), h.first(point, rec),
-- h.failed(kernel, n, msg) take its lines. Raises on a fault or interruption
-- (the child is stopped first).
local function run_child(exe, job, timeout, by_key, h)
  local argv = { exe }
  for _, a in ipairs(require("mcpi.jitopt").args) do argv[#argv + 1] = a end
  argv[#argv + 1], argv[#argv + 2] = "-e", "require('mcpi.fresh').child()"
  local w = require("mcpi.worker").new{ name = format("fresh process %d", job.process),
    command = argv, start_timeout = M.LINE_TIMEOUT }
  local ok, err = pcall(function()
    w:start()
    local msg = json.encode(job) .. "\n"
    if C.mcpi_proc_write(w.proc, msg, #msg) ~= 0 then w:fail("exited before its job was sent") end
    while true do
      local v = w:read_json(timeout, "while measuring")
      if v.done then break end
      local key = v.row and v.row.kernel .. "@" .. tostring(v.row.n)
        or v.first and v.first.kernel .. "@" .. tostring(v.first.n)
      local pkey = type(v.probe) == "table" and tostring(v.probe.kernel) .. "@" .. tostring(v.probe.n)
      if v.row and by_key[key] then h.row(by_key[key], restore(v.row))
      elseif v.first and by_key[key] then h.first(by_key[key], v.first)
      elseif pkey and by_key[pkey] and type(v.probe.counts) == "table" then by_key[pkey].probe = v.probe.counts
      elseif v.failed then h.failed(tostring(v.failed), v.n, tostring(v.msg))
      else w:fail("wrote a line that is none of row, first, probe, failed, done") end
    end
  end)
  w:kill(1)
  if not ok then error(err, 0) end
end

--- Measure plan points across K fresh processes (one after another).
-- hooks come from the sweep: hooks.row(point, row) records a repetition,
-- hooks.fail(kernel, n, msg) a kernel that raised (it is left out of later
-- processes), hooks.lost(msg) a process that died or misbehaved. Ctrl-C
-- stops the child at work and raises the interruption.
function M.run(points, s, K, hooks)
  if #points == 0 then return end
  local exe, err = M.exe()
  if not exe then error(err, 0) end
  local by_key, failed = {}, {}
  for _, pt in ipairs(points) do by_key[pt.kernel .. "@" .. tostring(pt.n)] = pt end
  for p = 1, K do
    local job, timeout = job_of(points, s, p, K, failed)
    if #job.points == 0 then break end
    -- One process probes, so a probe costs at most once per point: the last,
    -- told what the earlier processes' rows need (their trace events).
    job.probe = p == K
    if job.probe then
      local jitstate, kernels = require "mcpi.jitstate", require "mcpi.kernels"
      job.probe_hint = {}
      for _, pt in ipairs(points) do
        local ticks = pt.runs and #pt.runs > 0 and jitstate.probe_ticks(kernels.find(pt.kernel), pt.runs)
        if ticks then job.probe_hint[pt.kernel .. "@" .. tostring(pt.n)] = ticks end
      end
      timeout = timeout + 2 * jitstate.EVENT_PROBE_TIME
    end
    local ok, e = pcall(run_child, exe, job, timeout, by_key, {
      row = hooks.row,
      first = function(pt, rec) if not pt.first then pt.first = rec end end,
      failed = function(k, n, msg)
        failed[k] = true
        hooks.fail(k, n, format("%s (in fresh process %d)", msg, p))
      end,
    })
    if not ok then
      -- Ctrl-C goes on up (the child is already stopped); a child that died
      -- or misbehaved costs its share, and the next process carries on
      if C.mcpi_signal_pending() == 1 or (type(e) == "table" and e.exit == 130) then error(e, 0) end
      hooks.lost(format("%s; its share of the repetitions is missing", err_text(e)))
    end
  end
end

--- Check processes and process_kernels; sets s.proc_set (names measured in
-- fresh processes) and s.processes_k. Returns nil, or a message.
function M.check_spec(spec, s)
  local K = spec.processes
  if K == nil then return "sweep: process_kernels needs processes (a number of fresh processes, or 'auto')" end
  -- K itself is checked with the other fields (mcpi.fields)
  if spec.reps and K ~= "auto" and spec.reps < K then
    return format("sweep: reps %d is below processes %d: each process needs at least one repetition", spec.reps, K)
  end
  if spec.decorate then return "sweep: decorate cannot be used with processes (a fresh process has only the built-in decorators)" end
  local names = spec.process_kernels or s.kernels
  if type(names) == "string" then names = { names } end
  if type(names) ~= "table" then return format("sweep: process_kernels must be a list of kernel names, got %s", type(names)) end
  local set, listed = {}, {}
  for _, k in ipairs(s.kernels) do listed[k] = true end
  for _, u in ipairs(s.unavailable) do listed[u.kernel] = true end
  for i, k in ipairs(names) do
    if type(k) ~= "string" then return format("sweep: process_kernels[%d] must be a kernel name, got %s", i, type(k)) end
    if not listed[k] then return format("sweep: process_kernels: '%s' is not among the kernels", k) end
    local e = require("mcpi.kernels").find_entry(k)
    if e and not e.builtin then
      return format("sweep: processes: kernel '%s' was registered by this script, and a fresh mcpi process has only the built-in kernels", k)
    end
    set[k] = true
  end
  s.proc_set, s.processes_k = set, K ~= "auto" and K or nil
end

--- The sweep's points that run in fresh processes (s.proc_set), after the
-- others; then their summaries, N by N. h: the sweep's append(row, order),
-- note(msg), progress(label), summarize(points of one N) and its state
-- (rows, failures, done_cost).
function M.sweep_points(plan, s, failed, h)
  local fpts = {}
  for _, p in ipairs(plan.points) do
    if s.proc_set and s.proc_set[p.kernel] then p.runs = {}; fpts[#fpts + 1] = p end
  end
  if #fpts == 0 then return end
  M.run(fpts, s, s.processes_k, {
    row = function(p, row)
      -- into the point's runs, the results and the .jsonl together (the journal)
      h.append(row, output.REP_FIELDS, { p.runs, h.state.rows })
      h.state.done_cost = h.state.done_cost + p.rep_cost
      h.progress(format("process %d/%d  %s n=%s", row.process, s.processes_k, p.kernel, output.count(p.n)))
    end,
    lost = function(msg)
      h.state.failures[#h.state.failures + 1] = msg
      h.note(msg)
    end,
    fail = function(k, n, msg)
      failed[k] = true
      local m = format("kernel %s failed at n=%s: %s; its remaining points are skipped", k, output.count(n), msg)
      h.state.failures[#h.state.failures + 1] = m
      h.note(m)
    end,
  })
  local by_n, ns = util.group(fpts, "n")
  sort(ns)
  for _, n in ipairs(ns) do h.summarize(by_n[n]) end
end


--- The process count for processes = "auto": the most of M.AUTO whose plan
-- (made by plan_with(K)) skips no more points than measuring in-process;
-- else the fewest. Returns K and the plan made with it.
function M.choose(plan_with)
  local base = #plan_with(1).skipped
  local last
  for _, K in ipairs(M.AUTO) do
    local plan = plan_with(K)
    last = { K, plan }
    if #plan.skipped <= base then return K, plan end
  end
  return last[1], last[2]
end

return M
