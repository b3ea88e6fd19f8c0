-- Your own metrics (9.5), the answer first (9.6), outputs under one stem
-- and partial results (9.7, library side), mcpi.bench (9.8).
local T = dofile("tests/harness.lua")
local mcpi = require "mcpi"
local files = require "mcpi.files"
local report = require "mcpi.report"

local dir = os.tmpname()
os.remove(dir)
assert(require("mcpi.plot").mkdir(dir))

-- A user decorator adding a metric that differs from rep to rep.
local function util_dec(f)
  local i = 0
  return function(req)
    local r = f(req)
    i = i + 1
    r.cpu_util = 0.5 + (i % 5) / 10
    return r
  end
end

local res = mcpi.sweep{ kernels = { "c.scalar", "lua.philox" }, n = { 1e3, 1e4, 1e5 }, reps = 5,
  quiet = true, decorate = util_dec, json = dir .. "/F.json", show = { "cpu_util" } }

T.test("a decorator's metric is summarised per point: median and 95% CI, JSON, CSV", function()
  for _, s in ipairs(res.summary) do
    T.ok(s.cpu_util_median >= 0.5 and s.cpu_util_median <= 0.9, "median " .. tostring(s.cpu_util_median))
    T.ok(s.cpu_util_ci_lo <= s.cpu_util_median and s.cpu_util_median <= s.cpu_util_ci_hi, "CI")
  end
  local back = assert(mcpi.load(dir .. "/F.json"))
  T.eq(back.summary[1].cpu_util_median, res.summary[1].cpu_util_median, "in the JSON")
  local header = io.open(dir .. "/F.csv"):read("*l")
  T.ok(header:find("cpu_util_median", 1, true) and header:find("cpu_util_ci_lo", 1, true), "in the CSV header")
end)

T.test("show: the table and the report show chosen fields", function()
  local text = res:table()
  T.ok(text:find("CPU_UTIL", 1, true), "column")
  T.ok(text:find("%d%.%d+ %(%d%.%d+%-%d%.%d+%)"), "median (lo-hi) in the table")
  local other = res:table{ show = { "jit_samples" } }
  T.ok(other:find("JIT_SAMPLES", 1, true), "any summary field")
  local html = report.html(res, { show = { "cpu_util" } })
  T.ok(html:find("<th>cpu_util</th>", 1, true), "report column")
end)

T.test("the report leads with the answer: fastest first, speed-ups, accuracy, marks", function()
  local html = report.html(res, { baseline = "lua.philox" })
  local a = html:find('id="answer"', 1, true)
  local charts = html:find('id="charts"', 1, true)
  local details = html:find('id="summary"', 1, true)
  T.ok(a and charts and details and a < charts and charts < details, "answer, then charts, then details")
  local tbl = html:match('<table class="answer">(.-)</table>')
  local first = tbl:match('<td>1</td><td class="k">([^<]+)</td>')
  local t = {}
  for _, s in ipairs(res.summary) do if s.n == 1e5 then t[s.kernel] = s.seconds_median end end
  T.eq(first, t["c.scalar"] < t["lua.philox"] and "c.scalar" or "lua.philox", "fastest first")
  T.ok(tbl:find("x</td>", 1, true), "speed-up column")
  T.ok(html:find("ratio of median times", 1, true), "says the speed-up has no CI here")
  T.ok(html:find("identical samples: c.scalar, lua.philox", 1, true), "identical samples, from hits")
  T.ok(html:find("RMS |pi_hat - pi| / sigma is", 1, true), "error against sigma")
end)

T.test("speed-ups with CIs from summary rows (mcpi compare's fields) are shown", function()
  local r2 = mcpi.load(dir .. "/F.json")
  for _, s in ipairs(r2.summary) do
    if s.kernel == "c.scalar" then s.baseline, s.speedup, s.speedup_lo, s.speedup_hi = "lua.philox", 1.5, 1.25, 1.75 end
  end
  local html = report.html(r2, { baseline = "lua.philox" })
  T.ok(html:find("1.5x (1.25&#8211;1.75)", 1, true), "speed-up with its CI")
  T.ok(html:find("with its 95% bootstrap CI", 1, true))
end)

T.test("json=DIR/F.json: jsonl, csv, charts and report beside it under F's stem", function()
  for _, f in ipairs{ "F.json", "F.jsonl", "F.csv", "F.html", "F_charts/time_all.svg", "F_charts/time_c.scalar.svg" } do
    local fh = io.open(dir .. "/" .. f)
    T.ok(fh, f .. " written")
    if fh then fh:close() end
  end
  T.eq(files.beside{ json = "out/s2.json" }.charts, "out/s2_charts")
end)

T.test("an earlier run's charts are cleared, never mixed in", function()
  local stale = dir .. "/F_charts/time_user.gone.svg"
  io.open(stale, "w"):write("<svg/>")
  local keep = dir .. "/F_charts/notes.txt"
  io.open(keep, "w"):write("mine")
  mcpi.sweep{ kernels = { "c.scalar" }, n = { 1e3, 1e4, 1e5 }, reps = 3, quiet = true, json = dir .. "/F.json" }
  T.eq(io.open(stale), nil, "stale chart removed")
  T.ok(io.open(keep), "other files left alone")
  T.eq(io.open(dir .. "/F_charts/time_lua.philox.svg"), nil, "lua.philox's chart from the first run gone")
end)

T.test("an unwritable output is refused before measuring, naming it", function()
  local bad = dir .. "/no/such/F.json"
  T.raises("sweep: json: cannot write '" .. bad .. "'", mcpi.sweep,
    { kernels = { "c.scalar" }, n = { 1e3 }, json = bad })
  T.eq(io.open(dir .. "/no"), nil, "nothing created on the way")
end)

T.test("bench: one line, the record; a pair gives the ratio with its CI", function()
  local out = {}
  local real = io.stdout
  io.stdout = { write = function(_, ...) for _, s in ipairs{ ... } do out[#out + 1] = s end end, flush = function() end }
  local ok, r = pcall(mcpi.bench, "c.scalar", 1e5)
  local function work(n) local x = 0 for i = 1, n do x = x + i % 7 end return x end
  local ok2, p = pcall(mcpi.bench, function(n) return work(n) end, function(n) return work(20 * n) end, 1e4)
  local ok3, f = pcall(mcpi.bench, function() local s = 0 for i = 1, 1000 do s = s + i end return s end)
  io.stdout = real
  T.ok(ok and ok2 and ok3, tostring(r) .. tostring(p) .. tostring(f))
  local text = table.concat(out)
  T.ok(text:find("c.scalar N=1e5: [%d.]+ [mun]?s %(95%% CI [%d.]+ [mun]?s%-[%d.]+ [mun]?s%), %d+ reps, [%d.]+ [MGk] samples/s, |error| [%d.e%-+]+, sigma 5%.19e%-03"), text)
  T.ok(r.seconds_median > 0 and r.reps >= 5 and #r.runs == r.reps, "the record")
  T.ok(p.ratio > 3 and p.ratio_lo <= p.ratio_hi and p.ratio_lo > 1,
    string.format("ratio %s, CI %s-%s (20 times the work)", p.ratio, p.ratio_lo, p.ratio_hi))
  T.ok(text:find("N=10000: .* / function .*: time ratio [%d.]+ %(95%% CI [%d.]+%-[%d.]+%)"), text)
  T.ok(text:find("calls/s", 1, true) and f.seconds_median > 0, "a plain function")
end)

os.execute("rm -rf '" .. dir .. "'")
T.done()
