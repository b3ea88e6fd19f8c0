-- mcpi.report: the HTML report is one self-contained, well-formed file with
-- the context, the summary table, the fits and every chart inline.
local T = dofile("tests/harness.lua")
local report = require "mcpi.report"
local plot = require "mcpi.plot"

local known = assert(plot.read("tests/data/plot_known.json"))
local tmp = io.popen("mktemp -d"):read("*l")

local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

T.test("html: sections, escaped context, one summary row per (kernel, N)", function()
  local h = assert(report.html(known, { title = "Known <values>", source = "a&b.json" }))
  T.ok(h:find("^<!DOCTYPE html>"), "doctype")
  T.ok(h:find("<h1>Known &lt;values&gt;</h1>", 1, true), "escaped title")
  T.ok(h:find("from <code>a&amp;b.json</code>", 1, true), "escaped source")
  for _, id in ipairs({ "context", "summary", "fits", "charts", "kernels" }) do
    T.ok(h:find('id="' .. id .. '"', 1, true), "section " .. id)
  end
  T.ok(h:find("<code>known &lt;&amp;&gt; &quot;values&quot;</code>", 1, true), "context value escaped")
  local summary = h:match('<table class="summary">(.-)</table>')
  T.eq(count(summary, "<tr"), 1 + 7, "header + 7 (kernel, N) rows")
  T.ok(summary:find('<td class="k">k.slow</td><td>1&#8201;000</td><td>3</td><td>10.0 \194\181s</td>', 1, true),
    "k.slow at N=1000: 3 reps, 10.0 us median")
  local fits = h:match('<table class="fits">(.-)</table>')
  T.eq(count(fits, "<tr"), 2, "header + 1 fit")
  T.ok(fits:find('<td class="k">a = 1e-8, b = 1</td><td>1.0000</td><td>4</td>', 1, true), "fit values")
end)

T.test("html: the affine time fit shows its fixed cost and cost per sample with the interval", function()
  local t = {}
  for k, v in pairs(known) do t[k] = v end
  t.fits = { { kernel = "k.slow", metric = "seconds", model = "affine", t0 = 2.5e-7, c = 6.1e-10,
    c_lo = 6.0e-10, c_hi = 6.25e-10, r2 = 0.99912, n_points = 4 } }
  local h = assert(report.html(t))
  local fits = h:match('<table class="fits">(.-)</table>')
  T.ok(fits:find('<td class="k">t = t0 + c&#183;N</td><td class="k">t0 = 250.0 ns, c = 0.61 ns/sample '
    .. '(95% CI 0.6&#8211;0.625)</td><td>0.9991</td><td>4</td>', 1, true), fits)
end)

T.test("html: every chart inline, no script, nothing fetched, ids unique", function()
  local h = assert(report.html(known))
  T.eq(count(h, "<svg "), 8, "8 inline charts")
  T.ok(not h:find("<script", 1, true), "no JavaScript")
  T.ok(not h:find('src="', 1, true), "no external sources")
  T.ok(not h:find("url%(['\"]?http"), "no remote url()")
  T.ok(not h:find("<link", 1, true), "no linked resources")
  local seen = {}
  for id in h:gmatch(' id="([^"]*)"') do
    T.ok(not seen[id], "duplicate id " .. id)
    seen[id] = true
  end
  for ref in h:gmatch('xlink:href="#([^"]*)"') do T.ok(seen[ref], "dangling reference #" .. ref) end
  for ref in h:gmatch('url%(#([^)]*)%)') do T.ok(seen[ref], "dangling url(#" .. ref .. ")") end
end)

T.test("write: a well-formed (polyglot XHTML) file, xmllint --noout", function()
  local path = tmp .. "/r.html"
  T.eq(report.write(known, path), path)
  local ok = os.execute("xmllint --noout '" .. path .. "'")
  T.ok(ok == 0 or ok == true, "xmllint")
end)

T.test("edge files: notes appear in the report; no fits, no context are said", function()
  local h = assert(report.html(assert(plot.read("tests/data/plot_missing.json"))))
  T.ok(h:find("<li>note: 2 rows without a kernel name or a positive n skipped</li>", 1, true), "note")
  T.ok(h:find("This results file has no fits.", 1, true), "no fits")
  T.ok(h:find("This results file has no context block.", 1, true), "no context")
  h = assert(report.html(assert(plot.read("tests/data/plot_nan.json"))))
  T.ok(h:find("n/a", 1, true), "missing values shown as n/a")
  T.ok(h:find("11 non-finite values", 1, true), "nonfinite note")
end)

T.test("nothing plottable: nil, err", function()
  local h, err = report.html({ schema = "mcpi/1", results = { { row = "rep" } } })
  T.eq(h, nil)
  T.ok(err:find("no plottable rows", 1, true), err)
  local ok, werr = report.write({ schema = "nope", results = {} }, tmp .. "/x.html")
  T.eq(ok, nil)
  T.ok(werr:find("schema 'nope' is not supported", 1, true), werr)
end)

T.rows("misuse raises", {
  { function() return report.html(nil) end, "report.html: results must be a table, got nil" },
  { function() return report.html(known, 5) end, "report.html: opts must be a table" },
  { function() return report.html(known, { title = 5 }) end, "opts.title must be a string, got number" },
  { function() return report.write(known, nil) end, "report.write: path must be a file name, got nil" },
  { function() return report.write(known, "") end, "report.write: path must be a file name, got ''" },
  { function() return report.write("x", "a.html") end, "report.write: results must be a table, got string" },
}, function(r) T.raises(r[2], r[1]) end)

T.test("write: unwritable path returns nil, err", function()
  local ok, err = report.write(known, tmp .. "/no/such/dir/r.html")
  T.eq(ok, nil)
  T.ok(err:find("cannot write '" .. tmp .. "/no/such/dir/r.html': No such file or directory", 1, true), err)
end)

T.test("mcpi.report is lazy in the mcpi module", function()
  T.eq(require("mcpi").report, report)
end)

os.execute("rm -rf '" .. tmp .. "'")
T.done()
