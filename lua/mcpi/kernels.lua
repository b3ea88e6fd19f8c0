--- mcpi.kernels: the kernel registry. A kernel counts hits among samples
-- 0..n-1 of its stream through one of three backends: an in-process function
-- fn(n, seed, threads) -> hits, a call(n, seed, threads, calls, opts) that
-- repeats itself and may time itself, or a command: a worker process
-- (mcpi.worker). The registry adds its name, backend, stream, description,
-- availability (why not, and the command that would fix it), start/stop, and
-- checks arguments and answers; mcpi.measure turns it into a measured function.
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"

local format, sort, type = string.format, table.sort, type

local M = {}

local registry = {}

local NAME_PAT = "^[%w_]+%.[%w_%.%-]+$"
M.MAX_NAME = 64

local U64 = ffi.typeof("uint64_t")
local fields = require "mcpi.fields"
local N_MAX = fields.MAX_KERNEL_N

local function checked_n(k, n, level)
  local v, err = util.to_u64(n, "n", N_MAX)
  if not v then error(format("%s: %s", k.name, err), level + 1) end
  return v
end

local function checked_seed(k, seed, level)
  if seed == nil then return U64(fields.DEFAULT_SEED) end
  local v, err = util.to_u64(seed, "seed")
  if not v then error(format("%s: %s", k.name, err), level + 1) end
  return v
end

local function checked_threads(k, threads, level)
  if threads == nil then return nil end
  local max = C.mcpi_threads_max()
  if type(threads) ~= "number" or threads ~= threads or threads < 1 or threads > max
     or threads ~= math.floor(threads) then
    error(format("%s: threads must be a whole number in 1..%d, got %s", k.name, max,
      type(threads) == "number" and util.fmtnum(threads) or type(threads)), level + 1)
  end
  return threads
end

--- Why kernel k cannot run here, in one line: "kernel 'K' is unavailable on
-- this machine: WHY (to enable: HINT; see 'mcpi list')", with the reason
-- and hint apart; nil when it is available. Every layer that refuses an
-- unavailable kernel says it with this (the CLI, the sweep, measure, fn).
function M.unavailable(k)
  local ok, why, hint = k.available()
  if ok then return nil end
  why = tostring(why or "no reason given")
  return format("kernel %s is unavailable on this machine: %s (%ssee 'mcpi list')", util.quote_arg(k.name), why,
    hint and format("to enable: %s; ", tostring(hint)) or ""), why, hint
end

local function checked_available(k, level)
  local msg = M.unavailable(k)
  if msg then error(msg, level + 1) end
end

-- A kernel's answer must be a hit count in 0..n; a user kernel returning
-- anything else is reported here, not three modules later.
local function checked_hits(k, hits, n, level)
  local h = util.to_u64(hits, "hits")
  if not h or h > n then
    error(format("kernel '%s' returned %s, want a hit count in 0..n (n = %s)", k.name,
      h and util.u64str(h) or type(hits) == "number" and util.fmtnum(hits) or tostring(hits),
      util.u64str(n)), level + 1)
  end
  return h
end

-- -- Backends: fn (in process), call (repeats itself), command (a worker) ----

local started = {}  -- name -> entry, kernels whose start() ran and no stop() since

