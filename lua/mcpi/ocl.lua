--- mcpi.ocl: the kernel ocl.philox, the philox v1 stream in OpenCL C
-- (src/philox.cl, embedded as mcpi.philox_cl) on any OpenCL device, through
-- the ICD loader (mcpi.opencl). Device: $MCPI_OCL_DEVICE ("platform:device",
-- 0-based, as `mcpi list` and the context show), else the first GPU, else
-- the first device. A call runs launches of bounded size (items x per_item
-- blocks), reads each launch's per-work-group 64-bit partial counts and adds
-- them on the host: memory O(1) in N on both sides, N up to 2^53 and beyond.
-- Time: the host's clock around the launches (seconds) and the sum of the
-- launches' profiling events (device_seconds).
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"
local cl = require "mcpi.opencl"

local format, min, tonumber = string.format, math.min, tonumber

local M = {}

local U64 = ffi.typeof("uint64_t")

-- Launch geometry; M.configure changes it (the tests use sizes that divide
-- nothing). groups = 0: compute units x GROUPS_PER_CU.
local geometry = { local_size = 64, groups = 0, per_item = 4096 }
local GROUPS_PER_CU = { cpu = 8, gpu = 64 }

local st          -- the started backend: device, context, queue, kernel, buffers, info
local avail, why  -- availability, probed once

local function check(rc, what)
  if rc ~= 0 then error(format("ocl.philox: %s failed: %s", what, cl.errname(rc)), 0) end
end

