-- mcpi.compare on results built in memory: ratios, verdicts, threshold,
-- geometric means, hit differences, context differences, BMF, bad input.
local T = dofile("tests/harness.lua")
local results = require "mcpi.results"
local bmf = require "mcpi.bmf"

-- A run: for each {kernel, n, {seconds...}} rep rows with seeds 1, 2, ...
local function run(points, ctx, hits)
  local rows = {}
  for _, p in ipairs(points) do
    for r, s in ipairs(p[3]) do
      rows[#rows + 1] = { row = "rep", kernel = p[1], n = p[2], rep = r - 1, seed = r, seconds = s,
        stream = "philox", hits = (hits and hits[r]) or 100 + r }
    end
  end
  return results.new{ rows = rows, summary = {}, context = ctx or {} }
end

local SAME = { 1.0, 1.01, 0.99, 1.02, 0.98, 1.0 }
local SLOW = { 2.0, 2.02, 1.98, 2.04, 1.96, 2.0 }
local BIT = { 1.03, 1.04, 1.02, 1.05, 1.01, 1.03 }  -- 3% slower, significant

T.test("verdicts: no change, slower beyond the threshold, slower within it, faster", function()
  local old = run{ { "a.x", 10, SAME }, { "b.x", 10, SAME }, { "c.x", 10, SAME }, { "d.x", 10, SLOW } }
  local new = run{ { "a.x", 10, SAME }, { "b.x", 10, SLOW }, { "c.x", 10, BIT }, { "d.x", 10, SAME } }
  local c = assert(mcpi.compare(old, new))
  local v = {}
  for _, p in ipairs(c.points) do v[p.kernel] = p end
  T.eq(v["a.x"].verdict, "no change"); T.eq(v["a.x"].ratio, 1)
  T.eq(v["b.x"].verdict, "slower"); T.eq(v["b.x"].regression, true); T.eq(v["b.x"].ratio, 2)
  T.ok(v["b.x"].p_value < 0.01, "p " .. v["b.x"].p_value)
  T.ok(v["b.x"].ratio_lo <= 2 and v["b.x"].ratio_hi >= 2)
  T.eq(v["c.x"].verdict, "slower"); T.eq(v["c.x"].regression, nil, "3% < threshold 5%")
  T.eq(v["d.x"].verdict, "faster")
  T.eq(c.regressions, 1); T.eq(c.code, 1)
  T.near(c.overall.geomean_ratio, (1 * 2 * 1.03 * 0.5) ^ 0.25, 1e-9)
  T.ok(c:text():find("regression: b.x at N=10 is 2.000x slower", 1, true), c:text())
  -- a threshold of 150% lets the 2x through
  T.eq(assert(mcpi.compare(old, new, { threshold = 150 })).code, 0)
  -- and threshold 1 catches the 3%
  T.eq(assert(mcpi.compare(old, new, { threshold = 1 })).regressions, 2)
end)

T.test("hit differences on the philox stream, seed by seed", function()
  local old = run({ { "a.x", 10, SAME } })
  local new = run({ { "a.x", 10, SAME } }, nil, { 101, 102, 999 })
  local c = assert(mcpi.compare(old, new))
  T.eq(c.points[1].hit_differences, 1)
  T.eq(c.points[1].hit_example, "seed 3: 103 -> 999 hits")
  T.eq(c.code, 1)
end)

