-- The engine: embedded library, the C API through ffi.C, no global leaks.
local T = dofile("tests/harness.lua")
local ffi = require "ffi"

T.test("ffi.C reaches exported symbols", function()
  local C = require "mcpi.capi"
  T.ok(C.mcpi_clock_ns() > 0, "clock")
  T.eq(ffi.string(C.mcpi_build_version()), "0.1.0")
  T.eq(ffi.string(C.mcpi_strerror(C.MCPI_EINVAL)), "argument out of range")
end)

T.test("library modules leak no globals", function()
  local before = {}
  for k in pairs(_G) do before[k] = true end
  for _, m in ipairs{ "mcpi", "mcpi.util", "mcpi.capi", "mcpi.kernels", "mcpi.cli", "mcpi.repl" } do
    require(m)
  end
  local leaked = {}
  for k in pairs(_G) do if not before[k] then leaked[#leaked + 1] = tostring(k) end end
  T.eq(table.concat(leaked, ","), "")
end)

T.rows("util.to_u64 rejects bad values", {
  { -1, "must be >= 0" }, { 0.5, "whole number" }, { 0/0, "NaN" }, { 1/0, "whole number" },
  { "12a", "non-negative integer" }, { "18446744073709551616", "< 2^64" }, { {}, "non-negative integer" },
}, function(row)
  local util = require "mcpi.util"
  local v, err = util.to_u64(row[1], "n")
  T.eq(v, nil)
  T.ok(err:find(row[2], 1, true), err)
end)

T.rows("util.to_u64 accepts", {
  { 0, "0" }, { 2^53, "9007199254740992" }, { "18446744073709551615", "18446744073709551615" },
  { 5ULL, "5" },
}, function(row)
  local util = require "mcpi.util"
  T.eq(util.u64str(assert(util.to_u64(row[1], "n"))), row[2])
end)

T.done()
