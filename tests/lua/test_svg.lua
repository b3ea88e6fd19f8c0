-- mcpi.svg: escaping, number formatting, elements and documents.
local T = dofile("tests/harness.lua")
local svg = require "mcpi.svg"

T.rows("escape", {
  { "plain", "plain" },
  { "a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;" },
  { "tab\tnl\nok", "tab\tnl\nok" },
  { "bell\7nul\0esc\27", "bellnulesc" },             -- XML 1.0 forbids these: dropped
  { "caf\195\169 \206\188s", "caf\195\169 \206\188s" }, -- valid UTF-8 kept
  { "bad\255byte\195", "bad\239\191\189byte\239\191\189" }, -- stray bytes -> U+FFFD
  { "\226\130", "\239\191\189\239\191\189" },         -- truncated sequence
}, function(r) T.eq(svg.escape(r[1]), r[2]) end)

T.test("escape: numbers pass, other types raise", function()
  T.eq(svg.escape(1.5), "1.5")
  T.raises("expected a string, got table", svg.escape, {})
  T.raises("expected a string, got nil", svg.escape, nil)
end)

T.rows("num", {
  { 0, "0" }, { -0.0, "0" }, { 1, "1" }, { 1.006, "1.01" }, { 12.345, "12.35" }, { 12.3, "12.3" },
  { -0.001, "0" }, { -2.5, "-2.5" }, { 123456789, "123456789" }, { 0.125, "0.13" },
}, function(r) T.eq(svg.num(r[1]), r[2], tostring(r[1])) end)

T.test("num: non-finite and non-numbers raise", function()
  T.raises("non-finite coordinate", svg.num, 0 / 0)
  T.raises("non-finite coordinate", svg.num, math.huge)
  T.raises("non-finite coordinate", svg.num, -math.huge)
  T.raises("expected a number, got string", svg.num, "1")
end)

T.test("element: sorted attributes, escaping, empty and text forms", function()
  T.eq(svg.element("rect", { y = 2, x = 1.5, fill = "a&b" }), '<rect fill="a&amp;b" x="1.5" y="2"/>')
  T.eq(svg.element("text", { x = 1 }, "a<b"), '<text x="1">a&lt;b</text>')
  T.eq(svg.element("text", nil, nil, "<tspan>3</tspan>"), "<text><tspan>3</tspan></text>")
  T.eq(svg.element("g", { a = false, b = nil, c = "" }), '<g c=""/>')
  T.raises("bad element name", svg.element, "a b")
  T.raises("bad element name", svg.element, nil)
end)

T.test("path", function()
  T.eq(svg.path({ { 1, 2 }, { 3.333, 4 } }), "M1 2 L3.33 4")
  T.eq(svg.path({}), "")
end)

T.test("doc: nesting, close, finish closes what is open", function()
  local d = svg.doc(100, 50, { title = "t<1>" })
  d:open("g", { id = "a" }):el("circle", { r = 1 })
  local s = d:finish()
  T.ok(s:find('^<svg xmlns="http://www.w3.org/2000/svg"'), "root element")
  T.ok(s:find('viewBox="0 0 100 50"', 1, true), "viewBox")
  T.ok(s:find("<title>t&lt;1&gt;</title>", 1, true), "escaped title")
  T.ok(s:find('<g id="a">\n<circle r="1"/>\n</g>\n</svg>\n$'), "closed in order")
  T.raises("close() without open()", function() svg.doc(1, 1):close() end)
  T.raises("width and height must be positive", svg.doc, 0, 10)
  T.raises("width and height must be positive", svg.doc, "1", 10)
end)

T.test("doc: hostile strings still give well-formed XML (xmllint)", function()
  local d = svg.doc(200, 100, { title = "\0\1<>&'\"\255" })
  d:el("text", { x = 1, y = 20, ["data-k"] = "]]><!--" }, "<!-- & ]]> \226\128\166 \127")
  local tmp = os.tmpname()
  local fh = assert(io.open(tmp, "w")); fh:write(d:finish()); fh:close()
  local ok = os.execute("xmllint --noout " .. tmp .. " 2>/dev/null")
  os.remove(tmp)
  T.ok(ok == 0 or ok == true, "xmllint accepts it (needs xmllint: sh vendor/fetch.sh --tools)")
end)

T.done()
