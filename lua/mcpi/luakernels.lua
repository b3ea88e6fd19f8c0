--- mcpi.luakernels: the kernels written in Lua, as a list of specs that
-- mcpi.kernels registers. Each spec's fn(n, seed, threads) gets n and seed as
-- checked uint64_t (mcpi.kernels validates them for every kernel); philox
-- kernels also have count(seed, first, n), the same count from sample first on.
--
--   lua.philox   the philox v1 stream in Lua over the FFI (mcpi.philox), traced
--   lua.array    the array style: philox samples materialised chunk by chunk
--                in an FFI buffer, then counted in a second loop
--   lua.jit      the plain loop with math.random, traced
--   lua.interp   the same loop with the JIT off for it
--
-- lua.jit and lua.interp draw from LuaJIT's math.random (a Tausworthe
-- generator, LuaJIT's own stream, not philox): stream "lua-random". They call
-- math.randomseed(seed) first, so a seed reproduces its count on the same
-- LuaJIT; seeds above 2^53 are rounded to a double by math.randomseed.
local ffi = require "ffi"
local jit = require "jit"
local C = require "mcpi.capi"
local util = require "mcpi.util"
local philox = require "mcpi.philox"

local bit = require "bit"

local band, rshift = bit.band, bit.rshift
local min, tonumber = math.min, tonumber

local U64 = ffi.typeof("uint64_t")

-- -- lua.array ----------------------------------------------------------------

--- Samples per buffer fill in lua.array: 2 x 4096 uint32_t = 32 KiB, sized
-- to stay in L1/L2 like a NumPy chunk would.
local ARRAY_CHUNK = 4096
-- Whole blocks: one more than a chunk's worth (an odd start), plus the slack
-- philox.fill_blocks_u64 writes past the end.
local xy = ffi.new("uint32_t[?]", 2 * ARRAY_CHUNK + 4 + philox.SLACK)

-- Misses among the m samples at xy[2 * off ..]: the carry out of x*x + y*y,
-- branch-free.
local function count_buffer(buf, off, m)
  local misses = 0ULL
  for i = 2 * off, 2 * (off + m) - 2, 2 do
    local x, y = U64(buf[i]), U64(buf[i + 1])
    local a, b = x * x, y * y
    misses = misses + rshift(rshift(a, 1) + rshift(b, 1) + band(a, b, 1ULL), 63)
  end
  return misses
end

-- Hits among the m samples from s: the array step materialises every block
-- they touch, the reduction step counts over the buffer.
local function array_chunk(seed, s, m)
  if C.mcpi_signal_pending() ~= 0 then util.interrupted() end
  local e = s + m
  local jb = s / 2
  philox.fill_blocks_u64(seed, jb, e / 2 + e % 2 - jb, xy)
  return m - count_buffer(xy, tonumber(s % 2), m)
end

local function array_count(seed, first, n)
  if n <= ARRAY_CHUNK then return U64(array_chunk(seed, first, tonumber(n))) end
  local hits = 0ULL
  local s, left = first, n
  while left > 0 do
    local m = left < ARRAY_CHUNK and tonumber(left) or ARRAY_CHUNK
    hits = hits + array_chunk(seed, s, m)
    s, left = s + m, left - m
  end
  return hits
end

-- -- lua.jit and lua.interp: the plain loop -------------------------------------

-- The loop a user writes first. It polls SIGINT once per CHUNK samples:
-- compiled traces never see the interrupt hook. Compiled twice from this one
-- source, so lua.interp can switch the JIT off for its copy alone.
local PLAIN = [[
local random, randomseed, pending, interrupted, U64, min = ...
local CHUNK = 65536
return function(n, seed)
  randomseed(tonumber(seed))
  local total, left = U64(0), n
  while left > 0 do
    if pending() ~= 0 then interrupted() end
    local m = left < CHUNK and tonumber(left) or CHUNK
    local hits = 0
    for _ = 1, m do
      local x, y = random(), random()
      if x * x + y * y < 1 then hits = hits + 1 end
    end
    total, left = total + hits, left - m
  end
  return total
end
]]

local function plain_loop(name)
  return assert(loadstring(PLAIN, "=" .. name))(math.random, math.randomseed,
    C.mcpi_signal_pending, util.interrupted, U64, min)
end

local interp_loop = plain_loop("lua.interp")
jit.off(interp_loop, true)

return {
  { name = "lua.philox", stream = "philox",
    description = "the philox stream in Lua over the FFI (uint64_t words), traced by LuaJIT",
    fn = function(n, seed) return philox.count_u64(seed, 0ULL, n) end,
    count = philox.count_u64 },
  { name = "lua.array", stream = "philox",
    description = "array style: philox samples filled into an FFI buffer per chunk, then counted",
    fn = function(n, seed) return array_count(seed, 0ULL, n) end,
    count = array_count },
  { name = "lua.jit", stream = "lua-random",
    description = "the plain loop with math.random (LuaJIT's Tausworthe PRNG), traced",
    fn = plain_loop("lua.jit") },
  { name = "lua.interp", stream = "lua-random",
    description = "the same plain loop with the JIT off: the no-JIT baseline",
    jit = false, fn = interp_loop },
}