local function check_spec(spec)
  util.check(spec, "table", "kernel spec", 3)
  util.check(spec.name, "string", "kernel name", 3)
  if not spec.name:match(NAME_PAT) then
    error(format("kernel name must look like 'backend.variant', got %s", util.quote_arg(spec.name)), 3)
  end
  if #spec.name > M.MAX_NAME then  -- names become chart file names
    error(format("kernel name must be at most %d bytes, got %d", M.MAX_NAME, #spec.name), 3)
  end
  local given = (spec.fn ~= nil and 1 or 0) + (spec.call ~= nil and 1 or 0) + (spec.command ~= nil and 1 or 0)
  if given > 1 then error(format("kernel %s: give one of fn, call or command, not %d of them", spec.name, given), 3) end
  if spec.command ~= nil then
    util.check(spec.command, "table", "kernel command", 3)
    if #spec.command == 0 then error("kernel command must be a list {program, args...}, got an empty table", 3) end
    for i, a in ipairs(spec.command) do
      if type(a) ~= "string" and type(a) ~= "number" then
        error(format("kernel command[%d] must be a string, got %s", i, type(a)), 3)
      end
    end
    if spec.env ~= nil then util.check(spec.env, "table", "kernel env", 3) end
    for _, f in ipairs{ "timeout", "start_timeout" } do
      local v = spec[f]
      if v ~= nil and (type(v) ~= "number" or not (v > 0)) then
        error(format("kernel %s must be a number of seconds > 0, got %s", f, tostring(v)), 3)
      end
    end
  elseif spec.call ~= nil then
    util.check(spec.call, "function", "kernel call", 3)
  elseif type(spec.fn) ~= "function" then
    error(format("kernel fn must be a function, got %s (or give call or command)", type(spec.fn)), 3)
  end
  for _, f in ipairs{ "stream", "description" } do
    if spec[f] ~= nil then util.check(spec[f], "string", "kernel " .. f, 3) end
  end
  for _, f in ipairs{ "available", "count", "start", "stop" } do
    if spec[f] ~= nil then util.check(spec[f], "function", "kernel " .. f, 3) end
  end
end

-- A worker's program can be found: a path that opens, or a name on PATH.
local function program_available(prog)
  local function exists(path)
    local fh = io.open(path, "r")
    if fh then fh:close() end
    return fh ~= nil
  end
  if prog:find("/", 1, true) then
    if exists(prog) then return true end
    return false, format("%s not found", prog)
  end
  for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    if exists(dir .. "/" .. prog) then return true end
  end
  return false, format("%s not found on PATH", prog)
end

-- call/start/stop/available of a command spec, from mcpi.worker.
local function worker_backend(spec)
  local w = require("mcpi.worker").new(spec)
  local prog = tostring(spec.command[1])
  return {
    call = function(n, seed, threads, calls, opts) return w:call(n, seed, threads, calls, opts) end,
    start = function() return w:start() end,
    stop = function() w:stop() end,
    available = spec.available or function() return program_available(prog) end,
    worker = w,
  }
end

-- The entry's start/stop: idempotent, and remembered for stop_all.
local function add_lifecycle(k, raw_start, raw_stop)
  k.start = function()
    if started[k.name] then return k.info end
    local info = raw_start and raw_start() or nil
    if info ~= nil and type(info) ~= "table" then
      error(format("kernel '%s': start() returned %s, want a table of facts or nothing", k.name, type(info)), 2)
    end
    k.info, started[k.name] = info, k
    return info
  end
  k.stop = function()
    if not started[k.name] then return end
    started[k.name] = nil
    if raw_stop then raw_stop() end
  end
end

-- fn(n, seed, threads) -> hits, and call(n, seed, threads, calls, opts) ->
-- hits, metrics: arguments and the answer checked for every kernel alike.
local function add_checked(k, raw, raw_call)
  if raw_call then
    k.call = function(n, seed, threads, calls, opts)
      local nn, s, t = checked_n(k, n, 2), checked_seed(k, seed, 2), checked_threads(k, threads, 2)
      if calls ~= nil and (type(calls) ~= "number" or calls < 1 or calls % 1 ~= 0) then
        error(format("%s: calls must be a whole number >= 1, got %s", k.name, tostring(calls)), 2)
      end
      checked_available(k, 2)
      k.start()
      local hits, metrics = raw_call(nn, s, t, calls or 1, opts)
      return checked_hits(k, hits, nn, 2), metrics
    end
    k.fn = function(n, seed, threads) return (k.call(n, seed, threads, 1)) end
    return
  end
  k.fn = function(n, seed, threads)
    local nn = checked_n(k, n, 2)
    local s = checked_seed(k, seed, 2)
    local t = checked_threads(k, threads, 2)
    checked_available(k, 2)
    return checked_hits(k, raw(nn, s, t), nn, 2)
  end
end

--- Register a kernel (or replace one of the same name) and return its entry.
-- spec.name ("backend.variant"), spec.stream ("philox" or your stream's
-- name), spec.description (one line), and one of:
--   spec.fn(n, seed, threads) -> hits (uint64_t cdata or number): in process;
--   spec.call(n, seed, threads, calls, opts) -> hits, metrics: repeats
--     itself `calls` times on the same (n, seed) and returns one call's hits;
--     metrics.seconds = its own time for all the calls (mcpi.timed reports
--     it and keeps its own reading as wall_seconds), other numeric fields
--     (per call) go into the record; opts.timeout = seconds the caller waits;
--   spec.command = {argv...} (with spec.env = {NAME = value}): a worker
--     process speaking "mcpi-worker/1" (mcpi.worker; spec.timeout = the least
--     seconds a call is given, spec.start_timeout = seconds for the handshake).
-- Optional: spec.available() -> ok, why, hint (hint: the command that makes
-- it available), spec.start() -> info (idempotent; info goes into
-- results.context.kernels[name]), spec.stop(), spec.threaded (it uses its
-- threads argument), spec.jit = false (run fn and the functions it defines
-- with the JIT off), spec.count(seed, first, n) -> hits (offsets; philox).
-- The entry's fn (and call) check arguments for every kernel alike: n a whole
-- number in 0..2^63 (number, uint64_t or decimal string), seed in 0..2^64-1
-- (default fields.DEFAULT_SEED, 1), threads nil or 1..mcpi_threads_max(); the kernel then gets n
-- and seed as uint64_t, and its hits come back as uint64_t (a count outside
-- 0..n is an error). entry.kind is "inproc", "call" or "worker";
-- entry.unchecked is spec.fn itself, entry.unchecked_call spec.call's.
function M.register(spec)
  check_spec(spec)
  local raw, raw_count, raw_call, raw_start, raw_stop = spec.fn, spec.count, spec.call, spec.start, spec.stop
  local available, kind = spec.available, raw_call and "call" or "inproc"
  local w
  if spec.command then
    w = worker_backend(spec)
    raw_call, raw_start, raw_stop, available, kind = w.call, w.start, w.stop, w.available, "worker"
  end
  if raw and spec.jit == false then jit.off(raw, true) end
  local old = registry[spec.name]
  if old and started[old.name] == old then pcall(old.stop) end  -- a replaced worker leaves no process
  local k = {
    name = spec.name,
    backend = spec.name:match("^([^%.]+)"),
    kind = kind,
    stream = spec.stream or "custom",
    description = spec.description or "",
    available = available or function() return true end,
    threaded = spec.threaded and true or false,
    jit_off = spec.jit == false,
    builtin = spec.builtin and true or false,
    unchecked = raw,
    unchecked_call = raw_call,
    command = spec.command,
    worker = w and w.worker,
  }
  add_lifecycle(k, raw_start, raw_stop)
  add_checked(k, raw, raw_call)
  if raw_count then
    k.count = function(seed, first, n)
      local s = checked_seed(k, seed, 2)
      local f, err = util.to_u64(first, "first")
      if not f then error(format("%s: %s", k.name, err), 2) end
      local nn = checked_n(k, n, 2)
      if f + nn < f then
        error(format("%s: first + n must be < 2^64, got first=%s n=%s", k.name,
          util.u64str(f), util.u64str(nn)), 2)
      end
      checked_available(k, 2)
      return checked_hits(k, raw_count(s, f, nn), nn, 2)
    end
  end
  registry[k.name] = k
  return k
end

--- The registry entry called name, or nil (no suggestion, no error).
function M.find_entry(name) return registry[name] end

--- Stop every started kernel (workers exit, and are reaped); errors are
-- collected, not raised: returns a list of messages (empty if all went well).
function M.stop_all()
  local errs = {}
  for _, k in pairs(started) do
    local ok, err = pcall(k.stop)
    if not ok then errs[#errs + 1] = tostring(type(err) == "table" and err.msg or err) end
  end
  return errs
end

--- Names of the kernels started and not stopped, sorted.
function M.started()
  local t = {}
  for name in pairs(started) do t[#t + 1] = name end
  sort(t)
  return t
end

--- results.context.kernels for the named kernels: name -> the info their
-- start() returned (handshake facts for workers); nil if none has any.
function M.context(names)
  local t, any = {}, false
  for _, name in ipairs(names) do
    local k = registry[name]
    if k and k.info then t[name] = k.info; any = true end
  end
  return any and t or nil
end

--- All kernel names, sorted.
function M.names()
  local t = {}
  for name in pairs(registry) do t[#t + 1] = name end
  sort(t)
  return t
end

--- The kernel called name, or nil and a message with a suggestion.
function M.find(name)
  if type(name) ~= "string" then
    return nil, format("kernel name must be a string, got %s", type(name))
  end
  local k = registry[name]
  if k then return k end
  return nil, format("unknown kernel %s%s", util.quote_arg(name),
    util.did_you_mean(name, M.names(), "see 'mcpi list'"))
end

--- The kernel called name; raises an error at the caller's line if unknown.
function M.get(name)
  local k, err = M.find(name)
  if not k then error(err, 2) end
  return k
end

--- Every kernel as a list of {name, backend, kind, stream, description,
-- available, why, hint}.
function M.list()
  local t = {}
  for _, name in ipairs(M.names()) do
    local k = registry[name]
    local ok, why, hint = k.available()
    if ok then why, hint = nil, nil end
    t[#t + 1] = { name = name, backend = k.backend, kind = k.kind, stream = k.stream,
                  description = k.description, available = ok and true or false,
                  why = why, hint = hint }
  end
  return t
end

-- -- C kernels ---------------------------------------------------------------

local hits_buf = ffi.new("uint64_t[1]")

local function simd_why(path)
  if path < 0 then
    return format("MCPI_SIMD='%s' names no SIMD path (use scalar, avx2, avx512 or auto)",
      tostring(os.getenv("MCPI_SIMD")))
  end
  return "this CPU lacks " .. ffi.string(C.mcpi_simd_name(path))
end

local function check_status(rc, name, path)
  if rc == 0 then return end
  if rc == C.MCPI_EINTR then util.interrupted() end
  if path and (rc == C.MCPI_EUNSUPPORTED or path < 0) then
    error(format("%s: %s", name, simd_why(path)), 0)
  end
  error(format("%s: %s", name, ffi.string(C.mcpi_strerror(rc))), 0)
end

local function path_available(path)
  return function()
    if C.mcpi_simd_supported(path) == 1 then return true end
    return false, simd_why(path)
  end
end

-- c.simd and c.threads run whatever path is chosen (or forced) now.
local function chosen_available()
  local path = C.mcpi_simd_path()
  if path >= 0 and C.mcpi_simd_supported(path) == 1 then return true end
  return false, simd_why(path)
end

local function c_kernel(name, cfn, path, desc)
  local function count(seed, first, n)
    local p = path or C.mcpi_simd_path()
    check_status(cfn(seed, first, n, hits_buf), name, p)
    return hits_buf[0]
  end
  M.register{
    name = name, stream = "philox", description = desc, builtin = true,
    fn = function(n, seed) return count(seed, 0, n) end,
    count = count,
    available = path and path_available(path) or chosen_available,
  }
end

c_kernel("c.scalar", C.mcpi_scalar_count, C.MCPI_PATH_SCALAR,
  "portable C, the reference philox stream")
c_kernel("c.avx2", C.mcpi_avx2_count, C.MCPI_PATH_AVX2,
  "AVX2, 26 blocks in flight (6 ymm groups + 2 scalar)")
c_kernel("c.avx512", C.mcpi_avx512_count, C.MCPI_PATH_AVX512,
  "AVX-512, 51 blocks in flight (6 zmm groups + 3 scalar)")
c_kernel("c.simd", C.mcpi_simd_count, nil,
  "best SIMD path this CPU supports, chosen at run time (MCPI_SIMD forces one)")

-- c.auto*: the plain loop as each compiler auto-vectorised it (src/kernel_auto.c).
local AUTO_HINT = { [C.MCPI_AUTO_CLANG] = "apt-get install clang, then make clean all",
                    [C.MCPI_AUTO_GCC] = "apt-get install gcc, then make clean all" }
local function auto_kernel(name, which, what)
  local variant = C.mcpi_auto_variant(which)
  variant = variant ~= nil and ffi.string(variant) or nil
  local function count(seed, first, n)
    check_status(C.mcpi_auto_count(which, seed, first, n, hits_buf), name)
    return hits_buf[0]
  end
  M.register{
    name = name, stream = "philox", builtin = true,
    description = format("plain philox loop in C, %s: %s", what, variant or "not built"),
    fn = function(n, seed) return count(seed, 0, n) end,
    count = count,
    available = function()
      if variant then return true end
      return false, format("mcpi was built without %s", name == "c.auto" and "any c.auto loop"
        or name:match("_(%w+)$")), AUTO_HINT[which]
    end,
  }
end

auto_kernel("c.auto", C.MCPI_AUTO_BEST, "auto-vectorised, best build here")
auto_kernel("c.auto_gcc", C.MCPI_AUTO_GCC, "auto-vectorised by gcc")
auto_kernel("c.auto_clang", C.MCPI_AUTO_CLANG, "auto-vectorised by clang")

local function threads_count(seed, first, n, threads)
  check_status(C.mcpi_threads_count(seed, first, n, threads or 0, hits_buf), "c.threads",
    C.mcpi_simd_path())
  return hits_buf[0]
end

M.register{
  name = "c.threads", stream = "philox", builtin = true, threaded = true,
  description = "best SIMD path on T threads (default: online CPUs)",
  fn = function(n, seed, threads) return threads_count(seed, 0, n, threads) end,
  available = chosen_available,
}

--- Hits among samples first..first+n-1 on c.threads with threads threads
-- (nil: online CPUs); the offset entry point the tests use.
function M.threads_count(seed, first, n, threads)
  local k = registry["c.threads"]
  local s = checked_seed(k, seed, 2)
  local f, err = util.to_u64(first, "first")
  if not f then error("c.threads: " .. err, 2) end
  local nn = checked_n(k, n, 2)
  if f + nn < f then error("c.threads: first + n must be < 2^64", 2) end
  checked_threads(k, threads, 2)
  return threads_count(s, f, nn, threads)
end

-- -- SIMD path control -----------------------------------------------------------

local PATHS = { scalar = C.MCPI_PATH_SCALAR, avx2 = C.MCPI_PATH_AVX2, avx512 = C.MCPI_PATH_AVX512 }
local PATH_NAMES = { "scalar", "avx2", "avx512" }

--- Force the SIMD path of c.simd and c.threads: "scalar", "avx2", "avx512",
-- or "auto" (the best this CPU runs; overrides MCPI_SIMD). Raises an error for
-- an unknown name or a path this CPU lacks.
function M.simd_force(name)
  util.check(name, "string", "SIMD path", 2)
  if name == "auto" then
    C.mcpi_simd_force(-1)
    return
  end
  local path = PATHS[name]
  if not path then
    error(format("unknown SIMD path '%s'%s", name,
      util.did_you_mean(name, { "scalar", "avx2", "avx512", "auto" }, "use scalar, avx2, avx512 or auto")), 2)
  end
  if C.mcpi_simd_force(path) ~= 0 then error("cannot force SIMD path: " .. simd_why(path), 2) end
end

--- The SIMD path c.simd and c.threads run now, by name; nil and a message if
-- MCPI_SIMD names no path.
function M.simd_path()
  local path = C.mcpi_simd_path()
  if path < 0 then return nil, simd_why(path) end
  return ffi.string(C.mcpi_simd_name(path))
end

--- The SIMD paths this CPU runs, slowest first ({"scalar", "avx2", ...}).
function M.simd_paths()
  local t = {}
  for i, name in ipairs(PATH_NAMES) do
    if C.mcpi_simd_supported(i - 1) == 1 then t[#t + 1] = name end
  end
  return t
end

-- -- Lua kernels (specs in mcpi.luakernels) ----------------------------------

for _, spec in ipairs(require "mcpi.luakernels") do
  spec.builtin = true
  M.register(spec)
end

-- -- Device kernels: OpenCL and CUDA, loaded at run time (mcpi.ocl, mcpi.cuda) --

M.register(require("mcpi.ocl").spec())
M.register(require("mcpi.cuda").spec())

-- -- Python peers in worker processes (specs in mcpi.peers) ----------------------

for _, spec in ipairs(require "mcpi.peers") do
  spec.builtin = true
  M.register(spec)
end

return M
