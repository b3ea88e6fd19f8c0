--- mcpi.kernels: the kernel registry. A kernel is a named function
-- fn(n, seed, threads) -> hits that counts hits among samples 0..n-1 of its
-- stream; the registry adds its name, backend, stream, description and
-- availability, and turns it into a measured function (request -> record).
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"

local format, sort, type = string.format, table.sort, type

local M = {}

local registry = {}

local NAME_PAT = "^[%w_]+%.[%w_%.%-]+$"

--- Register a kernel (or replace one of the same name).
-- spec.name ("backend.variant"), spec.fn(n, seed, threads) -> hits (uint64_t
-- cdata or number), spec.stream ("philox" or your stream's name),
-- spec.description (one line), optional spec.available() -> ok, why,
-- spec.threaded (true if fn uses its threads argument).
function M.register(spec)
  util.check(spec, "table", "kernel spec", 2)
  util.check(spec.name, "string", "kernel name", 2)
  if not spec.name:match(NAME_PAT) then
    error(format("kernel name must look like 'backend.variant', got '%s'", spec.name), 2)
  end
  util.check(spec.fn, "function", "kernel fn", 2)
  if spec.stream ~= nil then util.check(spec.stream, "string", "kernel stream", 2) end
  if spec.description ~= nil then util.check(spec.description, "string", "kernel description", 2) end
  if spec.available ~= nil then util.check(spec.available, "function", "kernel available", 2) end
  local k = {
    name = spec.name,
    backend = spec.name:match("^([^%.]+)"),
    fn = spec.fn,
    stream = spec.stream or "custom",
    description = spec.description or "",
    available = spec.available or function() return true end,
    threaded = spec.threaded and true or false,
    builtin = spec.builtin and true or false,
  }
  registry[k.name] = k
  return k
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
  return nil, format("unknown kernel '%s'%s", name,
    util.did_you_mean(name, M.names(), "see 'mcpi list'"))
end

--- The kernel called name; raises an error at the caller's line if unknown.
function M.get(name)
  local k, err = M.find(name)
  if not k then error(err, 2) end
  return k
end

--- Every kernel as a list of {name, backend, stream, description, available, why}.
function M.list()
  local t = {}
  for _, name in ipairs(M.names()) do
    local k = registry[name]
    local ok, why = k.available()
    t[#t + 1] = { name = name, backend = k.backend, stream = k.stream,
                  description = k.description, available = ok and true or false,
                  why = why }
  end
  return t
end

-- -- C kernels ---------------------------------------------------------------

local hits_buf = ffi.new("uint64_t[1]")

local function check_status(rc, name)
  if rc ~= 0 then
    if rc == C.MCPI_EINTR then util.interrupted() end
    error(format("%s: %s", name, ffi.string(C.mcpi_strerror(rc))), 0)
  end
end

local function c_kernel(name, cfn, path, desc)
  M.register{
    name = name, stream = "philox", description = desc, builtin = true,
    fn = function(n, seed)
      check_status(cfn(seed, 0, n, hits_buf), name)
      return hits_buf[0]
    end,
    available = path and function()
      if C.mcpi_simd_supported(path) == 1 then return true end
      return false, "this CPU lacks " .. ffi.string(C.mcpi_simd_name(path))
    end or nil,
  }
end

c_kernel("c.scalar", C.mcpi_scalar_count, nil, "portable C, the reference philox stream")
c_kernel("c.avx2", C.mcpi_avx2_count, C.MCPI_PATH_AVX2, "AVX2, several counter vectors in flight")
c_kernel("c.avx512", C.mcpi_avx512_count, C.MCPI_PATH_AVX512, "AVX-512, several counter vectors in flight")
c_kernel("c.simd", C.mcpi_simd_count, nil, "best SIMD path this CPU supports, chosen at run time")

M.register{
  name = "c.threads", stream = "philox", builtin = true, threaded = true,
  description = "best SIMD path on T threads (default: online CPUs)",
  fn = function(n, seed, threads)
    check_status(C.mcpi_threads_count(seed, 0, n, threads or 0, hits_buf), "c.threads")
    return hits_buf[0]
  end,
}

-- -- Lua kernels (specs in mcpi.luakernels) ----------------------------------

for _, spec in ipairs(require "mcpi.luakernels") do
  spec.builtin = true
  M.register(spec)
end

return M
