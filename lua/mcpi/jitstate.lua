--- mcpi.jitstate: where a measured call's time went inside LuaJIT, and which
-- points a reader must be warned about. Counting trace aborts is not enough:
-- a loop blacklisted before the measured window runs interpreted and aborts
-- nothing in it. So the window is also sampled with LuaJIT's profiler
-- (jit.profile, mode "v": the VM state at each tick: compiled code,
-- interpreter, C, GC, the JIT compiler), and a point that ran mostly
-- interpreted, aborted traces or compiled traces while measured is marked.
--   local h = jitstate.start(); f(req); local counts = jitstate.stop(h)
--   jitstate.add(rec, counts)          -- rec.jit_samples, rec.jit_*_share
--   jitstate.summarize(reps, srow, k)  -- the point's shares, mark and note
-- Turned off with MCPI_JIT_PROFILE=0 or jitstate.enabled = false (the trace
-- events are still counted). A point whose repetitions were too short for
-- MIN_SAMPLES ticks gets a probe right after them (probe(): the same calls
-- in one window, up to PROBE_TIME), for Lua kernels with their JIT on: so an
-- N = 100 point that runs interpreted is seen too. The profiler asks for a tick every INTERVAL_MS
-- of CPU time, but its timer (ITIMER_PROF) runs on the scheduler's tick: on a
-- HZ = 100 kernel one tick per 10 ms, so a point needs about 50 ms of
-- measured calls for its shares to count (MIN_SAMPLES). Cost, measured on
-- the 2-core development VM (tests/bench/jit_profile_tick.lua): an
-- interpreted loop with the profiler running vs stopped, 60 paired rounds,
-- median ratio 0.991-1.000, i.e. nothing measurable; opening and closing a
-- window 0.2 us, outside the timed region.
local type, ipairs, pairs, format, concat = type, ipairs, pairs, string.format, table.concat
local floor = math.floor

local M = {}

M.enabled = os.getenv("MCPI_JIT_PROFILE") ~= "0"
M.INTERVAL_MS = 1
M.INTERPRETED = 0.5  -- a point with more than this share interpreted is marked
M.MIN_SAMPLES = 5    -- fewer profiler ticks than this say nothing about shares
-- Trace events are marked unless at least EVENT_TICKS ticks put less than
-- EVENT_SHARE of the time in interpreter + JIT compiler: a JIT costing 10%
-- of the time shows in at least one of 30 ticks with probability
-- 1 - 0.9^30 = 96%, so it is not cleared by chance.
M.EVENT_SHARE = 0.02
M.EVENT_TICKS = 30

--- VM state letters of jit.profile and the share fields they feed.
M.STATES = { { "N", "jit_compiled_share" }, { "I", "jit_interpreted_share" },
  { "C", "jit_c_share" }, { "G", "jit_gc_share" }, { "J", "jit_compiler_share" } }

local profile, running, window

local function cb(_, samples, vmstate)
  local c = window
  if c then
    c[vmstate] = (c[vmstate] or 0) + samples
    c.total = c.total + samples
  end
end

-- Called from compiled code this leaves the trace for the interpreter, where
-- a pending profiler callback runs: the window's last ticks land inside it.
local function drain() end
jit.off(drain)

-- jit.profile.stop() flushes every compiled trace (this LuaJIT does so for
-- every mode), so the profiler is started once, on the first window, and
-- left running; ticks outside a window are dropped. It counts CPU time, so
-- an idle REPL costs nothing.
local function ensure()
  if running ~= nil then return running end
  -- -jp (jit.p) runs LuaJIT's own profiler: there is one, and starting ours
  -- would stop it
  if package.loaded["jit.p"] then running = false; return false end
  local ok, p = pcall(require, "jit.profile")
  if not ok then running = false; return false end
  profile = p
  running = pcall(profile.start, "vi" .. M.INTERVAL_MS, cb)
  return running
end

--- Open a sampling window (nil when off or unavailable, or when a window is
-- already open: nested measured functions share the outermost window).
function M.start()
  if not M.enabled or window or not ensure() then return nil end
  drain()
  window = { total = 0 }
  return window
end

--- Close the window; returns its counts {N=, I=, C=, G=, J=, total=}.
function M.stop(h)
  if not h then return nil end
  drain()
  window = nil
  return h
end

