--- mcpi.cuda: the kernel cuda.philox, the philox v1 stream in CUDA C
-- (src/dl/cuda.cu), built by nvcc into obj/dl/libmcpi_cuda.so when the
-- toolkit is present and loaded here at run time: the mcpi binary never
-- needs CUDA to start, and without a driver or GPU the kernel is listed
-- unavailable with the CUDA runtime's own reason.
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"

local format, tonumber = string.format, tonumber

local M = {}

local CDEF = [[
int mcpi_cuda_probe(void);
const char *mcpi_cuda_why(void);
const char *mcpi_cuda_info(void);
int mcpi_cuda_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits,
                    double *device_seconds);
]]

local U64 = ffi.typeof("uint64_t")
local lib, avail, why, info
local hits_buf, dev_buf = ffi.new("uint64_t[1]"), ffi.new("double[1]")

--- The shared object's path: $MCPI_DLDIR/libmcpi_cuda.so, else obj/dl
-- beside mcpi.
function M.path()
  local dir = os.getenv("MCPI_DLDIR")
  if not dir or dir == "" then dir = ffi.string(C.mcpi_build_dldir()) end
  return dir .. "/libmcpi_cuda.so"
end

--- ok, why, hint: probed once (loading the .so and asking the CUDA runtime).
function M.available()
  if avail == nil then
    local path = M.path()
    local fh = io.open(path, "rb")
    if not fh then
      avail, why = false, format("not built: %s is missing (no nvcc when mcpi was built)", path)
    else
      fh:close()
      if CDEF then ffi.cdef(CDEF); CDEF = nil end
      local ok, l = C.mcpi_dl_pin(path) == 1, ffi.string(C.mcpi_dl_error())
      if ok then ok, l = pcall(ffi.load, path) end  -- pinned: the runtime's exit handlers
      if not ok then
        avail, why = false, format("cannot load %s: %s", path, tostring(l))
      else
        lib = l
        avail = lib.mcpi_cuda_probe() > 0
        C.mcpi_dl_pin_loaded()  -- the driver the runtime loaded stays mapped
        if not avail then why = "no usable GPU: " .. ffi.string(lib.mcpi_cuda_why()) end
      end
    end
  end
  if avail then return true end
  return false, why, "a machine with an NVIDIA GPU and driver; make NVCC=/usr/local/cuda/bin/nvcc"
end

--- Device, compute capability, multiprocessors, driver and runtime versions.
function M.start()
  if info then return info end
  local ok, err = M.available()
  if not ok then error("cuda.philox is not available here: " .. tostring(err), 0) end
  local f = {}
  for part in ffi.string(lib.mcpi_cuda_info()):gmatch("[^|]+") do f[#f + 1] = part end
  info = { runtime = "CUDA", device = f[1], arch = f[2], multiprocessors = tonumber(f[3]),
           driver = f[4], cuda_runtime = f[5] }
  return info
end

--- Hits among samples first..first+n-1 and the device seconds (CUDA events).
function M.count(seed, first, n)
  if not info then M.start() end
  local rc = lib.mcpi_cuda_count(seed, first, n, hits_buf, dev_buf)
  if rc == 3 then util.interrupted() end
  if rc ~= 0 then error("cuda.philox: " .. ffi.string(lib.mcpi_cuda_why()), 0) end
  return hits_buf[0], dev_buf[0]
end

--- The contract's call: one call's hits; seconds (host clock, all calls) and
-- device_seconds (per call).
function M.call(n, seed, _, calls, _)
  calls = calls or 1
  local t0, hits, dev = C.mcpi_clock_ns(), U64(0), 0
  for _ = 1, calls do
    local d
    hits, d = M.count(seed, U64(0), n)
    dev = dev + d
  end
  return hits, { seconds = tonumber(C.mcpi_clock_ns() - t0) * 1e-9, device_seconds = dev / calls }
end

--- The registry spec of cuda.philox.
function M.spec()
  return {
    name = "cuda.philox", stream = "philox", builtin = true,
    description = "the philox stream in CUDA C (nvcc-built obj/dl/libmcpi_cuda.so) on GPU 0",
    available = M.available,
    count = function(seed, first, n) return (M.count(seed, first, n)) end,
    call = M.call, start = M.start,
  }
end

return M
