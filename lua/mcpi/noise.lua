--- mcpi.noise: what else the machine was doing. The context gets what bears
-- on the numbers (load average, kernel, ASLR, CPU frequency governor and
-- boost where readable, cache sizes); during a sweep the CPU time taken by
-- other processes is read around each N's repetitions (all CPUs' busy time
-- from /proc/stat minus this process's own from /proc/self/stat), and a
-- point measured while others used more than THRESHOLD cores is marked and
-- the run ends with a warning, as hyperfine and google/benchmark warn.
--   local r0 = noise.reader(); ...; local cores = noise.other(r0, noise.reader())
-- noise.reader is the seam: tests put a function returning scripted
-- readings {wall = s, busy = s, own = s} there.
local C = require "mcpi.capi"

local tonumber, format, ipairs, concat = tonumber, string.format, ipairs, table.concat
local open, max = io.open, math.max

local M = {}

M.THRESHOLD = 0.5   -- cores of other processes' CPU time per second of the window
M.WINDOW_MIN = 0.2  -- seconds: /proc/stat counts in ticks (10 ms); shorter windows
                    -- are read together with the readings before them
M.TICK = 0.01       -- seconds per /proc/stat tick (USER_HZ = 100 on Linux)

local function read_all(path)
  local fh = open(path, "r")
  if not fh then return nil end
  local s = fh:read("*a")
  fh:close()
  return s
end

local function first_line(path)
  local s = read_all(path)
  return s and s:match("^([^\n]*)")
end

