-- A user decorator in a few lines: peak resident memory (getrusage through the
-- FFI, and VmHWM from /proc/self/status) added to every record, stacked with
-- the built-in decorators and passed to a sweep, where it lands in every row.
local ffi = require "ffi"

pcall(ffi.cdef, [[
struct rss_timeval { long tv_sec; long tv_usec; };
struct rss_rusage { struct rss_timeval ru_utime, ru_stime; long ru_maxrss; long ru_rest[13]; };
int getrusage(int who, struct rss_rusage *usage);
]])

local function vm_hwm_kb()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmHWM:%s*(%d+)")
    if kb then return tonumber(kb) end
  end
end

-- The decorator: take a measured function, return one that adds metrics.
local function peak_rss(f)
  local ru = ffi.new("struct rss_rusage")
  return function(req)
    local rec = f(req)
    ffi.C.getrusage(0, ru)  -- RUSAGE_SELF
    rec.peak_rss_kb = tonumber(ru.ru_maxrss)
    rec.vm_hwm_kb = vm_hwm_kb()
    return rec
  end
end

-- Stacked with the built-ins ...
local f = mcpi["repeat"]{ reps = 3 }(peak_rss(mcpi.throughput(mcpi.timed(mcpi.accuracy("c.simd")))))
local r = f{ n = 1e6, seed = 42 }
for _, run in ipairs(r.runs) do
  print(string.format("rep %d: %.3f ms  pi ~ %.6f  peak_rss_kb %d  vm_hwm_kb %s", run.rep,
    run.seconds * 1e3, run.estimate, run.peak_rss_kb, tostring(run.vm_hwm_kb)))
end

-- ... and in a sweep, where every row carries the new fields.
local res = mcpi.sweep{ kernels = { "c.scalar" }, n = { 1e3, 1e5 }, reps = 3, quiet = true,
  progress = false, decorate = peak_rss }
print(string.format("sweep row: kernel %s n %d peak_rss_kb %d", res.rows[1].kernel, res.rows[1].n,
  res.rows[1].peak_rss_kb))