T.test("context differences listed; same context lists none", function()
  local ctx1 = { cpu_model = "A", compiler = "gcc 12", git_commit = "abc", load_avg_1m = 0.1, cores = 2, date = "x" }
  local ctx2 = { cpu_model = "B", compiler = "gcc 12", git_commit = "abd", load_avg_1m = 1.9, cores = 2, date = "y" }
  local c = assert(mcpi.compare(run({ { "a.x", 10, SAME } }, ctx1), run({ { "a.x", 10, SAME } }, ctx2)))
  local f = {}
  for _, d in ipairs(c.context_differences) do f[#f + 1] = d.field end
  T.eq(table.concat(f, ","), "cpu_model,git_commit,load_avg_1m")
  c = assert(mcpi.compare(run({ { "a.x", 10, SAME } }, ctx1), run({ { "a.x", 10, SAME } }, ctx1)))
  T.eq(#c.context_differences, 0)
end)

T.test("no point in common, kernel filter, missing file: nil, err", function()
  local c, err = mcpi.compare(run{ { "a.x", 10, SAME } }, run{ { "a.x", 100, SAME } })
  T.eq(c, nil); T.ok(err:find("no point in common", 1, true), err)
  c, err = mcpi.compare(run{ { "a.x", 10, SAME } }, run{ { "a.x", 10, SAME } }, { kernel = "z.z" })
  T.eq(c, nil); T.ok(err:find("kernel 'z.z' is in neither run", 1, true), err)
  c, err = mcpi.compare("/nonexistent.json", run{ { "a.x", 10, SAME } })
  T.eq(c, nil); T.ok(err:find("nonexistent.json", 1, true), err)
end)

T.test("bad arguments raise naming them", function()
  local r = run{ { "a.x", 10, SAME } }
  T.raises("compare: old must be a results file name or a results object, got number", mcpi.compare, 3, r)
  T.raises("compare: new must be", mcpi.compare, r, {})
  T.raises("compare: threshold must be a percentage >= 0, got -1", mcpi.compare, r, r, { threshold = -1 })
  T.raises("compare: threshold must be a percentage", mcpi.compare, r, r, { threshold = "5" })
  T.raises("compare: opts must be a table", mcpi.compare, r, r, 5)
  T.raises("compare: kernel must be a kernel name or a list", mcpi.compare, r, r, { kernel = 5 })
  T.raises("compare: kernel[1] must be a name", mcpi.compare, r, r, { kernel = { 5 } })
  T.raises("bmf: summary must be a list of rows", bmf.encode, 5)
  T.raises("bmf: path must be a file name", bmf.write, {}, "")
end)

T.test("BMF: latency in ns with the CI as bounds, throughput, speedup", function()
  local doc = bmf.of{ { kernel = "c.simd", n = 1e6, seconds_median = 2e-3, seconds_ci_lo = 1e-3, seconds_ci_hi = 4e-3,
    baseline = "c.scalar", speedup = 8, speedup_lo = 7, speedup_hi = 9 } }
  local b = doc["c.simd/N=1e6"]
  T.eq(b.latency.value, 2e6); T.eq(b.latency.lower_value, 1e6); T.eq(b.latency.upper_value, 4e6)
  T.eq(b.throughput.value, 5e8); T.eq(b.throughput.lower_value, 2.5e8); T.eq(b.throughput.upper_value, 1e9)
  T.eq(b.speedup.value, 8); T.eq(b.speedup.lower_value, 7)
  local back = mcpi.json.decode(bmf.encode{ { kernel = "k.a", n = 10, seconds_median = 1 } })
  T.eq(back["k.a/N=10"].latency.value, 1e9)
  T.eq(back["k.a/N=10"].latency.lower_value, nil)
end)

T.test("speed-up with its CI in the summary rows, table, JSON, CSV, report and sentences", function()
  local res = mcpi.sweep{ kernels = { "c.scalar", "c.simd" }, n = { 1e4 }, reps = 6, quiet = true }
  local s
  for _, r in ipairs(res.summary) do if r.kernel == "c.simd" then s = r end end
  T.eq(s.baseline, "c.scalar")
  T.ok(s.speedup > 0 and s.speedup_lo <= s.speedup and s.speedup <= s.speedup_hi, "speedup inside its CI")
  T.eq(s.speedup_pairs, 6)
  local txt = res:table()
  T.ok(txt:find("VS 95% CI", 1, true), "table column")
  T.ok(txt:find(string.format("%.2f-%.2f", s.speedup_lo, s.speedup_hi), 1, true), "table CI")
  T.ok(txt:find("c.simd is %d+%.%d%dx faster than c.scalar %(95%% CI [%d.]+%-[%d.]+%) at N=10000")
    or txt:find("c.simd vs c.scalar at N=10000: no significant difference", 1, true)
    or txt:find("c.simd is %d+%.%d%dx slower than c.scalar"), "sentence:\n" .. txt)
  local j = res:json()
  T.ok(j:find('"speedup_lo":', 1, true) and j:find('"baseline":"c.scalar"', 1, true), "JSON")
  local path = os.tmpname()
  assert(res:csv(path))
  local head = io.open(path):read("*l")
  os.remove(path)
  T.ok(head:find("baseline,speedup,speedup_lo,speedup_hi", 1, true), "CSV header: " .. head)
  local html = assert(mcpi.report.html(res))
  T.ok(html:find('<h2 id="speedups">Speed-ups</h2>', 1, true), "report section")
  T.ok(html:find(mcpi.paired.sentence(s), 1, true), "report sentence")
end)

T.done()
