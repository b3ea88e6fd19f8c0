-- mcpi.util: messages, suggestions, argument checks, 64-bit conversions.
local T = dofile("tests/harness.lua")
local util = require "mcpi.util"

T.rows("distance", {
  { "", "", 0 }, { "list", "list", 0 }, { "lsit", "list", 1 }, { "c.smid", "c.simd", 1 },
  { "abc", "", 3 }, { "kitten", "sitting", 3 }, { "run", "plot", 4 },
}, function(r) T.eq(util.distance(r[1], r[2]), r[3], r[1] .. "/" .. r[2]) end)

T.rows("suggest", {
  { "lsit", { "list", "run" }, "list" }, { "c.smid", { "c.simd", "c.scalar" }, "c.simd" },
  { "zzzzzz", { "list", "run" }, nil }, { "x", {}, nil }, { "verison", { "version", "help" }, "version" },
}, function(r) T.eq(util.suggest(r[1], r[2]), r[3]) end)

T.test("did_you_mean", function()
  T.eq(util.did_you_mean("lsit", { "list" }), " (did you mean 'list'?)")
  T.eq(util.did_you_mean("lsit", { "list" }, "see 'mcpi --help'"), " (did you mean 'list'? see 'mcpi --help')")
  T.eq(util.did_you_mean("qqq", { "list" }, "see x"), " (see x)")
  T.eq(util.did_you_mean("qqq", { "list" }), "")
end)

T.rows("quote_arg", {
  { "plain", "'plain'" }, { "", "''" }, { "a'b", "'a\\'b'" }, { "a\\b", "'a\\\\b'" },
  { "bad\27[31m", "'bad\\x1B[31m'" }, { "tab\there", "'tab\\x09here'" },
  { "héllo", "'héllo'" },                       -- valid UTF-8 kept
  { "\255\254", "'\\xFF\\xFE'" },                -- invalid UTF-8 escaped
  { string.rep("a", 100), "'" .. string.rep("a", 60) .. "'...(100 bytes)" },
}, function(r) T.eq(util.quote_arg(r[1]), r[2]) end)

T.test("usage, interrupted and is_usage", function()
  local ok, e = pcall(util.usage, "bad thing")
  T.eq(ok, false)
  T.eq(e.exit, 2)
  T.eq(e.msg, "bad thing")
  T.eq(tostring(e), "bad thing")
  T.ok(util.is_usage(e))
  T.ok(not util.is_usage("string error"))
  T.ok(not util.is_usage({ exit = 2 }))
  ok, e = pcall(util.interrupted)
  T.eq(e.exit, 130)
  T.eq(e.msg, "interrupted")
end)

T.rows("check accepts", {
  { 1, "number" }, { "s", "string" }, { 1, "number|string" }, { "s", "number|string" },
}, function(r) T.eq(util.check(r[1], r[2], "x"), r[1]) end)

T.test("check rejects with the caller's position", function()
  local function api(v) util.check(v, "number", "count") end
  local msg = T.raises("count must be a number, got string", function() api("x") end)
  T.ok(msg:find("test_util.lua:%d+:"), msg)
  T.raises("name must be a number or string, got table", util.check, {}, "number|string", "name")
  T.raises("got nil", util.check, nil, "table", "t")
end)

T.rows("to_u64 rejects bad values", {
  { -1, "must be >= 0" }, { 0.5, "whole number" }, { 0/0, "NaN" }, { 1/0, "whole number" },
  { -1/0, "must be >= 0" }, { 2^64, "< 2^64" }, { -5LL, "must be >= 0, got -5" },
  { "12a", "non-negative integer, got '12a'" }, { "", "non-negative integer" }, { "-3", "non-negative integer" },
  { "1e6", "non-negative integer" }, { "18446744073709551616", "< 2^64" },
  { "99999999999999999999", "< 2^64" }, { string.rep("9", 30), "non-negative integer" },
  { {}, "non-negative integer, got table" }, { nil, "got nil" }, { true, "got boolean" },
}, function(r)
  local v, err = util.to_u64(r[1], "n")
  T.eq(v, nil)
  T.ok(err:find(r[2], 1, true), err)
  T.ok(err:find("^n "), err)
end)

T.rows("to_u64 accepts", {
  { 0, "0" }, { 1e9, "1000000000" }, { 2^53, "9007199254740992" }, { 2^63, "9223372036854775808" },
  { "18446744073709551615", "18446744073709551615" }, { "007", "7" }, { 5ULL, "5" }, { 5LL, "5" },
}, function(r) T.eq(util.u64str(assert(util.to_u64(r[1], "n"))), r[2]) end)

T.test("to_u64 with a maximum", function()
  T.eq(util.u64str(assert(util.to_u64(10, "n", 10))), "10")
  local v, err = util.to_u64(11, "n", 10)
  T.eq(v, nil)
  T.eq(err, "n must be <= 10, got 11")
end)

T.test("u64val and fmtnum", function()
  T.eq(type(util.u64val(5ULL)), "number")
  T.eq(type(util.u64val(2ULL ^ 60)), "cdata")
  T.eq(util.u64val(2ULL ^ 53), 2 ^ 53)
  T.eq(util.fmtnum(1e9), "1000000000")
  T.eq(util.fmtnum(0.125), "0.125")
  T.eq(util.fmtnum(1e20), "1e+20")
  T.eq(util.fmtnum("x"), "x")
end)

T.done()
