--- mcpi.context: the context block of a results file -- machine, build,
-- versions, command line -- and the measured cost of the measuring itself
-- (an empty FFI call, an empty Lua call, a clock read).
local ffi = require "ffi"
local C = require "mcpi.capi"

local tonumber, format, min, huge = tonumber, string.format, math.min, math.huge
local open, date = io.open, os.date

local M = {}

local function read_first(path, pattern)
  local fh = open(path, "r")
  if not fh then return nil end
  for line in fh:lines() do
    local v = line:match(pattern)
    if v then fh:close(); return v end
  end
  fh:close()
  return nil
end

local function clock_ns() return C.mcpi_clock_ns() end

local function noop_lua() end

-- Minimum over `rounds` of the cost per iteration of body(k), minus an empty
-- loop of the same length: the loop itself is not what is being measured.
local function per_call(body, k, rounds)
  local best = huge
  for _ = 1, rounds do
    local t0 = clock_ns()
    body(k)
    local t1 = clock_ns()
    best = min(best, tonumber(t1 - t0) / k)
  end
  return best
end

local function loop_empty(k) for _ = 1, k do end end
local function loop_ffi(k) local f = C.mcpi_clock_noop; for _ = 1, k do f() end end
local function loop_lua(k) local f = noop_lua; for _ = 1, k do f() end end
local function loop_clock(k) local f = C.mcpi_clock_ns; for _ = 1, k do f() end end

local overheads

--- Measured overheads in nanoseconds (cached after the first call):
-- {ffi_call, lua_call, clock_read, clock_resolution}. Each is the minimum
-- over rounds of a 20000-iteration loop, less the empty loop; a JIT-compiled
-- empty Lua call is inlined, so lua_call is honestly near 0.
function M.overheads()
  if overheads then return overheads end
  local k, rounds = 20000, 7
  local empty = per_call(loop_empty, k, rounds)
  local function net(body) local v = per_call(body, k, rounds) - empty; return v > 0 and v or 0 end
  overheads = {
    ffi_call = net(loop_ffi),
    lua_call = net(loop_lua),
    clock_read = per_call(loop_clock, k, rounds),  -- the loop is part of any timed region
    clock_resolution = tonumber(C.mcpi_clock_resolution_ns()),
  }
  return overheads
end

local function hostname()
  return read_first("/proc/sys/kernel/hostname", "^(%S+)") or read_first("/etc/hostname", "^(%S+)")
    or os.getenv("HOSTNAME") or "unknown"
end

local function cpu_flags_used()
  local path = C.mcpi_simd_path()
  local used = { ffi.string(C.mcpi_simd_name(path)) }
  for p = 0, C.MCPI_PATH_COUNT - 1 do
    if p ~= path and C.mcpi_simd_supported(p) == 1 then
      used[#used + 1] = "(" .. ffi.string(C.mcpi_simd_name(p)) .. " supported)"
    end
  end
  return table.concat(used, " ")
end

local function command_line()
  local a = rawget(_G, "arg")
  if type(a) ~= "table" then return "" end
  local parts = {}
  if a[-1] then parts[#parts + 1] = tostring(a[-1]) end
  if a[0] and a[0] ~= "-e" and a[0] ~= "repl" and a[0] ~= "stdin" then
    parts[#parts + 1] = "script"; parts[#parts + 1] = tostring(a[0])
  end
  for i = 1, #a do parts[#parts + 1] = tostring(a[i]) end
  return table.concat(parts, " ")
end

--- The context block: date (UTC, ISO 8601), host, cpu_model,
-- cpu_flags_used, cores, luajit, jit (on/off and CPU features LuaJIT uses),
-- compiler, cflags, mcpi_version, git_commit, command_line, load_avg_1m
-- (the 1-minute load average when measuring began),
-- clock_resolution_ns and the overhead_*_ns figures. extra (optional) is
-- merged in (e.g. {command_line = ...}).
function M.collect(extra)
  local o = M.overheads()
  local jstat = { jit.status() }
  local jflags = {}
  for i = 2, #jstat do jflags[#jflags + 1] = tostring(jstat[i]) end
  local ctx = {
    date = date("!%Y-%m-%dT%H:%M:%SZ"),
    host = hostname(),
    cpu_model = read_first("/proc/cpuinfo", "^model name%s*:%s*(.-)%s*$") or "unknown",
    cpu_flags_used = cpu_flags_used(),
    cores = tonumber(C.mcpi_threads_online()),
    luajit = jit.version,
    jit = (jstat[1] and "on" or "off") .. (#jflags > 0 and (" " .. table.concat(jflags, " ")) or ""),
    compiler = ffi.string(C.mcpi_build_compiler()),
    cflags = ffi.string(C.mcpi_build_cflags()),
    mcpi_version = ffi.string(C.mcpi_build_version()),
    git_commit = ffi.string(C.mcpi_build_commit()),
    command_line = command_line(),
    load_avg_1m = tonumber(read_first("/proc/loadavg", "^(%S+)") or ""),
    clock_resolution_ns = o.clock_resolution,
    overhead_ffi_call_ns = o.ffi_call,
    overhead_lua_call_ns = o.lua_call,
    overhead_clock_read_ns = o.clock_read,
  }
  for k, v in pairs(require("mcpi.noise").context()) do ctx[k] = v end
  local mpi = package.loaded["mcpi.mpi"]  -- ranks, hosts, MPI library under mpirun
  if mpi and mpi.info() then ctx.mpi = mpi.info() end
  if extra ~= nil then
    if type(extra) ~= "table" then error(format("extra must be a table, got %s", type(extra)), 2) end
    for k, v in pairs(extra) do ctx[k] = v end
  end
  return ctx
end

return M
