-- Philox4x32-10 in C and in Lua against the Random123 known answers, and the
-- stream's samples (mcpi_philox_fill vs mcpi.philox.fill) against each other.
local T = dofile("tests/harness.lua")
local ffi = require "ffi"
local C = require "mcpi.capi"
local philox = require "mcpi.philox"

local U64 = ffi.typeof("uint64_t")

-- tests/data/philox_kat.txt: the philox4x32 10 lines of Random123's kat_vectors.
local kat = {}
for line in io.lines("tests/data/philox_kat.txt") do
  if not line:match("^#") and line:match("%S") then
    local w = {}
    for word in line:gmatch("%S+") do w[#w + 1] = word end
    T.eq(w[1] .. " " .. w[2], "philox4x32 10", "kat line")
    local v = {}
    for i = 3, 12 do v[#v + 1] = tonumber(w[i], 16) end
    kat[#kat + 1] = { ctr = { v[1], v[2], v[3], v[4] }, key = { v[5], v[6] },
                      out = { v[7], v[8], v[9], v[10] } }
  end
end

T.test("the KAT file has the three philox4x32 10 vectors", function()
  T.eq(#kat, 3)
end)

T.rows("C mcpi_philox4x32_10 matches Random123", kat, function(row)
  local ctr = ffi.new("uint32_t[4]", row.ctr)
  local key = ffi.new("uint32_t[2]", row.key)
  local out = ffi.new("uint32_t[4]")
  C.mcpi_philox4x32_10(ctr, key, out)
  for i = 1, 4 do T.eq(out[i - 1], row.out[i], "word " .. i) end
end)

T.rows("Lua philox4x32_10 matches Random123", kat, function(row)
  local r = { philox.philox4x32_10(row.ctr[1], row.ctr[2], row.ctr[3], row.ctr[4],
                                   row.key[1], row.key[2]) }
  for i = 1, 4 do T.eq(r[i], row.out[i], "word " .. i) end
end)

T.test("block j of the stream is philox(ctr=(j lo, j hi, 0, 0), key=(seed lo, seed hi))", function()
  -- sample 2j = (r0, r1), sample 2j+1 = (r2, r3), for a j above 2^32
  local seed, j = 0x0123456789abcdefULL, 0x00000005fffffffeULL
  local xy = ffi.new("uint32_t[4]")
  C.mcpi_philox_fill(seed, 2 * j, 2, xy)
  local r0, r1, r2, r3 = philox.philox4x32_10(0xfffffffe, 5, 0, 0, 0x89abcdef, 0x01234567)
  T.eq(xy[0], r0); T.eq(xy[1], r1); T.eq(xy[2], r2); T.eq(xy[3], r3)
end)

-- (seed, first, n): odd and even ends, seeds 0, 1, 2^64-1, ranges across
-- block 2^32 (sample 2^33) and the top of the counter space.
local fill_rows = {
  { 0, 0, 0 }, { 0, 0, 1 }, { 1, 0, 2 }, { 1, 1, 3 }, { 7, 3, 1 }, { 42, 5, 1001 },
  { "18446744073709551615", 0, 257 }, { "18446744073709551615", 12345, 999 },
  { 3, 2 ^ 33 - 37, 100 }, { 3, 2 ^ 33 - 36, 73 }, { 9, "8589934591", 4 },
  { 5, "18446744073709551610", 5 }, { 5, "18446744073709551609", 6 },
}

T.rows("mcpi.philox.fill == mcpi_philox_fill", fill_rows, function(row)
  local util = require "mcpi.util"
  local seed, first = assert(util.to_u64(row[1])), assert(util.to_u64(row[2]))
  local n = row[3]
  local a = ffi.new("uint32_t[?]", 2 * n + 2)
  local b = ffi.new("uint32_t[?]", 2 * n + 2)
  a[2 * n], b[2 * n] = 0xdeadbeef, 0xdeadbeef  -- neither writes past 2n
  philox.fill(seed, first, n, a)
  T.eq(C.mcpi_philox_fill(seed, first, n, b), 0)
  for i = 0, 2 * n do T.eq(a[i], b[i], "xy[" .. i .. "]") end
end)

T.rows("mcpi.philox.count == mcpi_scalar_count", fill_rows, function(row)
  local util = require "mcpi.util"
  local seed, first = assert(util.to_u64(row[1])), assert(util.to_u64(row[2]))
  local h = ffi.new("uint64_t[1]")
  T.eq(C.mcpi_scalar_count(seed, first, row[3], h), 0)
  T.eq(philox.count(seed, first, row[3]), h[0])
end)

T.test("the hit test is exact at the boundary x*x + y*y = 2^64", function()
  -- Count by hand over the filled samples with the plain comparison s >= x*x.
  local n = 4096
  local xy = ffi.new("uint32_t[?]", 2 * n)
  philox.fill(11, 0, n, xy)
  local hits = 0
  for i = 0, n - 1 do
    local x, y = U64(xy[2 * i]), U64(xy[2 * i + 1])
    if x * x + y * y >= x * x then hits = hits + 1 end
  end
  T.eq(philox.count(11, 0, n), U64(hits))
end)

T.rows("mcpi.philox rejects bad arguments", {
  { "seed must be >= 0", philox.count, -1, 0, 1 },
  { "first must be a whole number", philox.count, 0, 0.5, 1 },
  { "n must be a number, got NaN", philox.count, 0, 0, 0 / 0 },
  { "n must be a non-negative integer, got 'abc'", philox.count, 0, 0, "abc" },
  { "first + n must be < 2^64", philox.count, 0, "18446744073709551615", 2 },
  { "xy must be a uint32_t array (cdata), got nil", philox.fill, 0, 0, 1, nil },
  { "xy must be a uint32_t array, got ctype<double [", philox.fill, 0, 0, 1, ffi.new("double[2]") },
  { "c0 must be an integer in 0..2^32-1, got -1", philox.philox4x32_10, -1, 0, 0, 0, 0, 0 },
  { "k1 must be an integer in 0..2^32-1, got 4294967296", philox.philox4x32_10, 0, 0, 0, 0, 0, 2 ^ 32 },
}, function(row)
  T.raises(row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8])
end)

T.test("mcpi_philox_fill rejects a null buffer and a wrapping range", function()
  T.eq(C.mcpi_philox_fill(0, 0, 1, nil), C.MCPI_EINVAL)
  local xy = ffi.new("uint32_t[2]")
  T.eq(C.mcpi_philox_fill(0, 0xffffffffffffffffULL, 2, xy), C.MCPI_EINVAL)
  T.eq(C.mcpi_philox_fill(0, 0, 0, nil), C.MCPI_OK)
end)

T.done()
