-- mcpi.plot: axes, data collection, chart contents checked against known
-- values (tick labels, point pixel positions, speed-ups), and the Lua API's
-- handling of bad input.
local T = dofile("tests/harness.lua")
local plot = require "mcpi.plot"

local function load(path) return assert(plot.read(path)) end

-- Every <TAG ...> element of an SVG text as a table of its attributes.
local function elements(text, tag)
  local out = {}
  for attrs in text:gmatch("<" .. tag .. "%s([^>]*)>") do
    local a = {}
    for k, v in attrs:gmatch('([%w_:%-]+)="([^"]*)"') do a[k] = v end
    out[#out + 1] = a
  end
  return out
end

-- The axis groups: { x = {ticks = {value -> pos}, labelled = {value -> label markup}}, y = ... }
local function axes(text)
  local ax = {}
  local xs = text:find('<g class="axis x"', 1, true)
  local ys = text:find('<g class="axis y"', 1, true)
  local ye = ys and text:find('class="lab"', ys, true)
  local chunks = { x = xs and text:sub(xs, ys or ye or #text) }
  if ys then chunks.y = text:sub(ys, ye or #text) end
  for which, body in pairs(chunks) do
    local a = { ticks = {}, labels = {} }
    for pos, value, inner in body:gmatch('<g class="tick" data%-pos="([^"]*)" data%-value="([^"]*)">(.-)</g>') do
      -- attributes are sorted: data-pos comes before data-value
      a.ticks[tonumber(pos)] = tonumber(value)
      local label = inner:match("<text[^>]*>(.-)</text>")
      if label then a.labels[tonumber(pos)] = label end
    end
    ax[which] = a
  end
  return ax
end

-- Expected pixel of v on a log axis, from two labelled decade ticks only.
local function pixel(ax, v)
  local pts = {}
  for pos, value in pairs(ax.ticks) do
    local k = math.log10(value)
    if math.abs(k - math.floor(k + 0.5)) < 1e-9 and ax.labels[pos] then pts[#pts + 1] = { k, pos } end
  end
  table.sort(pts, function(a, b) return a[1] < b[1] end)
  assert(#pts >= 2, "fewer than two decade ticks")
  local a, b = pts[1], pts[#pts]
  return a[2] + (math.log10(v) - a[1]) / (b[1] - a[1]) * (b[2] - a[2])
end

local function charts_by_name(t, opts)
  local charts, notes = assert(plot.charts(t, opts))
  local by = {}
  for _, c in ipairs(charts) do by[c.name] = c.svg end
  return by, notes, charts
end

-- -- Axes --------------------------------------------------------------------

T.test("log_axis: decades 10^1..10^8 labelled, mapped linearly in log10", function()
  local ax = plot.log_axis(10, 1e8, 100, 800)
  local labelled = {}
  for _, t in ipairs(ax.ticks) do
    if t.label then labelled[#labelled + 1] = t.value end
    T.near(t.pos, 100 + (math.log10(t.value) - ax.lo) / (ax.hi - ax.lo) * 700, 1e-9, "pos")
  end
  T.eq(#labelled, 8)
  for i = 1, 8 do T.near(labelled[i], 10 ^ i, 10 ^ i * 1e-12, "tick " .. i) end
  T.ok(ax.map(10) > 100 and ax.map(1e8) < 800, "data inside the padded domain")
  T.near(ax.map(1e4) - ax.map(1e3), ax.map(1e8) - ax.map(1e7), 1e-9, "equal decades")
end)

T.test("log_axis: tick labels are 10 with a superscript exponent", function()
  local ax = plot.log_axis(1e-3, 1, 0, 100)
  local labels = {}
  for _, t in ipairs(ax.ticks) do if t.label then labels[#labels + 1] = t.label end end
  T.eq(labels[1], '10<tspan dy="-0.55em" font-size="72%">&#8722;3</tspan>')
  T.eq(labels[#labels], '10<tspan dy="-0.55em" font-size="72%">0</tspan>')
end)

T.rows("log_axis: narrow, single and huge ranges still get >= 2 labels, <= 10", {
  { 2e6, 5e6 }, { 1e5, 1e5 }, { 3.3, 3.4 }, { 1e-30, 1e30 }, { 7e-9, 2e-7 },
}, function(r)
  local ax = plot.log_axis(r[1], r[2], 0, 500)
  local n = 0
  for _, t in ipairs(ax.ticks) do if t.label then n = n + 1 end end
  T.ok(n >= 2 and n <= 10, "labelled ticks: " .. n)
  T.ok(ax.map(r[1]) > 0 and ax.map(r[2]) < 500, "data inside the axis")
end)

T.rows("log_axis: bad ranges raise", {
  { 0, 10 }, { -1, 10 }, { 0 / 0, 1 }, { 1, math.huge }, { "1", 10 },
}, function(r)
  T.raises("must be positive finite numbers", plot.log_axis, r[1], r[2], 0, 1)
end)

-- -- Formatting --------------------------------------------------------------

T.rows("si", {
  { 27.7e9, "27.7 G" }, { 62e6, "62.0 M" }, { 517e6, "517 M" }, { 1, "1.00" }, { 0, "0" },
  { 1.5e-6, "1.50 \194\181" }, { 0 / 0, "n/a" }, { -2500, "-2.50 k" },
}, function(r) T.eq(plot.si(r[1]), r[2]) end)

T.rows("duration", {
  { 1.61, "1.61 s" }, { 372e-9, "372 ns" }, { 2.31e-6, "2.31 \194\181s" }, { 0.0165, "16.5 ms" },
  { math.huge, "n/a" },
}, function(r) T.eq(plot.duration(r[1]), r[2]) end)

T.rows("ntext", {
  { 1e6, "10\226\129\182" }, { 10, "10\194\185" }, { 1, "10\226\129\176" }, { 1234, "1234" }, { 2.5e6, "2500000" },
}, function(r) T.eq(plot.ntext(r[1]), r[2]) end)

T.rows("truncate is UTF-8 aware", {
  { "abc", 5, "abc" }, { "abcdef", 4, "abc\226\128\166" }, { "\206\188\206\188\206\188\206\188", 3, "\206\188\206\188\226\128\166" },
}, function(r) T.eq(plot.truncate(r[1], r[2]), r[3]) end)

T.rows("file_part", {
  { "c.avx2", "c.avx2" }, { "my kernel/x", "my_kernel_x" }, { "..up", "_up" }, { "\195\169", "__" },
}, function(r) T.eq(plot.file_part(r[1]), r[2]) end)

-- -- Reading and collecting --------------------------------------------------

T.rows("check: wrong tables are refused with a reason", {
  { 5, "expected a JSON object" }, { {}, "no schema field" }, { { schema = "x/1", results = {} }, "schema 'x/1' is not supported" },
  { { schema = "mcpi/1" }, "no results array" }, { { schema = "mcpi/1", results = {} }, "results array is empty" },
  { { schema = 3, results = { 1 } }, "no schema field" },
}, function(r)
  local ok, err = plot.check(r[1])
  T.eq(ok, nil)
  T.ok(err:find(r[2], 1, true), err)
end)

T.rows("read: files that are not results", {
  { "tests/data/nonexistent.json", "cannot open 'tests/data/nonexistent.json': No such file", 2 },
  { "tests/data/plot_notjson.json", "is not JSON", 1 },
  { "tests/data/plot_badschema.json", "schema 'other/2' is not supported (expected 'mcpi/1')", 1 },
  { "tests/data/plot_empty.json", "results array is empty", 1 },
  { "tests/data", "tests/data", 2 },
}, function(r)
  local t, err, code = plot.read(r[1])
  T.eq(t, nil)
  T.ok(err:find(r[2], 1, true), err)
  T.eq(code, r[3], "code")
end)

T.test("read: bad argument raises", function()
  T.raises("plot.read: path must be a string", plot.read, 5)
end)

T.test("collect: summary rows preferred, rep rows fill the gaps", function()
  local t = { schema = "mcpi/1", results = {
    { row = "rep", kernel = "k", n = 100, seconds = 1, abs_err = 3, samples_per_s = 100 },
    { row = "rep", kernel = "k", n = 100, seconds = 3, abs_err = 4, samples_per_s = 33 },
    { row = "summary", kernel = "k", n = 100, seconds_median = 5 },
    { row = "rep", kernel = "k", n = 10, seconds = 2, abs_err = 0.5 },
    { row = "rep", kernel = "k", n = 10, seconds = 4, abs_err = 0.5 },
    { row = "rep", kernel = "k", n = 10, seconds = 9, abs_err = 0.5 },
  } }
  local S = assert(plot.collect(t))
  T.eq(#S.kernels, 1)
  local p10, p100 = S.kernels[1].points[1], S.kernels[1].points[2]
  T.eq(p10.n, 10); T.eq(p100.n, 100)
  T.eq(p100.t, 5, "summary median wins")
  T.eq(p100.med, 3.5, "median |err| from reps")
  T.near(p100.rms, math.sqrt((9 + 16) / 2), 1e-12, "rms from reps")
  T.eq(p100.sps, (100 + 33) / 2, "samples/s median from reps")
  T.eq(p10.t, 4, "odd median")
  T.near(p10.sps, 10 / 4, 1e-12, "samples/s from n / t when reps lack it")
  T.near(p10.sigma, 4 * math.sqrt(math.pi / 4 * (1 - math.pi / 4) / 10), 1e-12, "sigma_theory default")
  T.eq(p10.t_lo, nil, "no CI invented")
end)

T.test("collect: string n, nulls, nonfinite, junk rows -> notes, never a crash", function()
  local S = assert(plot.collect(load("tests/data/plot_missing.json")))
  local names = {}
  for _, k in ipairs(S.kernels) do names[#names + 1] = k.name end
  T.eq(table.concat(names, ","), "lua.philox,c.simd")
  T.eq(S.kernels[1].points[1].n, 100, "n given as a string")
  T.eq(S.kernels[1].points[1].t, 5.1e-7)
  local notes = table.concat(S.notes, "|")
  T.ok(notes:find("2 rows without a kernel name or a positive n skipped", 1, true), notes)
  T.ok(notes:find("1 result entry that is not an object skipped", 1, true), notes)
  T.ok(notes:find("1 row of unknown kind skipped", 1, true), notes)
  local N = assert(plot.collect(load("tests/data/plot_nan.json")))
  notes = table.concat(N.notes, "|")
  T.ok(notes:find("11 non-finite values", 1, true), notes)
  T.ok(notes:find("no finite values for kernel c.bad", 1, true), notes)
end)

T.test("collect: nothing plottable is an error, not an empty chart set", function()
  local S, err = plot.collect(load("tests/data/plot_norows.json"))
  T.eq(S, nil)
  T.ok(err:find("no plottable rows", 1, true), err)
end)

T.test("pareto: the points nothing beats on both axes", function()
  local f = plot.pareto({ { x = 1, y = 5 }, { x = 3, y = 4 }, { x = 2, y = 3 }, { x = 4, y = 1 }, { x = 5, y = 1 } })
  local s = {}
  for i, p in ipairs(f) do s[i] = p.x .. ":" .. p.y end
  T.eq(table.concat(s, " "), "1:5 2:3 4:1")
end)

-- -- Known values: ticks and point positions ---------------------------------

local known = load("tests/data/plot_known.json")
local K = charts_by_name(known)

T.test("chart set: the four overviews and two per kernel", function()
  local want = { "time_all.svg", "error_all.svg", "throughput.svg", "front.svg",
    "time_k.slow.svg", "error_k.slow.svg", "time_k.fast.svg", "error_k.fast.svg" }
  local n = 0
  for _ in pairs(K) do n = n + 1 end
  T.eq(n, #want)
  for _, w in ipairs(want) do T.ok(K[w], w) end
end)

T.test("time_all: tick labels at the decades of the data", function()
  local ax = axes(K["time_all.svg"])
  local xs, ys = {}, {}
  for pos, label in pairs(ax.x.labels) do xs[#xs + 1] = ax.x.ticks[pos] end
  for pos, label in pairs(ax.y.labels) do ys[#ys + 1] = ax.y.ticks[pos] end
  table.sort(xs); table.sort(ys)
  T.eq(table.concat(xs, ","), "1000,10000,100000,1000000,10000000", "x: N from 10^3 to 10^7")
  T.eq(table.concat(ys, ","), "1e-06,1e-05,0.0001,0.001,0.01", "y: time from 10^-6 to 10^-2")
  for pos, label in pairs(ax.x.labels) do
    local k = math.floor(math.log10(ax.x.ticks[pos]) + 0.5)
    T.eq(label, '10<tspan dy="-0.55em" font-size="72%">' .. k .. "</tspan>", "x label")
  end
  for pos, label in pairs(ax.y.labels) do
    local k = math.floor(math.log10(ax.y.ticks[pos]) + 0.5)
    T.eq(label, '10<tspan dy="-0.55em" font-size="72%">&#8722;' .. -k .. "</tspan>", "y label")
  end
end)

T.test("time_all: every point sits where the axes say its value is", function()
  local text = K["time_all.svg"]
  local ax = axes(text)
  local pts = elements(text, "use")
  local want = {}
  for _, r in ipairs(known.results) do want[r.kernel .. "@" .. r.n] = r.seconds_median end
  local seen = 0
  for _, p in ipairs(pts) do
    if p.class == "pt" then
      seen = seen + 1
      local n, t = tonumber(p["data-x"]), tonumber(p["data-y"])
      local key
      for k, v in pairs(want) do
        if k:match("@(.*)$") == tostring(n) and v == t then key = k end
      end
      T.ok(key, "data point " .. tostring(n) .. "," .. tostring(t) .. " comes from the file")
      T.near(tonumber(p.x), pixel(ax.x, n), 0.02, "x pixel of N=" .. n)
      T.near(tonumber(p.y), pixel(ax.y, t), 0.02, "y pixel of t=" .. t)
    end
  end
  T.eq(seen, 7, "one marker per (kernel, N)")
  -- a point whose values are decades sits exactly on the two decade ticks
  local at
  for pos, v in pairs(ax.x.ticks) do if v == 1000 then at = pos end end
  local hit = false
  for _, p in ipairs(pts) do
    if p["data-x"] == "1000" and p["data-y"] == "1.0000000000000001e-05" then
      T.near(tonumber(p.x), at, 0.01, "N=10^3 on its tick")
      hit = true
    end
  end
  T.ok(hit, "the k.slow point at N=10^3, 10^-5 s is drawn")
end)

T.test("time per kernel: CI whiskers span the file's CI; the fit is drawn", function()
  local text = K["time_k.slow.svg"]
  local ax = axes(text)
  local ci = {}
  for d in text:gmatch('<path class="ci" d="([^"]*)" data%-hi="[^"]*" data%-lo="[^"]*"') do ci[#ci + 1] = d end
  T.eq(#ci, 4, "four whiskers")
  local x, y1, y2 = ci[1]:match("^M(%S+) (%S+) V(%S+)")
  T.near(tonumber(y1), pixel(ax.y, 9e-6), 0.02, "whisker low end")
  T.near(tonumber(y2), pixel(ax.y, 1.1e-5), 0.02, "whisker high end")
  T.near(tonumber(x), pixel(ax.x, 1000), 0.02, "whisker at N=10^3")
  T.ok(text:find('class="fit"', 1, true), "fit line drawn")
  T.ok(not K["time_k.fast.svg"]:find('class="fit"', 1, true), "no fit line without a fit")
end)

-- The time chart of k.slow under fits, its axes, and the fit path's first
-- and last points (pixels).
local function fit_ends(t)
  local text = charts_by_name(t)["time_k.slow.svg"]
  local d = text:match('<path class="fit" clip%-path="[^"]*" d="([^"]*)"')
  T.ok(d, "fit path")
  local x1, y1 = d:match("^M(%S+) (%S+)")
  local x2, y2 = d:match("L(%S+) (%S+)$")
  return text, axes(text), tonumber(x1), tonumber(y1), tonumber(x2), tonumber(y2)
end

T.test("fit line spans the fit's n_min..n_max, not beyond", function()
  local t = load("tests/data/plot_known.json")
  t.fits = { { kernel = "k.slow", metric = "seconds", a = 1e-8, b = 1, r2 = 1, n_points = 3, n_min = 1e4, n_max = 1e5 } }
  local _, ax, x1, y1, x2, y2 = fit_ends(t)
  T.near(x1, pixel(ax.x, 1e4), 0.02, "starts at n_min")
  T.near(x2, pixel(ax.x, 1e5), 0.02, "ends at n_max")
  T.near(y1, pixel(ax.y, 1e-4), 0.02, "a*n_min^b")
  T.near(y2, pixel(ax.y, 1e-3), 0.02, "a*n_max^b")
end)

T.test("time chart: the affine fit t0 + c*N is preferred, drawn through its values", function()
  local t = load("tests/data/plot_known.json")
  t.fits = {
    { kernel = "k.slow", metric = "seconds", model = "power", a = 1e-8, b = 1, r2 = 1, n_points = 3, n_min = 1e4, n_max = 1e5 },
    { kernel = "k.slow", metric = "seconds", model = "affine", t0 = 1e-5, c = 1e-8, r2 = 0.99, n_points = 3,
      n_min = 1e4, n_max = 1e5 } }
  local text, ax, _, y1, _, y2 = fit_ends(t)
  T.near(y1, pixel(ax.y, 1e-5 + 1e-4), 0.02, "t0 + c*n_min")
  T.near(y2, pixel(ax.y, 1e-5 + 1e-3), 0.02, "t0 + c*n_max")
  T.ok(text:find("fit t\226\130\128 + c\194\183N", 1, true), "legend names the model")
  T.ok(text:find("  c = 10 ns", 1, true), "legend gives c in ns")
  -- an affine fit with no positive cost per sample is not drawn: the power law is
  t.fits[2].c = -1e-9
  text = charts_by_name(t)["time_k.slow.svg"]
  T.ok(text:find("fit \226\136\157 N^1.00", 1, true), "falls back to the power law")
end)

T.test("error_all: RMS points and the 1.64/sqrt(N) line through its value", function()
  local text = K["error_all.svg"]
  local ax = axes(text)
  local n = 0
  for _, p in ipairs(elements(text, "use")) do
    if p.class == "pt" then
      n = n + 1
      T.near(tonumber(p.y), pixel(ax.y, tonumber(p["data-y"])), 0.02)
    end
  end
  T.eq(n, 7)
  local d = text:match('<path class="theory" clip%-path="[^"]*" d="([^"]*)"')
  T.ok(d, "theory line")
  -- its first vertex: x at the left edge of the domain; y = 1.64/sqrt(N) there
  local px, py = d:match("^M(%S+) (%S+)")
  local lo = tonumber(text:match('<g class="axis x" data%-hi="[^"]*" data%-lo="([^"]*)"'))
  T.near(tonumber(py), pixel(ax.y, 4 * math.sqrt(math.pi / 4 * (1 - math.pi / 4)) / math.sqrt(lo)), 0.05)
end)

T.test("throughput: largest common N, speed-up over the slowest kernel", function()
  local text = K["throughput.svg"]
  local bars = {}
  for a in text:gmatch('<g class="bar" ([^>]*)>') do
    local b = {}
    for k, v in a:gmatch('([%w%-]+)="([^"]*)"') do b[k] = v end
    bars[b["data-kernel"]] = b
  end
  T.eq(bars["k.fast"]["data-n"], "1000000", "largest N both kernels ran")
  T.eq(bars["k.slow"]["data-n"], "1000000")
  T.near(tonumber(bars["k.fast"]["data-speedup"]), 10, 1e-12)
  T.near(tonumber(bars["k.slow"]["data-speedup"]), 1, 1e-12)
  T.ok(text:find("1.00 G samples/s  \195\15110.0", 1, true), "speed-up written on the bar")
  T.ok(text:find("100 M samples/s  (baseline)", 1, true), "baseline marked")
  local by = charts_by_name(known, { baseline = "k.fast" })
  T.ok(by["throughput.svg"]:find("100 M samples/s  \195\1510.10", 1, true), "--baseline k.fast")
end)

T.test("throughput: unknown baseline is an error naming the kernels", function()
  local c, err = plot.charts(known, { baseline = "k.fsat" })
  T.eq(c, nil)
  T.ok(err:find("baseline 'k.fsat' has no throughput value in these results (did you mean 'k.fast'?", 1, true), err)
end)

T.test("front: the Pareto points are labelled with their N", function()
  local text = K["front.svg"]
  local pts = 0
  for _, p in ipairs(elements(text, "use")) do if p.class == "pt" then pts = pts + 1 end end
  T.eq(pts, 7)
  T.ok(text:find('<g class="front">', 1, true), "front line")
end)

T.test("zero |error| values are left out and counted in a note", function()
  local by = charts_by_name(load("tests/data/plot_nan.json"))
  local text = by["error_lua.jit.svg"]
  T.ok(text:find("note: 4 values with |error| = 0 not shown (log scale)", 1, true), "note")
  for _, p in ipairs(elements(text, "use")) do
    if p.class == "pt" then T.ok(tonumber(p["data-y"]) > 0, "no zero on a log axis") end
  end
end)

T.test("one kernel, one N: every chart is produced", function()
  local by = charts_by_name(load("tests/data/plot_one.json"))
  for _, name in ipairs({ "time_all.svg", "error_all.svg", "throughput.svg", "front.svg",
      "time_c.scalar.svg", "error_c.scalar.svg" }) do
    T.ok(by[name] and by[name]:find("</svg>\n$"), name)
  end
end)

T.test("charts: ids unique under a prefix (for the report)", function()
  local _, _, charts = charts_by_name(known, { id_prefix = "z-" })
  local seen = {}
  for _, c in ipairs(charts) do
    for id in c.svg:gmatch(' id="([^"]*)"') do
      T.ok(id:sub(1, 2) == "z-", id)
      T.ok(not seen[id], "duplicate id " .. id)
      seen[id] = true
    end
  end
end)

-- -- The Lua API: plot.write -------------------------------------------------

local tmp = io.popen("mktemp -d"):read("*l")

T.test("write: files in a new nested directory, paths returned", function()
  local dir = tmp .. "/a/b"
  local paths, notes = assert(plot.write(known, dir))
  T.eq(#paths, 8)
  T.eq(paths[1], dir .. "/time_all.svg")
  for _, p in ipairs(paths) do
    local fh = assert(io.open(p)); local s = fh:read("*a"); fh:close()
    T.ok(s:find("^<svg") and s:find("</svg>\n$"), p)
  end
  T.eq(type(notes), "table")
  T.eq(io.open(dir .. "/time_all.svg.tmp"), nil, "no temporary left behind")
end)

T.rows("write: misuse raises", {
  { { nil, "/tmp" }, "plot.write: results must be a table, got nil" },
  { { known, 5 }, "plot.write: dir must be a directory name, got number" },
  { { known, "" }, "plot.write: dir must be a directory name, got ''" },
  { { known, tmp, "x" }, "plot.write: opts must be a table" },
  { { known, tmp, { baseline = 5 } }, "opts.baseline must be a kernel name (string), got number" },
}, function(r)
  T.raises(r[2], plot.write, r[1][1], r[1][2], r[1][3])
end)

T.test("write: unwritable place and bad data return nil, err", function()
  local fh = assert(io.open(tmp .. "/file", "w")); fh:close()
  local ok, err = plot.write(known, tmp .. "/file/sub")
  T.eq(ok, nil)
  T.ok(err:find("cannot create directory '" .. tmp .. "/file/sub': Not a directory", 1, true), err)
  ok, err = plot.write(known, tmp .. "/file")
  T.eq(ok, nil)
  T.ok(err:find("cannot write into", 1, true), err)
  ok, err = plot.write({ schema = "mcpi/1", results = { { row = "rep" } } }, tmp .. "/x")
  T.eq(ok, nil)
  T.ok(err:find("no plottable rows", 1, true), err)
end)

T.test("charts: misuse raises", function()
  T.raises("plot.charts: results must be a table", plot.charts, "x")
  T.raises("plot.charts: opts must be a table", plot.charts, known, 1)
end)

T.test("loading the module registers `mcpi plot`; mcpi.plot is lazy", function()
  T.eq(require("mcpi").plot, plot)
end)

os.execute("rm -rf '" .. tmp .. "'")
T.done()
