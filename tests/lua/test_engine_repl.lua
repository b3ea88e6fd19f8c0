-- mcpi.repl: how values print and what Tab completes.
local T = dofile("tests/harness.lua")
local repl = require "mcpi.repl"
local F = repl.format

T.rows("scalars", {
  { 1, "1" }, { -0.5, "-0.5" }, { 0.1, "0.1" }, { 1/3, "0.3333333333333333" }, { 2^53, "9007199254740992" },
  { 1e300, "1e+300" }, { 1/0, "inf" }, { -1/0, "-inf" }, { 0/0, "nan" }, { true, "true" }, { nil, "nil" },
  { "s", '"s"' }, { "a\nb", '"a\\nb"' }, { "nul\0", '"nul\\0"' },
  { 18446744073709551615ULL, "18446744073709551615" }, { -5LL, "-5" },
}, function(r) T.eq(F(r[1]), r[2]) end)

T.rows("tables", {
  { {}, "{}" }, { { 1, 2, 3 }, "{ 1, 2, 3 }" }, { { a = 1, b = "x" }, '{ a = 1, b = "x" }' },
  { { 1, k = { 2 } }, "{ 1, k = { 2 } }" }, { { [true] = 1, [2.5] = 2, ["a b"] = 3 }, '{ [2.5] = 2, [true] = 1, ["a b"] = 3 }' },
  { { ["end"] = 1 }, '{ ["end"] = 1 }' }, { { [1] = 1, [3] = 3 }, "{ 1, [3] = 3 }" },
}, function(r) T.eq(F(r[1]), r[2]) end)

T.test("cycles, depth and long arrays are cut", function()
  local t = { 1 }
  t.self = t
  T.eq(F(t), "{ 1, self = <cycle> }")
  local shared = { 9 }
  T.eq(F({ shared, shared }), "{ { 9 }, { 9 } }", "a shared table is not a cycle")
  local d, c = {}, nil
  c = d
  for _ = 1, 10 do c.n = {}; c = c.n end
  T.eq(F(d), "{ n = { n = { n = { n = { n = {...} } } } } }")
  local long = {}
  for i = 1, 1000 do long[i] = i end
  local s = F(long)
  T.ok(s:find("... (950 more)", 1, true), s)
  T.ok(#s < 400, "long array stays short: " .. #s)
  local many = {}
  for i = 1, 500 do many["k" .. i] = i end
  T.ok(F(many):find("... (450 more)", 1, true))
  T.ok(F({ string.rep("x", 1000) }):find("...(1000 bytes)", 1, true), "long nested strings cut")
  T.eq(#F(string.rep("x", 1000)), 1002, "a top-level string is shown whole")
end)

T.test("objects with __tostring print as themselves, even when it fails", function()
  local obj = setmetatable({}, { __tostring = function() return "ALIGNED\nTABLE" end })
  T.eq(F(obj), "ALIGNED\nTABLE")
  T.eq(F({ obj }), "{\n  ALIGNED\nTABLE\n}")
  local bad = setmetatable({}, { __tostring = function() error("nope") end })
  T.ok(F(bad):find("__tostring failed", 1, true))
  T.ok(F(io.stdout):find("^file %("))
  T.ok(F(print):find("^function"))
end)

T.test("show writes values tab-separated", function()
  local tmp = os.tmpname()
  local saved = io.output()
  local fh = assert(io.open(tmp, "w"))
  io.stdout, saved = fh, io.stdout
  local ok, err = pcall(repl.show, 1, "a", nil, { 2 })
  io.stdout = saved
  fh:close()
  assert(ok, err)
  local f = assert(io.open(tmp))
  local text = f:read("*a")
  f:close()
  os.remove(tmp)
  T.eq(text, '1\t"a"\tnil\t{ 2 }\n')
end)

T.rows("complete", {
  { "mcpi.ker", "mcpi.kernels" }, { "string.fo", "string.format" }, { "pri", "print" },
  { "math.hu", "math.huge" }, { "fun", "function" }, { "mcpi.kernels.ge", "mcpi.kernels.get" },
}, function(r)
  local c = repl.complete(r[1])
  local found = false
  for _, w in ipairs(c) do if w == r[2] then found = true end end
  T.ok(found, r[1] .. " -> " .. table.concat(c, " "))
end)

T.test("complete never raises", function()
  T.eq(#repl.complete("nosuch.thing.x"), 0)
  T.eq(#repl.complete("print.x"), 0)
  T.eq(#repl.complete(42), 0)
  T.eq(#repl.complete("a..b"), 0)
  _G.__trap = setmetatable({}, { __index = function() error("boom") end })
  T.eq(#repl.complete("__trap.x.y"), 0)
  _G.__trap = nil
  local s = repl.complete("s")
  T.ok(#s > 0)
  for _, w in ipairs(s) do T.eq(w:sub(1, 1), "s") end
end)

T.done()
