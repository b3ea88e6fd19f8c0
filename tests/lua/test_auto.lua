--- test_auto.lua: c.auto, c.auto_gcc, c.auto_clang and every build of the
-- plain loop (each compiler x ISA level this CPU runs) against c.scalar.
local T = dofile("tests/harness.lua")
local ffi = require "ffi"
local C = require "mcpi.capi"
local K = require "mcpi.kernels"

local U64 = ffi.typeof("uint64_t")
local MAX64 = U64(0) - 1
local h = ffi.new("uint64_t[1]")

local function reference(seed, first, n)
  T.eq(C.mcpi_scalar_count(U64(seed), U64(first), U64(n), h), C.MCPI_OK, "scalar rc")
  return h[0]
end

-- (seed, first, n): tiny and odd N, odd starts, seeds 0 and 2^64-1, ranges
-- across block 2^32 (sample 2^33) and more than one SIGINT-poll chunk (2^22 blocks).
local ROWS = {
  { 0, 0, 0 }, { 0, 0, 1 }, { 0, 0, 2 }, { 0, 0, 3 }, { 1, 1, 1 }, { 1, 1, 2 },
  { 7, 0, 1001 }, { 7, 3, 64 }, { MAX64, 0, 4097 }, { MAX64, 5, 100001 },
  { 12, 2 ^ 33 - 1001, 2002 }, { 13, 2 ^ 33 + 1, 999 }, { 14, 2 ^ 33 - 3, 9 },
  { 42, 2 ^ 23 - 17, 2 ^ 23 + 99 },
}

T.rows("every c.auto build this CPU runs agrees with c.scalar", ROWS, function(row)
  local want = reference(row[1], row[2], row[3])
  local ran = 0
  local i = 0
  while C.mcpi_auto_build_name(i) ~= nil do
    local rc = C.mcpi_auto_count_build(i, U64(row[1]), U64(row[2]), U64(row[3]), h)
    if rc ~= C.MCPI_EUNSUPPORTED then
      T.eq(rc, C.MCPI_OK, ffi.string(C.mcpi_auto_build_name(i)))
      T.eq(h[0], want, ffi.string(C.mcpi_auto_build_name(i)))
      ran = ran + 1
    end
    i = i + 1
  end
  T.ok(ran >= 1, "at least the baseline build runs")
end)

T.rows("c.auto kernels' count() and fn() agree with c.scalar", ROWS, function(row)
  local want = reference(row[1], row[2], row[3])
  for _, name in ipairs{ "c.auto", "c.auto_gcc", "c.auto_clang" } do
    local k = K.get(name)
    if k.available() then
      T.eq(k.count(row[1], row[2], row[3]), want, name)
      if row[2] == 0 then T.eq(k.fn(row[3], row[1]), want, name .. " fn") end
    end
  end
end)

T.test("c.auto: a build exists, unavailable ones say why and how", function()
  T.ok(K.get("c.auto").available(), "c.auto available")
  for _, name in ipairs{ "c.auto_gcc", "c.auto_clang" } do
    local ok, why, hint = K.get(name).available()
    if not ok then
      T.ok(why:find("built without"), why)
      T.ok(hint:find("apt%-get install"), hint)
    end
  end
  T.eq(C.mcpi_auto_count(9, 0, 0, 1, h), C.MCPI_EINVAL)
  T.eq(C.mcpi_auto_count(0, 0, 0, 1, nil), C.MCPI_EINVAL)
  T.eq(C.mcpi_auto_count(0, 0, MAX64, 2, h), C.MCPI_EINVAL)
  T.eq(C.mcpi_auto_count_build(-1, 0, 0, 1, h), C.MCPI_EINVAL)
end)

T.done()
