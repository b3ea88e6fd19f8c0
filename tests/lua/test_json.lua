-- mcpi.json: 17 significant digits, 64-bit integers as strings above 2^53,
-- NaN/inf via the "nonfinite" list, cjson decodes what mcpi writes.
local T = dofile("tests/harness.lua")
local json = require "mcpi.json"
local cjson = require "cjson"

local tmp = os.tmpname()

T.rows("numbers round-trip exactly", {
  { 0.1 }, { 1 / 3 }, { math.pi }, { 1e-300 }, { 5e-324 }, { 1.7976931348623157e308 },
  { 2 ^ 53 }, { -2.5 }, { 123456789012345678 }, { 0 },
}, function(row)
  local text = json.encode({ x = row[1] })
  T.eq(json.decode(text).x, row[1], text)
  T.eq(cjson.decode(text).x, row[1], "plain cjson reads it too")
end)

T.test("numbers use 17 significant digits", function()
  T.eq(json.encode(0.1), "0.10000000000000001")
  T.eq(json.encode(3), "3")
  T.eq(json.encode(-0.0), "0")
end)

T.test("64-bit integers: numbers up to 2^53, decimal strings above", function()
  T.eq(json.encode(9007199254740992ULL), "9007199254740992")
  T.eq(json.encode(9007199254740993ULL), '"9007199254740993"')
  T.eq(json.encode(18446744073709551615ULL), '"18446744073709551615"')
  T.eq(json.encode(-5LL), "-5")
end)

T.test("NaN and infinities: null plus the nonfinite list, restored on decode", function()
  local text = json.encode({ a = 0 / 0, b = math.huge, c = -math.huge, d = 1 })
  local plain = cjson.decode(text)
  T.eq(plain.a, cjson.null); T.eq(plain.d, 1)
  T.eq(table.concat(plain.nonfinite, ","), "a,b,c")
  local v = json.decode(text)
  T.ok(v.a ~= v.a, "NaN back"); T.eq(v.b, math.huge); T.eq(v.c, -math.huge)
  T.eq(v.nonfinite, nil, "bookkeeping removed")
  local arr = json.decode(json.encode({ 1, 0 / 0, 3 }))
  T.eq(arr[1], 1); T.ok(arr[2] ~= arr[2]); T.eq(arr[3], 3)
end)

T.rows("strings round-trip, slashes unescaped", {
  { 'q"uo\\te\nline\t\1 é' }, { "a/b" }, { "\\/" }, { "\\\\/x/" }, { "/" }, { "" },
}, function(row)
  local text = json.encode({ s = row[1] })
  T.eq(json.decode(text).s, row[1], text)
  T.eq(cjson.decode(text).s, row[1], text)
end)

T.test("slashes are written plainly", function()
  T.eq(json.encode({ p = "results/sweep.json" }), '{"p":"results/sweep.json"}')
end)

T.test("keys ordered as asked then sorted", function()
  T.eq(json.encode({ b = 1, a = 2, z = 3 }, { "z" }), '{"z":3,"a":2,"b":1}')
  T.eq(json.encode({}), "[]")
  T.eq(json.encode(json.object()), "{}")
  T.eq(json.encode({ true, false, "x" }), '[true,false,"x"]')
end)

T.test("a rep row round-trips through a file (seed above 2^53, NaN)", function()
  local row = { row = "rep", kernel = "c.scalar", n = 1000, seed = 2 ^ 60 + 1ULL, rep = 0,
    hits = 785, estimate = 3.14, abs_err = 0.0015926535897932, z = 0 / 0, seconds = 1.25e-6 }
  local lines = assert(json.lines(tmp))
  assert(lines:write(row)); assert(lines:write(row)); assert(lines:close())
  local back = assert(json.decode_lines(assert(json.read_file(tmp))))
  T.eq(#back, 2)
  local r = back[2]
  T.eq(r.seed, "1152921504606846977", "seed kept as exact digits")
  for _, k in ipairs{ "kernel", "n", "rep", "hits", "estimate", "abs_err", "seconds" } do T.eq(r[k], row[k], k) end
  T.ok(r.z ~= r.z, "NaN z")
end)

T.test("write_file is atomic and reports unwritable paths", function()
  assert(json.write_file(tmp, "one"))
  T.eq(json.read_file(tmp), "one")
  local ok, err = json.write_file("/nonexistent-dir/x.json", "{}")
  T.eq(ok, nil)
  T.ok(err:find("cannot write '/nonexistent-dir/x.json'", 1, true), err)
  local lines, lerr = json.lines("/nonexistent-dir/x.jsonl")
  T.eq(lines, nil); T.ok(lerr:find("cannot write", 1, true))
  local v, rerr = json.read_file("/nonexistent-dir/x.json")
  T.eq(v, nil); T.ok(rerr:find("cannot read", 1, true))
end)

T.test("a full disk is an error from write, not a crash", function()
  local fh = io.open("/dev/full", "w")
  if not fh then return end  -- no /dev/full on this system
  fh:close()
  local lines = assert(json.lines("/dev/full"))
  local ok, err = lines:write({ a = 1 })
  T.eq(ok, nil)
  T.ok(err:find("No space left", 1, true), err)
  lines:close()
end)

T.rows("bad input", {
  { "cannot encode value: a function", function() return json.encode(print) end },
  { "object key", function() return json.encode({ [true] = 1 }) end },
  { "json text must be a string", function() return json.decode(5) end },
  { "path must be a non-empty string", function() return json.write_file("", "x") end },
}, function(row) T.raises(row[1], row[2]) end)

T.test("malformed JSON returns nil and cjson's message", function()
  local v, err = json.decode("{bad")
  T.eq(v, nil); T.ok(type(err) == "string" and #err > 0)
  local l, lerr = json.decode_lines('{"a":1}\n{oops}\n')
  T.eq(l, nil); T.ok(lerr:find("line 2", 1, true), lerr)
end)

os.remove(tmp)
T.done()