local function pick_device(list)
  local want = os.getenv("MCPI_OCL_DEVICE")
  if want and want ~= "" then
    for _, d in ipairs(list) do if d.index == want then return d end end
    return nil, format("MCPI_OCL_DEVICE='%s' names no device (have %s)", want,
      table.concat((function() local t = {} for _, d in ipairs(list) do t[#t + 1] = d.index end return t end)(), ", "))
  end
  for _, d in ipairs(list) do if d.gpu then return d end end
  return list[1]
end

--- ok, why, hint: whether an OpenCL device can run ocl.philox (probed once).
function M.available()
  if avail == nil then
    local list, err = cl.devices()
    local d
    if list then d, err = pick_device(list) end
    avail, why = d ~= nil, err
  end
  if avail then return true end
  return false, why, "apt-get install ocl-icd-libopencl1 pocl-opencl-icd (CPU), or a GPU vendor's OpenCL ICD"
end

local function build(ctx, dev)
  local src = require "mcpi.philox_cl"
  local e = ffi.new("cl_int[1]")
  local srcs = ffi.new("const char *[1]", { src })
  local prog = cl.load().clCreateProgramWithSource(ctx, 1, srcs, nil, e)
  check(e[0], "clCreateProgramWithSource")
  local devs = ffi.new("cl_device_id[1]", { dev })
  local rc = cl.load().clBuildProgram(prog, 1, devs, "", nil, nil)
  if rc ~= 0 then
    local sz = ffi.new("size_t[1]")
    cl.load().clGetProgramBuildInfo(prog, dev, cl.PROGRAM_BUILD_LOG, 0, nil, sz)
    local log = ffi.new("char[?]", sz[0] + 1)
    cl.load().clGetProgramBuildInfo(prog, dev, cl.PROGRAM_BUILD_LOG, sz[0], log, nil)
    error(format("ocl.philox: building src/philox.cl failed: %s\n%s", cl.errname(rc), ffi.string(log)), 0)
  end
  return prog
end

local function pow2_floor(x)
  local p = 1
  while p * 2 <= x do p = p * 2 end
  return p
end

-- The launch shape for this device and kernel: local size (a power of two),
-- groups per launch, blocks per work-item.
local function shape(s)
  local lib = cl.load()
  local kw = ffi.new("size_t[1]")
  check(lib.clGetKernelWorkGroupInfo(s.kernel, s.device, cl.KERNEL_WORK_GROUP_SIZE, ffi.sizeof("size_t"), kw, nil),
    "clGetKernelWorkGroupInfo")
  local dmax = cl.device_number(s.device, cl.DEVICE_MAX_WORK_GROUP_SIZE, "size_t") or 1
  s.local_size = pow2_floor(min(geometry.local_size, tonumber(kw[0]), dmax))
  s.groups = geometry.groups > 0 and geometry.groups
    or s.compute_units * (s.gpu and GROUPS_PER_CU.gpu or GROUPS_PER_CU.cpu)
  s.per_item = geometry.per_item
  s.partial = lib.clCreateBuffer(s.ctx, cl.MEM_WRITE_ONLY, 8 * s.groups, nil, s.err)
  check(s.err[0], "clCreateBuffer")
  s.host = ffi.new("uint64_t[?]", s.groups)
end

--- Bring the device up (context, queue, program, kernel, buffer); returns the
-- context info {runtime, platform, platform_version, device, device_version,
-- driver, compute_units, local_size, groups, per_item}. Idempotent.
function M.start()
  if st then return st.info end
  local ok, err = M.available()
  if not ok then error("ocl.philox is not available here: " .. tostring(err), 0) end
  local d = pick_device(cl.devices())
  local lib = cl.load()
  local s = { device = d.device, gpu = d.gpu, err = ffi.new("cl_int[1]") }
  local devs = ffi.new("cl_device_id[1]", { d.device })
  s.ctx = lib.clCreateContext(nil, 1, devs, nil, nil, s.err)
  check(s.err[0], "clCreateContext")
  s.queue = lib.clCreateCommandQueue(s.ctx, d.device, cl.QUEUE_PROFILING_ENABLE, s.err)
  check(s.err[0], "clCreateCommandQueue")
  s.program = build(s.ctx, d.device)
  s.kernel = lib.clCreateKernel(s.program, "mcpi_count", s.err)
  check(s.err[0], "clCreateKernel")
  C.mcpi_dl_pin_loaded()  -- the compiled program's object stays mapped
  s.compute_units = cl.device_number(d.device, cl.DEVICE_MAX_COMPUTE_UNITS, "cl_uint") or 1
  shape(s)
  s.args, s.per = ffi.new("uint64_t[3]"), ffi.new("uint32_t[1]")
  s.event = ffi.new("cl_event[1]")
  s.t = ffi.new("cl_ulong[2]")
  s.gsize, s.lsize = ffi.new("size_t[1]"), ffi.new("size_t[1]", s.local_size)
  s.info = {
    runtime = "OpenCL", index = d.index,
    platform = cl.platform_info(d.platform, cl.PLATFORM_NAME),
    platform_version = cl.platform_info(d.platform, cl.PLATFORM_VERSION),
    device = cl.device_info(d.device, cl.DEVICE_NAME),
    device_version = cl.device_info(d.device, cl.DEVICE_VERSION),
    driver = cl.device_info(d.device, cl.DRIVER_VERSION),
    compute_units = s.compute_units, local_size = s.local_size, groups = s.groups,
    per_item = s.per_item,
  }
  st = s
  return s.info
end

--- Release everything start() made; idempotent.
function M.stop()
  if not st then return end
  local lib = cl.load()
  lib.clReleaseMemObject(st.partial)
  lib.clReleaseKernel(st.kernel)
  lib.clReleaseProgram(st.program)
  lib.clReleaseCommandQueue(st.queue)
  lib.clReleaseContext(st.ctx)
  st = nil
end

--- Change the launch shape (tests): {local_size =, groups =, per_item =};
-- restarts the backend if it was started.
function M.configure(g)
  for k, v in pairs(g) do
    if geometry[k] == nil then error(format("ocl.philox: unknown geometry field '%s'", k), 2) end
    geometry[k] = v
  end
  if st then M.stop(); M.start() end
end

-- One launch over blocks b .. b+nb-1 (nb <= groups*local_size*per_item);
-- returns its hits and the device's seconds for it.
local function launch(s, seed, b, nb)
  local lib = cl.load()
  local items_max = s.groups * s.local_size
  local per = tonumber((nb + items_max - 1) / items_max)
  local items = tonumber((nb + per - 1) / per)
  local groups = math.ceil(items / s.local_size)
  local a = s.args
  a[0], a[1], a[2] = seed, b, nb
  for i = 0, 2 do check(lib.clSetKernelArg(s.kernel, i, 8, a + i), "clSetKernelArg") end
  s.per[0] = per
  check(lib.clSetKernelArg(s.kernel, 3, 4, s.per), "clSetKernelArg")
  check(lib.clSetKernelArg(s.kernel, 4, ffi.sizeof("cl_mem"), ffi.new("cl_mem[1]", s.partial)), "clSetKernelArg")
  check(lib.clSetKernelArg(s.kernel, 5, 8 * s.local_size, nil), "clSetKernelArg")
  s.gsize[0] = groups * s.local_size
  check(lib.clEnqueueNDRangeKernel(s.queue, s.kernel, 1, nil, s.gsize, s.lsize, 0, nil, s.event),
    "clEnqueueNDRangeKernel")
  check(lib.clEnqueueReadBuffer(s.queue, s.partial, 1, 0, 8 * groups, s.host, 0, nil, nil),
    "clEnqueueReadBuffer")
  lib.clGetEventProfilingInfo(s.event[0], cl.PROFILING_COMMAND_START, 8, s.t, nil)
  lib.clGetEventProfilingInfo(s.event[0], cl.PROFILING_COMMAND_END, 8, s.t + 1, nil)
  lib.clReleaseEvent(s.event[0])
  local h = U64(0)
  for i = 0, groups - 1 do h = h + s.host[i] end
  return h, tonumber(s.t[1] - s.t[0]) * 1e-9
end

local ctr, key, r4 = ffi.new("uint32_t[4]"), ffi.new("uint32_t[2]"), ffi.new("uint32_t[4]")

-- Hits of the one sample at index i (the half block outside a range), from
-- its block; i may be 2^64-1, which no (first, n) range of a kernel reaches.
local function one_sample(seed, i)
  local j = i / 2
  ctr[0], ctr[1] = j % 2 ^ 32, j / 2 ^ 32
  key[0], key[1] = seed % 2 ^ 32, seed / 2 ^ 32
  C.mcpi_philox4x32_10(ctr, key, r4)
  local o = tonumber(i % 2) * 2
  local xx = U64(r4[o]) * r4[o]
  return (xx + U64(r4[o + 1]) * r4[o + 1] >= xx) and U64(1) or U64(0)
end

--- Hits among samples first..first+n-1 (uint64), and the device seconds
-- (profiling events) they took. deadline: a clock_ns value not to pass.
-- The device counts whole blocks; an odd first or end leaves one sample of
-- a block outside the range, counted here and taken back out.
function M.count(seed, first, n, deadline)
  local s = st or (M.start() and st)
  if n == 0 then return U64(0), 0 end
  local e = first + n
  local b, bend = first / 2, e / 2 + e % 2
  local per_launch = U64(s.groups * s.local_size) * s.per_item
  local hits, dev = U64(0), 0
  if first % 2 == 1 then hits = hits - one_sample(seed, first - 1) end
  if e % 2 == 1 then hits = hits - one_sample(seed, e) end
  while b < bend do
    local nb = bend - b
    if nb > per_launch then nb = per_launch end
    local h, d = launch(s, seed, b, nb)
    hits, dev, b = hits + h, dev + d, b + nb
    if C.mcpi_signal_pending() ~= 0 then util.interrupted() end
    if deadline and C.mcpi_clock_ns() > deadline then
      error("ocl.philox: the call ran past its timeout", 0)
    end
  end
  return hits, dev
end

M.CALL_TIMEOUT = 60  -- seconds: the least a call is given when the caller sets a timeout

--- The contract's call: calls repetitions of one (n, seed); one call's hits
-- and {seconds (host clock, all calls), device_seconds (per call)}.
function M.call(n, seed, _, calls, opts)
  if not st then M.start() end
  local t0 = C.mcpi_clock_ns()
  -- A caller's timeout (the sweep's: 10x the predicted call) only raises the
  -- least a call is given (M.CALL_TIMEOUT), as for workers: it catches a
  -- device that hangs, not a launch slowed by a loaded machine.
  local deadline = opts and opts.timeout
    and t0 + U64(math.max(opts.timeout, M.CALL_TIMEOUT) * 1e9) or nil
  local hits, dev = U64(0), 0
  for _ = 1, calls or 1 do
    local d
    hits, d = M.count(seed, U64(0), n, deadline)
    dev = dev + d
  end
  local secs = tonumber(C.mcpi_clock_ns() - t0) * 1e-9
  return hits, { seconds = secs, device_seconds = dev / (calls or 1) }
end

--- The registry spec of ocl.philox.
function M.spec()
  return {
    name = "ocl.philox", stream = "philox", builtin = true,
    description = "the philox stream in OpenCL C on the first GPU (else first device) of the ICD loader",
    available = M.available,
    count = function(seed, first, n) return (M.count(seed, first, n)) end,
    call = M.call, start = M.start, stop = M.stop,
  }
end

return M
