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
M.MAX_NAME = 64

local U64 = ffi.typeof("uint64_t")
local N_MAX = 2 ^ 63

local function checked_n(k, n, level)
  local v, err = util.to_u64(n, "n", N_MAX)
  if not v then error(format("%s: %s", k.name, err), level + 1) end
  return v
end

local function checked_seed(k, seed, level)
  if seed == nil then return U64(0) end
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

local function checked_available(k, level)
  local ok, why = k.available()
  if not ok then
    error(format("kernel '%s' is not available here: %s", k.name, tostring(why or "unavailable")), level + 1)
  end
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

--- Register a kernel (or replace one of the same name) and return its entry.
-- spec.name ("backend.variant"), spec.fn(n, seed, threads) -> hits (uint64_t
-- cdata or number), spec.stream ("philox" or your stream's name),
-- spec.description (one line), optional spec.available() -> ok, why,
-- spec.threaded (true if fn uses its threads argument), spec.jit = false (run
-- fn and the functions it defines with the JIT off, e.g. a no-JIT baseline), optional
-- spec.count(seed, first, n) -> hits (samples first..first+n-1; philox kernels).
-- The entry's fn checks its arguments for every kernel alike: n a whole number
-- in 0..2^63 (number, uint64_t or decimal string), seed in 0..2^64-1 (default
-- 0), threads nil or 1..mcpi_threads_max(); spec.fn then gets n and seed as
-- uint64_t, and the hits it returns come back as uint64_t. entry.unchecked is
-- spec.fn itself.
function M.register(spec)
  util.check(spec, "table", "kernel spec", 2)
  util.check(spec.name, "string", "kernel name", 2)
  if not spec.name:match(NAME_PAT) then
    error(format("kernel name must look like 'backend.variant', got %s", util.quote_arg(spec.name)), 2)
  end
  if #spec.name > M.MAX_NAME then  -- names become chart file names
    error(format("kernel name must be at most %d bytes, got %d", M.MAX_NAME, #spec.name), 2)
  end
  util.check(spec.fn, "function", "kernel fn", 2)
  if spec.stream ~= nil then util.check(spec.stream, "string", "kernel stream", 2) end
  if spec.description ~= nil then util.check(spec.description, "string", "kernel description", 2) end
  if spec.available ~= nil then util.check(spec.available, "function", "kernel available", 2) end
  if spec.count ~= nil then util.check(spec.count, "function", "kernel count", 2) end
  local raw, raw_count = spec.fn, spec.count
  if spec.jit == false then jit.off(raw, true) end
  local k = {
    name = spec.name,
    backend = spec.name:match("^([^%.]+)"),
    stream = spec.stream or "custom",
    description = spec.description or "",
    available = spec.available or function() return true end,
    threaded = spec.threaded and true or false,
    jit_off = spec.jit == false,
    builtin = spec.builtin and true or false,
    unchecked = raw,
  }
  k.fn = function(n, seed, threads)
    local nn = checked_n(k, n, 2)
    local s = checked_seed(k, seed, 2)
    local t = checked_threads(k, threads, 2)
    checked_available(k, 2)
    return checked_hits(k, raw(nn, s, t), nn, 2)
  end
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

return M
