-- JIT state per point (issue 9.1): profiler shares, marks and notes.
local T = dofile("tests/harness.lua")
local mcpi = require "mcpi"
local jitstate = require "mcpi.jitstate"

-- A Lua kernel whose loop creates a closure per sample: FNEW is not
-- compiled by LuaJIT, so every trace attempt aborts until the loop is
-- blacklisted; from then on it runs interpreted with no abort at all. The
-- loop lives in `count`, which the kernel reaches through an upvalue (the
-- measured copy of the kernel shares it), and is run here until it stops
-- aborting: blacklisted before the sweep measures anything.
local function count(n)
  local h = 0
  for i = 1, tonumber(n) do
    local x = (i * 0.618034) % 1
    x = (x * 1.5 + 0.25) % 1; x = (x * 1.5 + 0.25) % 1; x = (x * 1.5 + 0.25) % 1
    x = (x * 1.5 + 0.25) % 1; x = (x * 1.5 + 0.25) % 1; x = (x * 1.5 + 0.25) % 1
    if x < 0.785 then h = h + 1 end
    local g = function() return i end
  end
  return h
end
do
  local aborts
  local function cb(what) if what == "abort" then aborts = aborts + 1 end end
  local quiet = 0
  for _ = 1, 200 do
    aborts = 0
    jit.attach(cb, "trace")
    count(2e5)
    jit.attach(cb)
    quiet = aborts == 0 and quiet + 1 or 0
    if quiet == 5 then break end
  end
  assert(quiet == 5, "the loop did not get blacklisted")
end
mcpi.kernels.register{ name = "user.blacklisted", stream = "weyl", fn = function(n) return count(n) end }

