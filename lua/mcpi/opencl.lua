--- mcpi.opencl: the OpenCL API, declared once for the FFI and loaded at run
-- time from the system's ICD loader (libOpenCL.so.1, Debian's
-- ocl-icd-libopencl1), which dispatches to whatever platforms are installed
-- (/etc/OpenCL/vendors/*.icd, or OCL_ICD_VENDORS). Only the OpenCL 1.2 calls
-- ocl.philox needs; handles are opaque pointers. mcpi never links OpenCL.
local ffi = require "ffi"

local format = string.format

local M = {}

local CDEF = [[
typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint64_t cl_ulong;
typedef uint64_t cl_bitfield;
typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_event *cl_event;
cl_int clGetPlatformIDs(cl_uint, cl_platform_id *, cl_uint *);
cl_int clGetPlatformInfo(cl_platform_id, cl_uint, size_t, void *, size_t *);
cl_int clGetDeviceIDs(cl_platform_id, cl_bitfield, cl_uint, cl_device_id *, cl_uint *);
cl_int clGetDeviceInfo(cl_device_id, cl_uint, size_t, void *, size_t *);
cl_context clCreateContext(const intptr_t *, cl_uint, const cl_device_id *, void *, void *, cl_int *);
cl_command_queue clCreateCommandQueue(cl_context, cl_device_id, cl_bitfield, cl_int *);
cl_program clCreateProgramWithSource(cl_context, cl_uint, const char **, const size_t *, cl_int *);
cl_int clBuildProgram(cl_program, cl_uint, const cl_device_id *, const char *, void *, void *);
cl_int clGetProgramBuildInfo(cl_program, cl_device_id, cl_uint, size_t, void *, size_t *);
cl_kernel clCreateKernel(cl_program, const char *, cl_int *);
cl_int clGetKernelWorkGroupInfo(cl_kernel, cl_device_id, cl_uint, size_t, void *, size_t *);
cl_int clSetKernelArg(cl_kernel, cl_uint, size_t, const void *);
cl_mem clCreateBuffer(cl_context, cl_bitfield, size_t, void *, cl_int *);
cl_int clEnqueueNDRangeKernel(cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *,
                              const size_t *, cl_uint, const cl_event *, cl_event *);
cl_int clEnqueueReadBuffer(cl_command_queue, cl_mem, cl_uint, size_t, size_t, void *, cl_uint,
                           const cl_event *, cl_event *);
cl_int clGetEventProfilingInfo(cl_event, cl_uint, size_t, void *, size_t *);
cl_int clFinish(cl_command_queue);
cl_int clReleaseEvent(cl_event);
cl_int clReleaseMemObject(cl_mem);
cl_int clReleaseKernel(cl_kernel);
cl_int clReleaseProgram(cl_program);
cl_int clReleaseCommandQueue(cl_command_queue);
cl_int clReleaseContext(cl_context);
]]

-- The constants used (cl.h, OpenCL 1.2).
M.PLATFORM_NAME, M.PLATFORM_VERSION, M.PLATFORM_VENDOR = 0x0902, 0x0901, 0x0903
M.DEVICE_TYPE_ALL, M.DEVICE_TYPE_GPU = 0xFFFFFFFF, 4
M.DEVICE_TYPE, M.DEVICE_MAX_COMPUTE_UNITS, M.DEVICE_MAX_WORK_GROUP_SIZE = 0x1000, 0x1002, 0x1004
M.DEVICE_NAME, M.DEVICE_VENDOR, M.DRIVER_VERSION, M.DEVICE_VERSION = 0x102B, 0x102C, 0x102D, 0x102F
M.QUEUE_PROFILING_ENABLE = 2
M.PROGRAM_BUILD_LOG = 0x1183
M.KERNEL_WORK_GROUP_SIZE = 0x11B0
M.MEM_WRITE_ONLY = 2
M.PROFILING_COMMAND_START, M.PROFILING_COMMAND_END = 0x1282, 0x1283

local ERRORS = {
  [-1] = "CL_DEVICE_NOT_FOUND", [-2] = "CL_DEVICE_NOT_AVAILABLE",
  [-3] = "CL_COMPILER_NOT_AVAILABLE", [-4] = "CL_MEM_OBJECT_ALLOCATION_FAILURE",
  [-5] = "CL_OUT_OF_RESOURCES", [-6] = "CL_OUT_OF_HOST_MEMORY",
  [-11] = "CL_BUILD_PROGRAM_FAILURE", [-30] = "CL_INVALID_VALUE",
  [-32] = "CL_INVALID_PLATFORM", [-33] = "CL_INVALID_DEVICE", [-34] = "CL_INVALID_CONTEXT",
  [-36] = "CL_INVALID_COMMAND_QUEUE", [-38] = "CL_INVALID_MEM_OBJECT",
  [-44] = "CL_INVALID_PROGRAM", [-46] = "CL_INVALID_KERNEL_NAME", [-48] = "CL_INVALID_KERNEL",
  [-49] = "CL_INVALID_ARG_INDEX", [-50] = "CL_INVALID_ARG_VALUE", [-51] = "CL_INVALID_ARG_SIZE",
  [-52] = "CL_INVALID_KERNEL_ARGS", [-54] = "CL_INVALID_WORK_GROUP_SIZE",
  [-55] = "CL_INVALID_WORK_ITEM_SIZE", [-63] = "CL_INVALID_GLOBAL_WORK_SIZE",
  [-1001] = "CL_PLATFORM_NOT_FOUND_KHR",
}

--- The name of an OpenCL status code ("CL_INVALID_VALUE (-30)").
function M.errname(rc)
  rc = tonumber(rc)
  return format("%s (%d)", ERRORS[rc] or "CL error", rc)
end

local lib, load_err

--- The ICD loader, loaded once; nil and a message where there is none.
function M.load()
  if lib then return lib end
  if load_err then return nil, load_err end
  local C = require "mcpi.capi"
  -- pinned: the platforms' threads and exit handlers outlive the state
  local ok, l = C.mcpi_dl_pin("libOpenCL.so.1") == 1, nil
  if ok then ok, l = pcall(ffi.load, "libOpenCL.so.1") end
  if not ok then
    load_err = "no OpenCL ICD loader (libOpenCL.so.1; apt-get install ocl-icd-libopencl1)"
    return nil, load_err
  end
  ffi.cdef(CDEF)
  lib = l
  return lib
end

local sizebuf = ffi.new("size_t[1]")

local function info_string(fn, obj, param)
  local rc = fn(obj, param, 0, nil, sizebuf)
  if rc ~= 0 then return "?" end
  local buf = ffi.new("char[?]", sizebuf[0] + 1)
  if fn(obj, param, sizebuf[0], buf, nil) ~= 0 then return "?" end
  return (ffi.string(buf):gsub("%z.*", ""):gsub("%s+$", ""))
end

--- A platform's string parameter (M.PLATFORM_NAME ...).
function M.platform_info(p, param) return info_string(lib.clGetPlatformInfo, p, param) end

--- A device's string parameter (M.DEVICE_NAME ...).
function M.device_info(d, param) return info_string(lib.clGetDeviceInfo, d, param) end

--- A device's numeric parameter of C type ctype ("cl_uint", "size_t", ...).
function M.device_number(d, param, ctype)
  local v = ffi.new(ctype .. "[1]")
  if lib.clGetDeviceInfo(d, param, ffi.sizeof(ctype), v, nil) ~= 0 then return nil end
  return tonumber(v[0])
end

--- Every (platform, device) pair as a list of {platform =, device =,
-- gpu = bool}; nil and a message where the loader finds no platform.
function M.devices()
  local l, err = M.load()
  if not l then return nil, err end
  local n = ffi.new("cl_uint[1]")
  local rc = l.clGetPlatformIDs(0, nil, n)
  if rc ~= 0 or n[0] == 0 then
    return nil, "no OpenCL platform: the ICD loader found none"
      .. (rc ~= 0 and " (" .. M.errname(rc) .. ")" or "")
  end
  local plats = ffi.new("cl_platform_id[?]", n[0])
  l.clGetPlatformIDs(n[0], plats, nil)
  local list = {}
  for i = 0, n[0] - 1 do
    local nd = ffi.new("cl_uint[1]")
    if l.clGetDeviceIDs(plats[i], M.DEVICE_TYPE_ALL, 0, nil, nd) == 0 and nd[0] > 0 then
      local devs = ffi.new("cl_device_id[?]", nd[0])
      l.clGetDeviceIDs(plats[i], M.DEVICE_TYPE_ALL, nd[0], devs, nil)
      for j = 0, nd[0] - 1 do
        local ty = ffi.new("cl_ulong[1]")
        l.clGetDeviceInfo(devs[j], M.DEVICE_TYPE, 8, ty, nil)
        list[#list + 1] = { platform = plats[i], device = devs[j], gpu = ty[0] == M.DEVICE_TYPE_GPU
          or bit.band(tonumber(ty[0]), M.DEVICE_TYPE_GPU) ~= 0, index = format("%d:%d", i, j) }
      end
    end
  end
  require("mcpi.capi").mcpi_dl_pin_loaded()  -- the platforms' drivers stay mapped
  if #list == 0 then return nil, "the OpenCL platforms have no device" end
  return list
end

return M