--- The counters now: wall (monotonic seconds), busy (seconds all CPUs spent
-- not idle, steal included), own (seconds of CPU this process used, all its
-- threads, and its children: workers and fresh processes). nil where /proc is not readable.
function M.read()
  local stat = read_all("/proc/stat")
  local self = read_all("/proc/self/stat")
  if not stat or not self then return nil end
  local f = {}
  for v in stat:match("^cpu%s+([^\n]*)"):gmatch("%d+") do f[#f + 1] = tonumber(v) end
  local busy = 0
  for i = 1, 8 do if i ~= 4 and i ~= 5 then busy = busy + (f[i] or 0) end end  -- minus idle, iowait
  -- fields after the ")" of the command name: state is field 3, utime 14, stime 15
  local rest = self:match("%)%s+(.*)$")
  local g = {}
  for v in rest:gmatch("%S+") do g[#g + 1] = v end
  -- own: this process (utime, stime), its reaped children (cutime, cstime:
  -- fields 16, 17) and its live workers (mcpi_proc_cpu_ticks): a worker
  -- kernel's or a fresh process's CPU is the measurement, not other load
  local own = 0
  for i = 12, 15 do own = own + (tonumber(g[i]) or 0) end
  own = own + tonumber(C.mcpi_proc_cpu_ticks())
  return { wall = tonumber(C.mcpi_clock_ns()) / 1e9, busy = busy * M.TICK, own = own * M.TICK }
end
M.reader = M.read

--- Cores' worth of CPU time other processes used between readings a and b
-- (>= 0), or nil when either is missing or the window is too short to
-- tell (under WINDOW_MIN / 2 even after widening). history (a list
-- of earlier readings, oldest first) widens a window shorter than WINDOW_MIN
-- back to the latest reading that makes it long enough.
function M.other(a, b, history)
  if not a or not b then return nil end
  if history and b.wall - a.wall < M.WINDOW_MIN then
    for i = #history, 1, -1 do
      a = history[i]
      if b.wall - a.wall >= M.WINDOW_MIN then break end
    end
  end
  local dt = b.wall - a.wall
  -- /proc/stat counts 10 ms ticks: a window much shorter than WINDOW_MIN
  -- (nothing earlier to widen it with) says nothing
  if not (dt >= M.WINDOW_MIN / 2) then return nil end
  return max(0, ((b.busy - a.busy) - (b.own - a.own)) / dt)
end

--- Mark a summary row measured while others used `cores`: sets
-- load_other_cores and, above THRESHOLD, noise_mark and noise_note.
function M.mark(srow, cores)
  if cores == nil then return end
  srow.load_other_cores = cores
  if cores > M.THRESHOLD then
    srow.noise_mark = "load"
    srow.noise_note = format("%s at N=%s: other processes used %.2f cores while measured",
      tostring(srow.kernel), require("mcpi.output").count(srow.n), cores)
  end
end

--- The run's closing warning over summary rows, or nil when no point was marked.
function M.warning(summary, cores)
  local n, worst = 0, 0
  for _, s in ipairs(summary) do
    if s.noise_mark then n = n + 1; worst = max(worst, s.load_other_cores or 0) end
  end
  if n == 0 then return nil end
  return format("warning: other processes used up to %.2f of %d cores during %d of %d points "
    .. "(marked 'load'): their times may be inflated; rerun on an idle machine",
    worst, cores or 0, n, #summary)
end

--- The marked points in few words: rows are {kernel, n, noise_mark}
-- (summary rows or chart points); "every point", else per kernel "k (every
-- N)" or "k N=10, 1e6". nil when none is marked.
function M.list_text(rows)
  local total, marked, by, order = 0, 0, {}, {}
  for _, r in ipairs(rows) do
    local b = by[r.kernel]
    if not b then b = { all = 0, ns = {} }; by[r.kernel] = b; order[#order + 1] = r.kernel end
    b.all, total = b.all + 1, total + 1
    if r.noise_mark then b.ns[#b.ns + 1] = require("mcpi.output").count(r.n); marked = marked + 1 end
  end
  if marked == 0 then return nil end
  if marked == total then return format("every point (%d)", total) end
  local parts = {}
  for _, k in ipairs(order) do
    local b = by[k]
    if #b.ns == b.all then parts[#parts + 1] = k .. " (every N)"
    elseif #b.ns > 0 then parts[#parts + 1] = format("%s N=%s", k, concat(b.ns, ", ")) end
  end
  return concat(parts, "; ")
end

--- At the end of a sweep: the run's other load and load average into the
-- context (load_other_cores, loadavg_end), the warning into res and its
-- notes. first, last: the readings at the start and after the last N.
function M.close_run(res, first, last)
  local ctx = res.context
  ctx.load_other_cores = M.other(first, last)
  ctx.loadavg_end = M.context().loadavg
  res.noise_warning = M.warning(res.summary, ctx.cores)
  if res.noise_warning then res.notes[#res.notes + 1] = res.noise_warning end
end

-- -- Context ------------------------------------------------------------------------

local function caches()
  local t = {}
  for i = 0, 9 do
    local d = "/sys/devices/system/cpu/cpu0/cache/index" .. i .. "/"
    local level, kind, size = first_line(d .. "level"), first_line(d .. "type"), first_line(d .. "size")
    if not level then break end
    local k = kind == "Data" and "d" or kind == "Instruction" and "i" or ""
    t[#t + 1] = format("L%s%s %s", level, k, size or "?")
  end
  return #t > 0 and concat(t, ", ") or nil
end

local ASLR = { ["0"] = "off", ["1"] = "partial (stack, mmap)", ["2"] = "full" }

--- Context fields: loadavg (1, 5, 15 min), kernel, aslr, cpu_governor,
-- cpu_boost, caches; fields that cannot be read are absent.
function M.context()
  local gov = first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
  local boost = first_line("/sys/devices/system/cpu/cpufreq/boost")
  local no_turbo = first_line("/sys/devices/system/cpu/intel_pstate/no_turbo")
  local aslr = first_line("/proc/sys/kernel/randomize_va_space")
  local la = first_line("/proc/loadavg")
  return {
    loadavg = la and la:match("^(%S+ %S+ %S+)"),
    kernel = first_line("/proc/sys/kernel/osrelease"),
    aslr = aslr and (ASLR[aslr] or aslr),
    cpu_governor = gov or "not readable (no cpufreq in this VM/container)",
    cpu_boost = boost and (boost == "1" and "on" or "off")
      or no_turbo and (no_turbo == "1" and "off" or "on") or nil,
    caches = caches(),
  }
end

return M