M.PROBE_TIME = 0.1  -- seconds: the longest probe of a point whose window got too few ticks
M.EVENT_PROBE_TIME = 0.5  -- seconds: the longest probe that may clear a point's trace events

-- Trace events in a repetition row, and the one rule for when they matter:
-- in at least half of a point's repetitions (then they can move the median).
local function touched(r) return (r.jit_aborts or 0) + (r.jit_traces or 0) > 0 end
local function enough(affected, reps) return reps > 0 and affected * 2 >= reps end

local function events_touch(runs)
  local hit = 0
  for _, r in ipairs(runs) do
    if touched(r) then hit = hit + 1 end
  end
  return enough(hit, #runs)
end

--- Does a point of kernel k (a registry entry) with repetition rows runs
-- get a probe, and until how many ticks? Returns the tick target, or nil.
-- Trace events in half its repetitions: until EVENT_TICKS, so that the
-- profile can clear them (Lua and C kernels; a C kernel's events are the
-- measuring loop's). Else a Lua kernel whose window got fewer than
-- MIN_SAMPLES ticks: until 2 * MIN_SAMPLES, for its interpreted share.
-- Never a kernel with the JIT off (interpreted on purpose) or one in
-- another process.
function M.probe_ticks(k, runs)
  if not (k ~= nil and M.enabled and not k.jit_off and (k.kind == nil or k.kind == "inproc")
      and jit.status()) then
    return nil
  end
  local ticks = 0
  for _, r in ipairs(runs) do ticks = ticks + (r.jit_samples or 0) end
  if events_touch(runs) and ticks < M.EVENT_TICKS then return M.EVENT_TICKS end
  if k.backend ~= "c" and ticks < M.MIN_SAMPLES then return 2 * M.MIN_SAMPLES end
  return nil
end

--- Where a point's time goes when its measured window was too short for
-- the profiler's 10 ms ticks: call f(req) (the point's measured function,
-- same N) in one window until `ticks` ticks (default 2 * MIN_SAMPLES) or
-- PROBE_TIME seconds (EVENT_PROBE_TIME for EVENT_TICKS). Right after the
-- repetitions, so the JIT state is theirs; it times nothing. Returns the
-- counts.
function M.probe(f, req, ticks)
  ticks = ticks or 2 * M.MIN_SAMPLES
  local limit = (ticks >= M.EVENT_TICKS and M.EVENT_PROBE_TIME or M.PROBE_TIME) * 1e9
  local h = M.start()
  if not h then return nil end
  local clock = require("mcpi.capi").mcpi_clock_ns
  local t0 = clock()
  repeat
    local ok, err = pcall(f, req)
    if not ok then M.stop(h); error(err, 0) end
  until h.total >= ticks or tonumber(clock() - t0) >= limit
  return M.stop(h)
end

--- Stop the profiler for good (this flushes LuaJIT's compiled traces).
function M.shutdown()
  if running then profile.stop() end
  running, window = nil, nil
end

--- Add the shares of one window to a record: jit_samples and, when any
-- tick fell in the window, jit_compiled_share, jit_interpreted_share,
-- jit_c_share, jit_gc_share, jit_compiler_share (fractions 0..1).
function M.add(rec, c)
  if not c then return rec end
  rec.jit_samples = c.total
  if c.total > 0 then
    for _, s in ipairs(M.STATES) do rec[s[2]] = (c[s[1]] or 0) / c.total end
  end
  return rec
end

local function pct(x) return format("%d%%", floor(x * 100 + 0.5)) end

--- Summarise the JIT state of a point's repetition rows into its summary
-- row srow: jit_samples (ticks over all repetitions), the shares weighted
-- by ticks, jit_aborts, jit_traces (completed traces) and the abort reasons
-- of the measured repetitions, and when the point is suspect jit_mark (a
-- short word: "interpreted", "aborts", "compiling") and jit_note (one line
-- naming kernel, N, share interpreted and reason). opts.jit_off: the kernel
-- runs with the JIT off on purpose (its interpreted share is not marked).
function M.summarize(reps, srow, opts)
  opts = opts or {}
  local total, by, aborts, traces, reasons, seen, any, hit = 0, {}, 0, 0, {}, {}, false, 0
  for _, r in ipairs(reps) do
    local n = r.jit_samples
    if type(n) == "number" then
      any = true
      total = total + n
      for _, s in ipairs(M.STATES) do by[s[2]] = (by[s[2]] or 0) + (r[s[2]] or 0) * n end
    end
    aborts = aborts + (r.jit_aborts or 0)
    traces = traces + (r.jit_traces or 0)
    if touched(r) then hit = hit + 1 end
    for _, why in ipairs(type(r.jit_abort_reasons) == "table" and r.jit_abort_reasons or {}) do
      if not seen[why] then seen[why] = true; reasons[#reasons + 1] = why end
    end
  end
  if any then
    srow.jit_samples = total
    if total > 0 then for k, v in pairs(by) do srow[k] = v / total end end
  end
  local pr = opts.probe
  if pr and pr.total > total then  -- the probe saw more than the window did
    srow.jit_probe_samples = pr.total
    srow.jit_samples = pr.total
    for _, st in ipairs(M.STATES) do srow[st[2]] = pr.total > 0 and (pr[st[1]] or 0) / pr.total or nil end
  end
  if #reasons > 0 then srow.jit_abort_reasons = reasons end
  srow.jit_reps_affected = hit
  return M.mark(srow, opts)
end

--- Decide whether a summary row is suspect from its fields (works on rows
-- read back from a file too); sets and returns srow.jit_mark, srow.jit_note.
function M.mark(srow, opts)
  opts = opts or {}
  local parts, mark = {}, nil
  local interp = srow.jit_interpreted_share
  if not opts.jit_off and type(interp) == "number" and (srow.jit_samples or 0) >= M.MIN_SAMPLES
      and interp > M.INTERPRETED then
    mark = "interpreted"
    parts[#parts + 1] = pct(interp) .. " interpreted"
  end
  -- Trace events mark a point when they touched at least half its
  -- repetitions (then they move the median); the kernel's own code only
  -- when its JIT is on (otherwise the events are the measuring loop's).
  -- Nor when the profile shows they cost next to nothing: with EVENT_TICKS
  -- ticks or more and under EVENT_SHARE of them in the interpreter or the JIT
  -- compiler, the events were the measuring loop's (e.g. its recording cut
  -- by the profiler's own tick during a 40 ms call into C), not the kernel's.
  local reps = srow.reps or 1
  local events = not opts.jit_off and enough(srow.jit_reps_affected or reps, reps)
  local ticks, i_share, j_share = srow.jit_samples or 0, srow.jit_interpreted_share, srow.jit_compiler_share
  if events and ticks >= M.EVENT_TICKS and type(i_share) == "number"
      and i_share + (type(j_share) == "number" and j_share or 0) < M.EVENT_SHARE then
    events = false
  end
  local aborts = srow.jit_aborts_steady or 0
  if events and aborts > 0 then
    mark = mark or "aborts"
    local why = type(srow.jit_abort_reasons) == "table" and concat(srow.jit_abort_reasons, "; ") or nil
    parts[#parts + 1] = format("trace aborted %dx%s", aborts, why and (" (" .. why .. ")") or "")
  end
  local traces = srow.jit_traces_steady or 0
  if events and traces > 0 then
    mark = mark or "compiling"
    parts[#parts + 1] = format("%d trace%s compiled while measured", traces, traces == 1 and "" or "s")
  end
  if mark then
    if not parts[1]:find("interpreted") and type(interp) == "number" and (srow.jit_samples or 0) > 0 then
      table.insert(parts, 1, pct(interp) .. " interpreted")
    end
    if (srow.jit_samples or 0) > 0 then  -- where the rest went
      local rest = {}
      for _, st in ipairs{ { "jit_compiled_share", "compiled" }, { "jit_c_share", "C" },
          { "jit_gc_share", "GC" }, { "jit_compiler_share", "JIT compiler" } } do
        local v = srow[st[1]]
        if type(v) == "number" and v >= 0.005 then rest[#rest + 1] = st[2] .. " " .. pct(v) end
      end
      if #rest > 0 then parts[1] = parts[1] .. " (" .. concat(rest, ", ") .. ")" end
    end
    srow.jit_mark = mark
    srow.jit_note = format("%s at N=%s: %s%s", tostring(srow.kernel),
      require("mcpi.output").count(srow.n), concat(parts, "; "),
      srow.jit_probe_samples and " (shares from a probe right after the repetitions)" or "")
  end
  return srow.jit_mark, srow.jit_note
end

return M