T.test("a Lua kernel blacklisted before measurement is marked interpreted (by its profile, not aborts)", function()
  local res = mcpi.sweep{ kernels = { "user.blacklisted", "c.scalar" }, n = { 1e6 }, reps = 5, warmup = 10,
    quiet = true }
  local s
  for _, r in ipairs(res.summary) do if r.kernel == "user.blacklisted" then s = r end end
  T.ok(s, "summary row")
  -- Its aborts in the window (usually none; at most a stray one where a
  -- caller's trace runs into the blacklisted loop) do not mark it: the
  -- profile does.
  local bare = {}
  for k, v in pairs(s) do bare[k] = v end
  bare.jit_interpreted_share, bare.jit_mark, bare.jit_note = nil, nil, nil
  T.eq(jitstate.mark(bare), nil, "trace events alone (" .. tostring(s.jit_aborts_steady) .. " aborts: "
    .. table.concat(s.jit_abort_reasons or {}, "; ") .. ") would not mark it")
  T.ok(s.jit_samples >= jitstate.MIN_SAMPLES, "profiler ticks " .. tostring(s.jit_samples))
  T.ok(s.jit_interpreted_share > 0.5, "interpreted share " .. tostring(s.jit_interpreted_share))
  T.eq(s.jit_mark, "interpreted")
  T.ok(s.jit_note:find("^user%.blacklisted at N=1e6: %d+%% interpreted"), s.jit_note)
  -- the note reaches the table, and c.scalar (compiled FFI call) is not marked
  local text = res:table()
  T.ok(text:find("user.blacklisted at N=1e6: ", 1, true), "note in the table")
  for _, r in ipairs(res.summary) do
    if r.kernel == "c.scalar" then T.eq(r.jit_mark, nil, "c.scalar not marked") end
  end
end)

T.test("a point too short for the profiler's ticks gets a probe, and is marked", function()
  local res = mcpi.sweep{ kernels = { "user.blacklisted", "c.scalar" }, n = { 1000 }, reps = 5, quiet = true }
  local s, c
  for _, r in ipairs(res.summary) do
    if r.kernel == "user.blacklisted" then s = r else c = r end
  end
  T.ok(s.jit_probe_samples and s.jit_probe_samples >= jitstate.MIN_SAMPLES, "probed: " .. tostring(s.jit_probe_samples))
  T.eq(s.jit_mark, "interpreted")
  T.ok(s.jit_note:find("interpreted", 1, true) and s.jit_note:find("(shares from a probe", 1, true), s.jit_note)
  -- a C kernel is probed only where trace events touched half its repetitions
  if (c.jit_reps_affected or 0) * 2 < c.reps then T.eq(c.jit_probe_samples, nil, "c.scalar not probed") end
end)

T.rows("which points get a probe, and until how many ticks", {
  { k = { backend = "c" }, runs = { {}, {}, {} }, want = nil },
  { k = { backend = "c" }, runs = { { jit_aborts = 1 }, { jit_aborts = 2 }, {} }, want = 30 },
  { k = { backend = "c" }, runs = { { jit_aborts = 1, jit_samples = 20 }, { jit_traces = 1, jit_samples = 20 } },
    want = nil },  -- 40 ticks already
  { k = { backend = "lua" }, runs = { { jit_samples = 2 }, {} }, want = 10 },
  { k = { backend = "lua" }, runs = { { jit_samples = 9 }, {} }, want = nil },
  { k = { backend = "lua" }, runs = { { jit_traces = 1, jit_samples = 10 } }, want = 30 },
  { k = { backend = "lua", jit_off = true }, runs = { { jit_aborts = 3 } }, want = nil },
  { k = { backend = "py", kind = "worker" }, runs = { { jit_aborts = 3 } }, want = nil },
}, function(row)
  T.eq(jitstate.probe_ticks(row.k, row.runs), row.want)
end)

T.test("a compiled Lua kernel is mostly compiled code and not marked", function()
  local f = mcpi.jitstats(mcpi.timed(mcpi.kernel("lua.philox")))
  for i = 1, 3 do f{ n = 1e5, seed = i } end
  -- A window may still catch LuaJIT compiling (a side trace, or a trace
  -- retried after an abort; once seen on the loaded CI machine: 98% compiler),
  -- so up to three windows are taken: one of them must be mostly compiled code.
  local r, why
  for seed = 1, 3 do
    r = f{ n = 3e7, seed = seed }
    why = string.format("compiled share %s (interpreted %s, C %s, GC %s, compiler %s)",
      tostring(r.jit_compiled_share), tostring(r.jit_interpreted_share), tostring(r.jit_c_share),
      tostring(r.jit_gc_share), tostring(r.jit_compiler_share))
    if r.jit_samples >= jitstate.MIN_SAMPLES and r.jit_compiled_share > 0.7 then break end
  end
  T.ok(r.jit_samples >= jitstate.MIN_SAMPLES, "ticks " .. tostring(r.jit_samples))
  T.ok(r.jit_compiled_share > 0.7, why)
end)

T.rows("mark from summary fields", {
  { fields = { kernel = "lua.philox", n = 100, reps = 5, jit_aborts_steady = 25, jit_reps_affected = 5,
      jit_abort_reasons = { "NYI: register coalescing too complex" }, jit_samples = 50,
      jit_interpreted_share = 0.98 },
    mark = "interpreted",
    note = "lua.philox at N=100: 98% interpreted; trace aborted 25x (NYI: register coalescing too complex)" },
  { fields = { kernel = "k.a", n = 1000, reps = 10, jit_aborts_steady = 1, jit_reps_affected = 1 },
    mark = nil },  -- one repetition of ten: the median is not moved
  { fields = { kernel = "k.b", n = 10, reps = 4, jit_traces_steady = 4, jit_reps_affected = 4,
      jit_samples = 0 }, mark = "compiling", note = "k.b at N=10: 4 traces compiled while measured" },
  { fields = { kernel = "lua.interp", n = 1e6, reps = 3, jit_samples = 90, jit_interpreted_share = 1 },
    jit_off = true, mark = nil },  -- the JIT is off on purpose
  { fields = { kernel = "k.c", n = 1e6, reps = 3, jit_samples = 3, jit_interpreted_share = 1 },
    mark = nil },  -- 3 ticks say nothing
  -- a C kernel's long calls: the measuring loop's recording cut by the
  -- profiler's tick; the profile shows no time in interpreter or compiler
  { fields = { kernel = "c.scalar", n = 1e7, reps = 5, jit_aborts_steady = 3, jit_reps_affected = 3,
      jit_abort_reasons = { "error thrown or hook called during recording" }, jit_samples = 40,
      jit_interpreted_share = 0, jit_compiler_share = 0, jit_c_share = 1 }, mark = nil },
  -- the same with 20 ticks: too few to clear them (a JIT costing 10% of the
  -- time would show in none of 20 ticks with probability 12%)
  { fields = { kernel = "c.scalar", n = 1e7, reps = 5, jit_aborts_steady = 3, jit_reps_affected = 3,
      jit_abort_reasons = { "error thrown or hook called during recording" }, jit_samples = 20,
      jit_interpreted_share = 0, jit_compiler_share = 0, jit_c_share = 1 }, mark = "aborts" },
  -- the same events where the profile does see interpreter or compiler time
  { fields = { kernel = "k.d", n = 1e7, reps = 5, jit_traces_steady = 3, jit_reps_affected = 3,
      jit_samples = 40, jit_interpreted_share = 0.01, jit_compiler_share = 0.05, jit_compiled_share = 0.94 },
    mark = "compiling", note = "k.d at N=1e7: 1% interpreted (compiled 94%, JIT compiler 5%); 3 traces compiled while measured" },
}, function(row)
  local m, note = jitstate.mark(row.fields, { jit_off = row.jit_off })
  T.eq(m, row.mark, "mark")
  if row.note then T.eq(note, row.note, "note") end
end)

T.test("the profiler can be turned off", function()
  jitstate.enabled = false
  local r = mcpi.jitstats(mcpi.kernel("c.scalar"))(1e6)
  jitstate.enabled = true
  T.eq(r.jit_samples, nil)
  T.eq(r.jit_traces ~= nil, true, "trace events still counted")
end)

T.done()
