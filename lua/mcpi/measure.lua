--- mcpi.measure: requests and measured functions. A measured function takes a
-- request (n, seed, threads, ...) and returns a record, a table of metrics;
-- decorators (mcpi.decorators) wrap measured functions and add metrics.
-- measure.kernel(name) turns a registered kernel into the innermost one.
local ffi = require "ffi"
local util = require "mcpi.util"

local type, pairs, format, tostring, tonumber = type, pairs, string.format, tostring, tonumber
local getmetatable, setmetatable, pcall = getmetatable, setmetatable, pcall
local dump, getupvalue, upvaluejoin = string.dump, debug.getupvalue, debug.upvaluejoin
local loadstring, getfenv, setfenv = loadstring, getfenv, setfenv
local floor = math.floor

local M = {}

local fields = require "mcpi.fields"
M.DEFAULT_SEED = fields.DEFAULT_SEED
M.MAX_N = fields.MAX_N

local REQ = {}  -- metatable marking a normalised request

local function max_threads()
  local C = require "mcpi.capi"
  return C.mcpi_threads_max()
end

local function bad(msg, level) error(msg, level + 1) end

--- Normalise a request: request{n=, seed=, threads=, calls=, ...} or
-- request(n, seed, threads). n: a whole number 1 <= n <= 2^53 (number, uint64
-- cdata or digit string); seed: 0 <= seed < 2^64 (default 1); threads: nil
-- or 0..max (0 = online CPUs); calls: inner repetitions timed together
-- (set by timed); timeout: seconds one call may take, for kernels that can
-- give up (workers; the sweep sets it from its plan). Other fields are kept.
-- Raises error(msg, level) on bad input.
function M.request(a, seed, threads, level)
  level = (level or 1) + 1
  if type(a) == "table" and getmetatable(a) == REQ then return a end
  local r = {}
  if type(a) == "table" then
    for k, v in pairs(a) do r[k] = v end
  else
    r.n, r.seed, r.threads = a, seed, threads
  end
  if r.n == nil then bad("request needs n (the number of samples), e.g. {n = 1e6}", level) end
  local n, err = util.to_u64(r.n, "n", M.MAX_N)
  if not n then bad(err, level) end
  if n == 0 then bad("n must be >= 1, got 0", level) end
  r.n_u64, r.n = n, tonumber(n)
  local s
  s, err = util.to_u64(r.seed == nil and M.DEFAULT_SEED or r.seed, "seed")
  if not s then bad(err, level) end
  r.seed_u64, r.seed = s, util.u64val(s)
  if r.threads ~= nil then
    local t = r.threads
    if type(t) ~= "number" or t ~= t or t % 1 ~= 0 or t < 0 then
      bad(format("threads must be a whole number >= 0, got %s", util.fmtnum(t)), level)
    end
    local mx = max_threads()
    if t > mx then bad(format("threads must be <= %d, got %s", mx, util.fmtnum(t)), level) end
  end
  if r.timeout ~= nil and (type(r.timeout) ~= "number" or not (r.timeout > 0)) then
    bad(format("timeout must be a number of seconds > 0, got %s", tostring(r.timeout)), level)
  end
  if r.calls ~= nil then
    local c = r.calls
    if type(c) ~= "number" or c % 1 ~= 0 or c < 1 then
      bad(format("calls must be a whole number >= 1, got %s", util.fmtnum(c)), level)
    end
  end
  return setmetatable(r, REQ)
end

--- A copy of the normalised request req with the fields of changes replaced.
function M.with(req, changes)
  local r = {}
  for k, v in pairs(req) do r[k] = v end
  for k, v in pairs(changes) do r[k] = v end
  if changes.seed ~= nil then r.seed_u64 = ffi.cast("uint64_t", changes.seed); r.seed = util.u64val(r.seed_u64) end
  return setmetatable(r, REQ)
end

--- The seed of repetition rep of a request: seed + rep (mod 2^64).
function M.rep_seed(req, rep)
  return util.u64val(req.seed_u64 + rep)
end

-- The loop that calls a kernel `calls` times. Each measured kernel gets its
-- own copy of the bytecode, so its own trace, hot counter and blacklist: a
-- loop shared by every kernel would be traced for whichever ran first and
-- reach the others through side exits, making one kernel's timing depend on
-- which kernels ran before it. Results of all but the last call are dropped,
-- so the loop allocates nothing (a uint64 kept across iterations is boxed).
local LOOP_SRC = [[
local fn = ...
return function(n, seed, th, calls)
  for _ = 2, calls do fn(n, seed, th) end
  return fn(n, seed, th)
end]]

--- A private copy of a Lua function: the same code and the very same upvalues
-- (joined, not copied), but its own prototype. Kernels registered through one
-- shared closure factory (as the C kernels are) would otherwise share one
-- prototype: LuaJIT would compile a function trace specialised to whichever
-- ran hot first and send the others through a side exit into the
-- interpreter on every call (4-7x slower at N = 10). Falls back to fn when
-- it cannot be dumped (a C function, say).
local function private_copy(fn)
  local ok, code = pcall(dump, fn)
  if not ok then return fn end
  local copy = require("mcpi.guard").load_dumped(code)  -- our own dump: not outside bytecode
  if not copy then return fn end
  local i = 1
  while getupvalue(fn, i) ~= nil do
    upvaluejoin(copy, i, fn, i)
    i = i + 1
  end
  setfenv(copy, getfenv(fn))
  return copy
