-- mcpi.measure: requests are checked, kernels become measured functions.
local T = dofile("tests/harness.lua")
local measure = require "mcpi.measure"
local kernels = require "mcpi.kernels"

T.test("request: table and positional forms, defaults", function()
  local r = measure.request{ n = 1e6, seed = 7, threads = 2, tag = "x" }
  T.eq(r.n, 1e6); T.eq(r.seed, 7); T.eq(r.threads, 2); T.eq(r.tag, "x")
  T.eq(r.n_u64, 1000000ULL); T.eq(r.seed_u64, 7ULL)
  local p = measure.request(1000)
  T.eq(p.seed, measure.DEFAULT_SEED)
  T.eq(measure.request(p), p, "a normalised request passes through")
  local big = measure.request{ n = "100", seed = "18446744073709551615" }
  T.eq(big.seed, 18446744073709551615ULL)
end)

T.rows("request rejects bad values", {
  { { n = 0 }, "n must be >= 1" },
  { { n = -1 }, "n must be >= 0" },
  { { n = 1.5 }, "whole number" },
  { { n = "abc" }, "non-negative integer" },
  { { n = 2 ^ 54 }, "n must be <=" },
  { { seed = 1 }, "request needs n" },
  { { n = 10, seed = -3 }, "seed must be >= 0" },
  { { n = 10, threads = -1 }, "threads must be a whole number >= 0" },
  { { n = 10, threads = 1e9 }, "threads must be <=" },
  { { n = 10, calls = 0 }, "calls must be a whole number >= 1" },
}, function(row) T.raises(row[2], measure.request, row[1]) end)

T.test("kernel: record fields; c.scalar and c.simd agree bit for bit", function()
  local a = measure.kernel("c.scalar"){ n = 100000, seed = 3 }
  local b = measure.kernel(kernels.get("c.simd"))(100000, 3)
  T.eq(a.kernel, "c.scalar"); T.eq(a.stream, "philox"); T.eq(a.n, 100000)
  T.eq(a.seed, 3); T.eq(a.threads, 1); T.eq(a.calls, 1)
  T.eq(type(a.hits), "number")
  T.eq(a.hits, b.hits)
end)

T.test("kernel: calls runs it that many times on the same seed", function()
  local count = 0
  kernels.register{ name = "test.count", fn = function(n) count = count + 1; return n end }
  local r = measure.kernel("test.count"){ n = 10, calls = 7 }
  T.eq(count, 7); T.eq(r.calls, 7); T.eq(r.hits, 10)
end)

T.test("kernel: a threaded kernel records the threads it used", function()
  local r = measure.kernel("c.threads"){ n = 1000, threads = 1 }
  T.eq(r.threads, 1)
  r = measure.kernel("c.threads"){ n = 1000 }
  T.eq(r.threads, require("mcpi.capi").mcpi_threads_online())
end)

T.rows("kernel: unknown, unavailable or malformed kernels", {
  { "c.smid", "did you mean 'c.simd'" },
  { 42, "kernel must be a kernel name" },
  { {}, "kernel must be a kernel name" },
}, function(row) T.raises(row[2], measure.kernel, row[1]) end)

T.test("kernel: unavailable kernel is a clear error", function()
  kernels.register{ name = "test.never", fn = function() return 0 end,
    available = function() return false, "needs a quantum computer" end }
  T.raises("kernel 'test.never' is unavailable on this machine: needs a quantum computer", measure.kernel, "test.never")
end)

T.test("kernel: a kernel that returns garbage is an error", function()
  kernels.register{ name = "test.bad", fn = function() return "many" end }
  T.raises("returned many, not a hit count", measure.kernel("test.bad"), 10)
end)

T.test("private_copy: own prototype, same code and the very same upvalues", function()
  local count = 0
  local function f(x) count = count + x; return count end
  local g = measure.private_copy(f)
  T.ok(g ~= f)
  T.eq(g(2), 2); T.eq(f(3), 5); T.eq(g(1), 6, "upvalue shared, not copied")
  T.eq(count, 6)
  T.eq(measure.private_copy(print), print, "a C function comes back as is")
  local k = measure.kernel("c.scalar")
  T.eq(k{ n = 1000, seed = 5 }.hits, measure.kernel("c.scalar"){ n = 1000, seed = 5 }.hits)
end)

T.test("measurement modules leak no globals; mcpi's lazy entries resolve", function()
  local before = {}
  for k in pairs(_G) do before[k] = true end
  for _, m in ipairs{ "mcpi.measure", "mcpi.decorators", "mcpi.stats", "mcpi.sweep", "mcpi.json",
                      "mcpi.output", "mcpi.context", "mcpi.runcmd" } do
    require(m)
  end
  local leaked = {}
  for k in pairs(_G) do if not before[k] then leaked[#leaked + 1] = tostring(k) end end
  T.eq(table.concat(leaked, ","), "")
  local mcpi = require "mcpi"
  for _, name in ipairs{ "timed", "accuracy", "throughput", "repeat", "repeated", "jitstats",
                         "sweep", "logspace", "load", "kernel" } do
    T.eq(type(mcpi[name]), "function", "mcpi." .. name)
  end
  T.eq(mcpi["repeat"], mcpi.repeated)
end)

T.test("context: machine, build and measured overheads", function()
  local ctx = require("mcpi.context").collect{ command_line = "x" }
  for _, k in ipairs{ "date", "host", "cpu_model", "cpu_flags_used", "cores", "luajit", "compiler",
                      "cflags", "mcpi_version", "git_commit", "clock_resolution_ns",
                      "overhead_ffi_call_ns", "overhead_lua_call_ns", "overhead_clock_read_ns" } do
    T.ok(ctx[k] ~= nil, k)
  end
  T.eq(ctx.command_line, "x")
  T.ok(ctx.date:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"), ctx.date)
  -- a clock read costs something and less than 10 us on any machine we run on
  T.ok(ctx.overhead_clock_read_ns > 0 and ctx.overhead_clock_read_ns < 1e4, ctx.overhead_clock_read_ns)
  T.ok(ctx.overhead_ffi_call_ns >= 0 and ctx.overhead_ffi_call_ns < 1e3)
  T.raises("extra must be a table", require("mcpi.context").collect, 5)
end)

T.test("kernel: a kernel registered with jit = false stays interpreted when measured", function()
  -- the measured copy has its own prototype; it must keep the JIT off (lua.interp
  -- once ran as fast as lua.jit because the copy lost the flag)
  local util_jit = require "jit.util"
  local traced = {}
  local function on_trace(what, tr, func)
    if what == "start" then
      local info = util_jit.funcinfo(func)
      if info.source then traced[info.source] = (traced[info.source] or 0) + 1 end
    end
  end
  jit.attach(on_trace, "trace")
  local fi, fj = measure.kernel("lua.interp"), measure.kernel("lua.jit")
  for i = 1, 20 do fi(1e4, i); fj(1e4, i) end
  jit.attach(on_trace)
  T.eq(traced["=lua.interp"], nil, "traces started in lua.interp")
  T.ok((traced["=lua.jit"] or 0) > 0, "lua.jit is traced (the check can see traces)")
end)

T.done()
