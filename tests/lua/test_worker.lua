-- Kernels with a backend: `call` kernels and worker processes (mcpi-worker/1):
-- hits against c.scalar, every fault with its one-line message, timeouts, the
-- sweep with a faulty worker, and no process left behind after any of it.
local T = dofile("tests/harness.lua")
local kernels = require "mcpi.kernels"
local measure = require "mcpi.measure"
local dec = require "mcpi.decorators"
local util = require "mcpi.util"

local MCPI = os.getenv("MCPI") or "./mcpi"
local FAKE = "tests/workers/fake_worker.lua"
local scalar = kernels.get("c.scalar")
local MAX = "18446744073709551615"

local function my_pid()
  local fh = assert(io.open("/proc/self/stat"))
  local pid = fh:read("*l"):match("^(%d+)")
  fh:close()
  return pid
end
local ME = my_pid()

-- pids whose parent is this process (zombies included): none may remain.
local function children()
  local p = assert(io.popen("ls /proc"))
  local pids = {}
  for name in p:lines() do if name:match("^%d+$") then pids[#pids + 1] = name end end
  p:close()
  local kids = {}
  for _, pid in ipairs(pids) do
    local fh = io.open("/proc/" .. pid .. "/stat")
    local line = fh and fh:read("*l")
    if fh then fh:close() end
    local ppid = line and line:match("%)%s+%S+%s+(%d+)")
    if ppid == ME then kids[#kids + 1] = pid end
  end
  return kids
end

local function alive(pid)
  local fh = pid and io.open("/proc/" .. pid .. "/stat")
  if fh then fh:close() end
  return fh ~= nil
end

local function no_process_left(k, what)
  T.eq(k.worker.proc, nil, (what or "") .. " worker handle")
  T.ok(not alive(k.worker.pid), (what or "") .. " the worker's pid is gone")
  T.eq(table.concat(children(), ","), "", (what or "") .. " children of mcpi")
end

local function fake(mode, extra)
  local spec = { name = "test.w_" .. mode, stream = "philox",
    command = { MCPI, "script", FAKE, mode } }
  for k, v in pairs(extra or {}) do spec[k] = v end
  return kernels.register(spec)
end

local ROWS = {  -- n, seed
  { 0, 0 }, { 1, 0 }, { 2, 0 }, { 3, 0 }, { 1, 1 }, { 2, 1 }, { 3, 1 }, { 0, MAX }, { 1, MAX },
  { 2, MAX }, { 3, MAX }, { 1000, MAX }, { 1001, 42 }, { 4097, 4294967296 }, { 12345, 7 },
}

T.test("a Lua worker (mcpi itself) gives c.scalar's hits over (seed, N) rows", function()
  local k = fake("ok")
  T.eq(k.kind, "worker")
  for _, r in ipairs(ROWS) do
    T.eq(k.fn(r[1], r[2]), scalar.fn(r[1], r[2]), ("n=%s seed=%s"):format(r[1], r[2]))
  end
  local pid = k.worker.pid
  T.ok(alive(pid), "one worker serves every call")
  local hits, m = k.call(1001, 42, nil, 3)
  T.eq(hits, scalar.fn(1001, 42), "calls = 3")
  T.ok(type(m.seconds) == "number" and m.seconds >= 0, "metrics.seconds")
  T.eq(k.info.protocol, "mcpi-worker/1")
  T.eq(k.info.runtime, "mcpi fake worker")
  T.eq(k.info.pid, pid)
  k.stop()
  no_process_left(k)
end)

T.test("the minimal Python worker (scripts/minimal_worker.py) gives c.scalar's hits", function()
  local k = kernels.register{ name = "test.py", stream = "philox",
    command = { "python3", "scripts/minimal_worker.py" } }
  T.ok(k.available(), "python3 is on PATH")
  for _, r in ipairs(ROWS) do
    T.eq(k.fn(r[1], r[2]), scalar.fn(r[1], r[2]), ("n=%s seed=%s"):format(r[1], r[2]))
  end
  T.ok(k.info.runtime:match("^CPython "), "runtime in the handshake: " .. tostring(k.info.runtime))
  kernels.stop_all()
  no_process_left(k)
end)

-- mode, spec fields, n, seed, the message (plain find), exact prefix
local FAULTS = {
  { "exit_start", nil, 10, 1,
    "test.w_exit_start: worker exited with status 3 before its handshake (its last stderr line: 'fake worker: cannot import fakelib')" },
  { "nohandshake", { start_timeout = 0.5 }, 10, 1,
    "test.w_nohandshake: worker sent nothing within 0.5 s before its handshake; stopped it" },
  { "notjson", nil, 10, 1,
    "test.w_notjson: worker wrote a line that is not a JSON object before its handshake: 'hello, I am not JSON'" },
  { "wrongproto", nil, 10, 1,
    [[test.w_wrongproto: worker sent a handshake with protocol 'mcpi-worker/0', want "mcpi-worker/1"]] },
  { "refuse", nil, 10, 1, "test.w_refuse: worker cannot run: fakelib is not installed" },
  { "wrongstream", nil, 10, 1,
    [[test.w_wrongstream: worker says its stream is 'lua-random', but it is registered as "philox"]] },
  { "longline", nil, 10, 1, "test.w_longline: worker wrote a line over 1 MiB before its handshake" },
  { "crash", nil, 1000, 5,
    "test.w_crash: worker exited with status 3 when asked to count n=1000 seed=5 calls=1 (its last stderr line: 'fake worker: crashing as asked')" },
  { "killed", nil, 1000, 5,
    "test.w_killed: worker was killed by signal 9 when asked to count n=1000 seed=5 calls=1 (its last stderr line: 'fake worker: killing myself')" },
  { "hang", { timeout = 0.5 }, 1000, 5,
    "test.w_hang: worker sent nothing within 0.5 s when asked to count n=1000 seed=5 calls=1; stopped it" },
  { "malformed", nil, 1000, 5,
    [[test.w_malformed: worker wrote a line that is not a JSON object when asked to count n=1000 seed=5 calls=1: '{"hits": 12']] },
  { "toomany", nil, 1000, 5,
    "test.w_toomany: worker replied hits '1001' when asked to count n=1000 seed=5 calls=1: not a possible count (want a decimal string in 0..1000)" },
  { "negative", nil, 1000, 5,
    "test.w_negative: worker replied hits '-1' when asked to count n=1000 seed=5 calls=1: not a possible count" },
  { "fraction", nil, 1000, 5,
    "test.w_fraction: worker replied hits '1.5' when asked to count n=1000 seed=5 calls=1: not a possible count" },
  { "numeric", nil, 1000, 5,
    "test.w_numeric: worker replied hits 806 when asked to count n=1000 seed=5 calls=1: not a possible count" },
  { "nosecs", nil, 1000, 5,
    "test.w_nosecs: worker replied seconds null when asked to count n=1000 seed=5 calls=1; want a number >= 0" },
}

T.rows("a faulty worker gives one line naming the kernel; no process remains", FAULTS, function(row)
  local k = fake(row[1], row[2])
  local msg = T.raises(row[5], k.call, row[3], row[4], nil, 1, { timeout = 0.1 })
  T.ok(not msg:find("\n"), "one line: " .. msg)
  T.eq(msg:sub(1, #k.name + 1), k.name .. ":", "starts with the kernel's name")
  T.ok(not msg:find("stack traceback", 1, true), "no traceback")
  no_process_left(k, row[1])
  T.eq(scalar.fn(1000, 5), 806ULL, "the hits 'numeric' sends are c.scalar's")
end)

T.test("a worker's bad hits never reach a record (measure.kernel, timed)", function()
  for _, mode in ipairs{ "toomany", "negative", "fraction", "numeric" } do
    local f = dec.timed(dec.accuracy(measure.kernel(fake(mode))))
    local ok, err = pcall(f, { n = 1000, seed = 5 })
    T.ok(not ok and tostring(err):find("not a possible count", 1, true), mode .. ": " .. tostring(err))
  end
  T.eq(table.concat(children(), ","), "", "children")
end)

T.test("a spawn failure is one line (a directory is not a program)", function()
  local k = kernels.register{ name = "test.dir", command = { "tests/workers" } }
  T.raises("test.dir: cannot start worker 'tests/workers': Permission denied", k.fn, 10, 1)
  local gone = kernels.register{ name = "test.gone", command = { "no-such-worker-program" } }
  local ok, why = gone.available()
  T.eq(ok, false)
  T.eq(why, "no-such-worker-program not found on PATH")
  T.raises("kernel 'test.gone' is unavailable on this machine: no-such-worker-program not found on PATH", gone.fn, 10)
end)

T.test("an {\"error\"} reply is one line and the worker stays up", function()
  local k = fake("errreply")
  T.eq(k.fn(100, 12), scalar.fn(100, 12))
  local pid = k.worker.pid
  T.raises("test.w_errreply: worker reports: cannot count seed 13 today", k.fn, 100, 13)
  T.eq(k.fn(100, 14), scalar.fn(100, 14))
  T.eq(k.worker.pid, pid, "the same process")
  k.stop()
  no_process_left(k)
end)

T.test("a worker that exits mid-run fails once; the next call starts a fresh one", function()
  local k = fake("exit_after2")
  T.eq(k.fn(100, 1), scalar.fn(100, 1))
  T.eq(k.fn(100, 2), scalar.fn(100, 2))
  local first = k.worker.pid
  local msg = T.raises("test.w_exit_after2: worker exited with status 0", k.fn, 100, 3)
  T.ok(msg:find("leaving after 2 replies", 1, true), msg)
  T.ok(not alive(first), "reaped")
  T.eq(k.fn(100, 3), scalar.fn(100, 3))
  T.ok(k.worker.pid ~= first, "a new process")
  kernels.stop_all()
  no_process_left(k)
end)

T.test("a worker writing 200 KB to stderr does not block; the tail is kept", function()
  local k = fake("noisy")
  T.eq(k.fn(5000, 3), scalar.fn(5000, 3))
  T.eq(k.worker:last_stderr(), ("y"):rep(99))
  k.stop()
  no_process_left(k)
end)

T.test("the protocol's n stops at 2^53", function()
  local k = fake("ok")
  T.raises("test.w_ok: n must be <= 2^53 for a worker, got 9007199254740993", k.fn, "9007199254740993", 1)
  k.stop()
end)

T.test("timeouts: opts.timeout, lifted to the kernel's floor; nil waits", function()
  local k = fake("hang", { timeout = 0.3 })
  local t0 = os.time()
  T.raises("worker sent nothing within 1 s", k.call, 10, 1, nil, 1, { timeout = 1 })
  T.ok(os.time() - t0 <= 3, "gave up near the deadline")
  T.raises("worker sent nothing within 0.3 s", k.call, 10, 1, nil, 1, { timeout = 0.01 })
  no_process_left(k)
end)

T.test("a `call` kernel repeats itself; metrics.seconds is reported, wall_seconds kept", function()
  local got = {}
  local k = kernels.register{ name = "test.call", stream = "philox",
    call = function(n, seed, threads, calls, opts)
      got[#got + 1] = { calls = calls, timeout = opts and opts.timeout }
      return scalar.fn(n, seed), { seconds = 0.5 * calls, device_seconds = 0.25, label = "x" }
    end }
  T.eq(k.kind, "call")
  T.eq(k.fn(1000, 7), scalar.fn(1000, 7))
  local rec = dec.timed(measure.kernel(k)){ n = 1000, seed = 7, calls = 4, timeout = 2 }
  T.eq(got[#got].calls, 4, "req.calls passed through, not looped in Lua")
  T.eq(got[#got].timeout, 8, "opts.timeout = req.timeout * calls")
  T.eq(rec.seconds, 0.5, "the kernel's own time per call")
  T.eq(rec.device_seconds, 0.25, "numeric metrics copied")
  T.eq(rec.label, nil, "non-numeric metrics left out")
  T.ok(rec.wall_seconds > 0 and rec.wall_seconds < 0.5, "mcpi's own reading as wall_seconds")
  T.eq(rec.timer, "kernel")
  T.eq(rec.hits, util.u64val(scalar.fn(1000, 7)))
end)

T.test("a request's timeout is checked", function()
  T.raises("timeout must be a number of seconds > 0, got 0", measure.request, { n = 10, timeout = 0 })
  T.raises("timeout must be a number of seconds > 0, got x", measure.request, { n = 10, timeout = "x" })
  T.eq(measure.request{ n = 10, timeout = 2 }.timeout, 2)
end)

T.test("start/stop are idempotent, remembered, and stop_all stops them", function()
  kernels.stop_all()
  T.eq(#kernels.started(), 0)
  local log = {}
  local k = kernels.register{ name = "test.life", call = function() return 0 end,
    start = function() log[#log + 1] = "start"; return { device = "none" } end,
    stop = function() log[#log + 1] = "stop" end }
  T.eq(k.start().device, "none")
  k.start()
  k.fn(10)
  T.eq(table.concat(kernels.started(), ","), "test.life")
  T.eq(#kernels.stop_all(), 0)
  k.stop()
  T.eq(table.concat(log, ","), "start,stop")
  T.eq(#kernels.started(), 0)
  T.eq(kernels.context({ "test.life" })["test.life"].device, "none")
end)

T.rows("bad backend specs are errors naming the field", {
  { { name = "a.b", fn = function() end, command = { "x" } }, "kernel a.b: give one of fn, call or command, not 2 of them" },
  { { name = "a.b", command = {} }, "kernel command must be a list {program, args...}, got an empty table" },
  { { name = "a.b", command = "python3 w.py" }, "kernel command must be a table, got string" },
  { { name = "a.b", command = { "x", {} } }, "kernel command[2] must be a string, got table" },
  { { name = "a.b", command = { "x" }, timeout = 0 }, "kernel timeout must be a number of seconds > 0, got 0" },
  { { name = "a.b", command = { "x" }, env = "A=1" }, "kernel env must be a table, got string" },
  { { name = "a.b", call = 3 }, "kernel call must be a function, got number" },
  { { name = "a.b", fn = function() end, start = 1 }, "kernel start must be a function, got number" },
}, function(row)
  T.raises(row[2], kernels.register, row[1])
end)

T.test("available() may give a hint; list and errors show it", function()
  local k = kernels.register{ name = "test.hint", command = { "x" },
    available = function() return false, "fakelib is not installed", "make peers PEERS=fake" end }
  local row
  for _, r in ipairs(kernels.list()) do if r.name == "test.hint" then row = r end end
  T.eq(row.kind, "worker")
  T.eq(row.why, "fakelib is not installed")
  T.eq(row.hint, "make peers PEERS=fake")
  T.raises("kernel 'test.hint' is unavailable on this machine: fakelib is not installed (to enable: make peers PEERS=fake; see 'mcpi list')", k.fn, 10)
end)

T.test("env reaches the worker", function()
  local k = kernels.register{ name = "test.env", env = { MCPI_TEST_VALUE = "42" },
    command = { "sh", "-c", 'echo "{\\"protocol\\":\\"mcpi-worker/1\\",\\"device\\":\\"$MCPI_TEST_VALUE\\"}"; cat >/dev/null' } }
  T.eq(k.start().device, "42")
  k.stop()
  no_process_left(k)
end)

T.test("a sweep with c.scalar and a worker that hangs at rep 1: c.scalar's rows kept", function()
  local k = fake("hang_seed2", { timeout = 0.5 })
  local sp = require("mcpi.sweep")
  local res = sp.run{ kernels = { "c.scalar", k.name }, n = { 1000, 10000 }, reps = 3, quiet = true }
  local by = {}
  for _, r in ipairs(res.rows) do by[r.kernel] = (by[r.kernel] or 0) + 1 end
  T.eq(by["c.scalar"], 6, "every c.scalar row")
  T.eq(by[k.name], 1, "the worker's rep 0 at the first N")
  T.eq(#res.failures, 1)
  T.ok(res.failures[1]:find("kernel test.w_hang_seed2 failed at n=1000: test.w_hang_seed2: worker sent nothing within 0.5 s when asked to count n=1000 seed=2 ", 1, true), res.failures[1])
  T.eq(res.context.kernels[k.name].protocol, "mcpi-worker/1", "handshake in the context")
  T.eq(#kernels.started(), 0, "the sweep stopped what it started")
  T.eq(table.concat(children(), ","), "", "children")
end)

T.test("a sweep with a worker that cannot run: one note, c.scalar measured", function()
  local k = fake("refuse")
  local res = require("mcpi.sweep").run{ kernels = { k.name, "c.scalar" }, n = { 100 }, reps = 2, quiet = true }
  T.eq(#res.rows, 2, "c.scalar's rows")
  T.eq(res.failures[1], "kernel test.w_refuse failed while probing: test.w_refuse: worker cannot run: fakelib is not installed; skipped")
  T.eq(res.context.kernels, nil, "no handshake to record")
  T.eq(table.concat(children(), ","), "", "children")
end)

T.test("a sweep gives call kernels a timeout from the plan", function()
  local seen = {}
  kernels.register{ name = "test.tmo", call = function(n, seed, _, calls, opts)
    seen[#seen + 1] = opts.timeout / calls
    return scalar.fn(n, seed), { seconds = 1e-6 * calls }
  end }
  require("mcpi.sweep").run{ kernels = { "test.tmo" }, n = { 100 }, reps = 2, quiet = true }
  T.eq(seen[1], require("mcpi.sweep").PROBE_TIMEOUT, "the probe: the kernel's floor applies")
  local last = seen[#seen]
  T.ok(last > 0 and last < 1, "from the prediction (10 x 1 us): " .. tostring(last))
end)

-- Last: after one SIGINT the host's handler falls back to the default until
-- the next protected call, so a second one would end this test process.
T.test("Ctrl-C while waiting for a reply: interrupted, and the next call starts afresh", function()
  local k = fake("sigint")
  T.eq(k.fn(1000, 4), scalar.fn(1000, 4))
  local pid = k.worker.pid
  local ok, err = pcall(k.fn, 1000, 5)
  require("mcpi.capi").mcpi_signal_clear()
  T.ok(not ok and type(err) == "table" and err.exit == 130, "interrupted: " .. tostring(err))
  T.eq(k.fn(1000, 6), scalar.fn(1000, 6), "no stale reply read")
  T.ok(k.worker.pid ~= pid and not alive(pid), "a fresh worker; the old one reaped")
  kernels.stop_all()
  no_process_left(k)
end)

T.done()