end
M.private_copy = private_copy

local function calls_loop(fn, name)
  return assert(loadstring(LOOP_SRC, "=mcpi.measure[" .. name .. "]"))(fn)
end

-- In-process kernels: a private loop calling the unchecked fn `calls` times.
-- The request is checked once (M.request), so the loop calls the kernel's
-- unchecked function: the registry's per-call checks would add their cost to
-- every timed call and share one prototype across kernels.
local function loop_invoker(k)
  local fn = k.unchecked or k.fn
  local copy = private_copy(fn)
  -- jit.off marks a prototype, and the copy has a new one: mark it again
  if k.jit_off and copy ~= fn then jit.off(copy, true) end
  return calls_loop(copy, k.name)
end

-- `call` kernels (workers included) repeat themselves: req.calls goes
-- through, and req.timeout (seconds per call) becomes opts.timeout for all.
local function call_invoker(k)
  local raw, start = k.unchecked_call, k.start
  return function(n, seed, th, calls, req)
    start()
    local t = req.timeout
    return raw(n, seed, th, calls, { timeout = t and t * calls or nil })
  end
end

-- metrics of a `call` kernel into its record: seconds (the kernel's own
-- total for `calls` calls) as seconds per call, marked timer = "kernel" so
-- mcpi.timed keeps it; other numeric fields as they are (per call).
local function add_metrics(rec, metrics, name, calls)
  if type(metrics) ~= "table" then
    error(format("kernel '%s' returned metrics of type %s, want a table", name, type(metrics)), 3)
  end
  for key, v in pairs(metrics) do
    if type(key) == "string" and type(v) == "number" and key ~= "seconds" and rec[key] == nil then
      rec[key] = v
    end
  end
  local s = metrics.seconds
  if s ~= nil then
    if type(s) ~= "number" or not (s >= 0 and s < math.huge) then
      error(format("kernel '%s' returned metrics.seconds = %s, want a number >= 0", name, tostring(s)), 3)
    end
    rec.seconds, rec.timer = s / calls, "kernel"
  end
end

--- The measured function of a kernel (a name, or a registry entry from
-- mcpi.kernels): f(request) -> record {kernel, stream, n, seed, threads, hits,
-- calls}. It runs the kernel req.calls times (default 1) on the same seed, so
-- a timer around it sees one Lua call however short the kernel is; a `call`
-- kernel (workers included) gets req.calls itself, with opts.timeout =
-- req.timeout * calls, and its metrics go into the record (metrics.seconds as
-- seconds per call, marked timer = "kernel"; see add_metrics). Raises
-- error(msg, 2) for an unknown or unavailable kernel.
function M.kernel(k)
  local kernels = require "mcpi.kernels"
  if type(k) == "string" then
    local kk, err = kernels.find(k)
    if not kk then error(err, 2) end
    k = kk
  elseif type(k) ~= "table" or type(k.fn) ~= "function" or type(k.name) ~= "string" then
    error(format("kernel must be a kernel name or a kernel from mcpi.kernels, got %s", type(k)), 2)
  end
  local unavailable = kernels.unavailable(k)
  if unavailable then error(unavailable, 2) end
  local invoke = k.unchecked_call and call_invoker(k) or loop_invoker(k)
  local name, stream, threaded = k.name, k.stream, k.threaded
  local u64val = util.u64val
  local online
  return function(a, b, c)
    local req = M.request(a, b, c, 2)
    local th = req.threads
    local calls = req.calls or 1
    local hits, metrics = invoke(req.n_u64, req.seed_u64, th, calls, req)
    if type(hits) == "cdata" then
      hits = u64val(hits)
    elseif type(hits) ~= "number" then
      error(format("kernel '%s' returned %s, not a hit count", name, tostring(hits)), 2)
    end
    if not (hits >= 0 and hits <= req.n) or (type(hits) == "number" and hits ~= floor(hits)) then
      error(format("kernel '%s' returned %s, not a hit count in 0..n (n = %s)", name,
        tostring(hits), util.fmtnum(req.n)), 2)
    end
    local threads = 1
    if threaded then
      if th and th > 0 then threads = th else
        online = online or require("mcpi.capi").mcpi_threads_online()
        threads = online
      end
    end
    local rec = { kernel = name, stream = stream, n = req.n, seed = req.seed, threads = threads,
                  hits = hits, calls = calls }
    if metrics ~= nil then add_metrics(rec, metrics, name, calls) end
    return rec
  end
end

--- Accept a measured function, a kernel name or a kernel table; return a
-- measured function (raises error(msg, level) otherwise).
function M.measured(f, level)
  level = (level or 1) + 1
  local t = type(f)
  if t == "function" then return f end
  if t == "string" or (t == "table" and type(f.fn) == "function" and type(f.name) == "string") then
    local ok, res = pcall(M.kernel, f)
    if not ok then error(res, level) end
    return res
  end
  error(format("expected a measured function, kernel name or kernel, got %s", t), level)
end

return M
