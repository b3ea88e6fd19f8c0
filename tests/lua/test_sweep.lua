-- mcpi.sweep: argument checks, the plan, a real small sweep, results files and
-- their round trip through mcpi.load.
local T = dofile("tests/harness.lua")
local mcpi = require "mcpi"
local sweep = require "mcpi.sweep"
local kernels = require "mcpi.kernels"
local json = require "mcpi.json"

local dir = os.tmpname()
os.remove(dir)
local ffi = require "ffi"
pcall(ffi.cdef, "int mkdir(const char *path, unsigned int mode);")
ffi.C.mkdir(dir, 448)

kernels.register{ name = "test.off", fn = function() return 0 end,
  available = function() return false, "switched off for the test" end }

T.test("logspace", function()
  T.eq(table.concat(mcpi.logspace(1, 4), ","), "10,100,1000,10000")
  T.eq(table.concat(mcpi.logspace(0, 1, 0.5), ","), "1,3,10")
  T.raises("step must be > 0", mcpi.logspace, 1, 2, 0)
  T.raises("need 0 <= a <= b <= 15", mcpi.logspace, 3, 1)
  T.raises("a must be a finite number", mcpi.logspace, "x", 2)
end)

T.rows("bad sweep arguments are clear errors", {
  { nil, "sweep needs a table" },
  { {}, "kernels must be a list of kernel names, got nil" },
  { { kernels = {}, n = { 10 } }, "kernels is empty" },
  { { kernels = { "c.smid" }, n = { 10 } }, "unknown kernel 'c.smid' (did you mean 'c.simd'?" },
  { { kernels = { 5 }, n = { 10 } }, "kernels[1] must be a kernel name, got number" },
  { { kernels = { "c.scalar" } }, "n must be a number or a list" },
  { { kernels = { "c.scalar" }, n = {} }, "n is empty" },
  { { kernels = { "c.scalar" }, n = { 0 } }, "n[1] must be >= 1" },
  { { kernels = { "c.scalar" }, n = { 10, -5 } }, "n[2] must be >= 0" },
  { { kernels = { "c.scalar" }, n = "many" }, "n must be a number or a list" },
  { { kernels = { "c.scalar" }, n = { 10 }, budget = 0 }, "budget must be a number of seconds > 0, got 0" },
  { { kernels = { "c.scalar" }, n = { 10 }, budget = -3 }, "budget must be a number of seconds > 0" },
  { { kernels = { "c.scalar" }, n = { 10 }, budget = "1m" }, "budget must be a number of seconds > 0, got '1m'" },
  { { kernels = { "c.scalar" }, n = { 10 }, reps = 0 }, "reps must be a whole number" },
  { { kernels = { "c.scalar" }, n = { 10 }, reps = 2.5 }, "reps must be a whole number" },
  { { kernels = { "c.scalar" }, n = { 10 }, seed = -1 }, "seed must be >= 0" },
  { { kernels = { "c.scalar" }, n = { 10 }, threads = -2 }, "threads must be a whole number" },
  { { kernels = { "c.scalar" }, n = { 10 }, jsonl = 5 }, "jsonl must be a file name" },
  { { kernels = { "c.scalar" }, n = { 10 }, baseline = "c.simd" }, "baseline 'c.simd' is not among the kernels" },
  { { kernels = { "c.scalar" }, n = { 10 }, budgte = 5 }, "unknown field 'budgte' (did you mean 'budget'?" },
  { { kernels = { "c.scalar" }, n = { 10 }, jsonl = "/nonexistent-dir/x.jsonl" }, "cannot write '/nonexistent-dir/x.jsonl'" },
}, function(row) T.raises(row[2], mcpi.sweep, row[1]) end)

T.test("plan: budget skips the dearest points, monotone in N, adaptive reps", function()
  local s = assert(sweep.check{ kernels = { "c.scalar", "lua.jit" }, n = mcpi.logspace(1, 9), budget = 10 })
  local models = {
    ["c.scalar"] = { fixed = 1e-7, per_sample = 8e-9 },  -- 1e9: 8 s a call
    ["lua.jit"] = { fixed = 1e-7, per_sample = 1e-7 },   -- 1e8: 10 s a call
  }
  local plan = sweep.plan(s, models, 0)
  local got = {}
  for _, p in ipairs(plan.points) do got[p.kernel .. "@" .. p.n] = p.reps end
  for _, p in ipairs(plan.skipped) do got[p.kernel .. "@" .. p.n] = "skip" end
  T.eq(got["c.scalar@1000000000"], "skip")
  T.eq(got["lua.jit@100000000"], "skip")
  T.eq(got["lua.jit@1000000000"], "skip")
  T.ok(type(got["c.scalar@10000000"]) == "number", "1e7 fits")
  T.eq(got["c.scalar@10"], s.max_reps, "many reps at small N")
  T.ok(got["lua.jit@1000000"] < got["lua.jit@10"], "fewer at large N")
  T.ok(plan.predicted <= 10, "fits the budget: " .. plan.predicted)
  local text = sweep.plan_text(plan)
  T.ok(text:find("lua.jit", 1, true) and text:find("skips N = 1e8, 1e9", 1, true), text)
  -- without a budget nothing is skipped; fixed reps are kept
  local s2 = assert(sweep.check{ kernels = { "c.scalar" }, n = { 10, 1e9 }, reps = 4 })
  local p2 = sweep.plan(s2, models, 0)
  T.eq(#p2.skipped, 0); T.eq(p2.points[1].reps, 4); T.eq(p2.points[2].reps, 4)
end)

local jsonl = dir .. "/s.jsonl"
local res = mcpi.sweep{ kernels = { "c.scalar", "c.simd", "test.off" }, n = { 100, 1000 }, reps = 3,
  seed = 11, jsonl = jsonl, json = dir .. "/s.json", csv = dir .. "/s.csv", quiet = true, progress = false,
  baseline = "c.scalar" }

T.test("a real sweep: rows, summaries, philox kernels agree bit for bit", function()
  T.eq(#res.rows, 2 * 2 * 3)
  T.eq(#res.summary, 4)
  local hits = {}
  for _, r in ipairs(res.rows) do
    T.eq(r.row, "rep")
    local key = r.n .. "/" .. r.rep
    T.eq(r.seed, 11 + r.rep)
    if hits[key] then T.eq(r.hits, hits[key], "same hits for " .. key) else hits[key] = r.hits end
    for _, f in ipairs{ "estimate", "abs_err", "rel_accuracy", "std_err", "z", "seconds",
                        "ns_per_sample", "samples_per_s", "calls", "threads", "stream" } do
      T.ok(r[f] ~= nil, "rep row has " .. f)
    end
  end
  for _, s in ipairs(res.summary) do
    T.eq(s.row, "summary"); T.eq(s.reps, 3)
    T.ok(s.seconds_ci_lo <= s.seconds_median and s.seconds_median <= s.seconds_ci_hi)
  end
  T.ok(res.notes[1]:find("test.off skipped: unavailable (switched off for the test)", 1, true), res.notes[1])
  -- two N: no fit (two points fit any line exactly; issue 9.4)
  T.eq(#res.fits, 0, "no fits from two N")
  T.eq(#res.errors, 0)
end)

T.test("interleaved order: kernels alternate within each N", function()
  -- each round measures both kernels before the next round starts
  for i = 1, #res.rows, 2 do
    T.ok(res.rows[i].kernel ~= res.rows[i + 1].kernel, "round " .. i)
    T.eq(res.rows[i].rep, res.rows[i + 1].rep)
  end
end)

T.test("the .jsonl holds every row, each a complete JSON object", function()
  local rows = assert(json.decode_lines(assert(json.read_file(jsonl))))
  T.eq(#rows, #res.rows + #res.summary)
  T.eq(rows[1].kernel, res.rows[1].kernel); T.eq(rows[1].seconds, res.rows[1].seconds)
end)

T.test("JSON round trip through mcpi.load: same values", function()
  local back = assert(mcpi.load(dir .. "/s.json"))
  T.eq(#back.rows, #res.rows); T.eq(#back.summary, #res.summary); T.eq(#back.fits, #res.fits)
  for i, r in ipairs(res.rows) do
    for k, v in pairs(r) do
      if type(v) ~= "table" then T.eq(back.rows[i][k], v, "rows[" .. i .. "]." .. k) end
    end
  end
  for i, s in ipairs(res.summary) do
    for k, v in pairs(s) do
      if type(v) == "table" then  -- a list of strings (jit_abort_reasons)
        T.eq(table.concat(back.summary[i][k], "|"), table.concat(v, "|"), "summary[" .. i .. "]." .. k)
      elseif v == v then T.eq(back.summary[i][k], v, "summary[" .. i .. "]." .. k) end
    end
  end
  T.eq(back.context.overhead_ffi_call_ns, res.context.overhead_ffi_call_ns)
  T.ok(type(back.context.cpu_model) == "string" and back.context.luajit:find("LuaJIT", 1, true))
  T.ok(tostring(back):find("VS c.scalar", 1, false) or tostring(back):find("KERNEL", 1, true))
  T.ok(back:summary():find("c.scalar: 2 points", 1, true), back:summary())
end)

T.test("mcpi.load reads the streamed .jsonl too", function()
  local back = assert(mcpi.load(jsonl))
  T.eq(#back.rows, #res.rows); T.eq(#back.summary, #res.summary)
  T.eq(#back.fits, #res.fits)
  T.eq(back.rows[3].seconds, res.rows[3].seconds)
  local bad = dir .. "/bad.jsonl"
  json.write_file(bad, '{"row":"rep"}\n{oops\n')
  local v, err = mcpi.load(bad)
  T.eq(v, nil); T.ok(err:find("line 2", 1, true), err)
  os.remove(bad)
end)

T.test("JSON round trip of a seed above 2^53 and NaN through a results object", function()
  local r = sweep.new_results{ context = { x = 1 },
    rows = { { row = "rep", kernel = "k", n = 10, seed = 2 ^ 62 + 3ULL, hits = 2 ^ 60 + 1ULL, z = 0 / 0 } } }
  local path = dir .. "/big.json"
  assert(r:save(path))
  local back = assert(mcpi.load(path))
  T.eq(back.rows[1].seed, 2 ^ 62 + 3ULL)
  T.eq(back.rows[1].hits, 2 ^ 60 + 1ULL)
  T.ok(back.rows[1].z ~= back.rows[1].z)
  T.ok(json.read_file(path):find('"seed":"4611686018427387907"', 1, true))
end)

T.test("CSV file: header and one line per row", function()
  local text = assert(json.read_file(dir .. "/s.csv"))
  local lines = {}
  for l in text:gmatch("[^\n]+") do lines[#lines + 1] = l end
  T.eq(#lines, 1 + #res.rows + #res.summary)
  T.ok(lines[1]:find("^row,kernel,stream,n,seed,rep,threads,hits,estimate,abs_err"), lines[1])
  T.ok(lines[2]:find("^rep,c%.scalar,philox,100,11,0,"), lines[2])
end)

T.test("save/csv to an unwritable path: nil and a message, results kept", function()
  local ok, err = res:save("/nonexistent-dir/x.json")
  T.eq(ok, nil); T.ok(err:find("cannot write '/nonexistent-dir/x.json'", 1, true), err)
  ok, err = res:csv("/nonexistent-dir/x.csv")
  T.eq(ok, nil); T.ok(err:find("cannot write", 1, true))
  T.raises("save: path must be a file name", res.save, res, 5)
end)

T.rows("mcpi.load: missing file, not JSON, another schema", {
  { "/nonexistent-dir/none.json", "cannot read" },
  { "bad", "is not JSON" },
  { "schema", "is not supported" },
}, function(row)
  local path = row[1]
  if row[1] == "bad" then path = dir .. "/bad.json"; json.write_file(path, "{oops") end
  if row[1] == "schema" then path = dir .. "/other.json"; json.write_file(path, '{"schema":"x/9"}') end
  local v, err = mcpi.load(path)
  T.eq(v, nil); T.ok(err:find(row[2], 1, true), err)
end)

T.test("a kernel that fails mid-sweep is noted and skipped, the others go on", function()
  local calls = 0
  -- fails at n = 1000 from the second repetition on (seed 2), after probing
  kernels.register{ name = "test.flaky", fn = function(n, seed)
    calls = calls + 1
    if n > 500 and seed ~= 1 then error("flaky: cannot count that far") end
    return n
  end }
  kernels.register{ name = "test.broken", fn = function() error("broken: always") end }
  local r = mcpi.sweep{ kernels = { "test.flaky", "c.scalar", "test.broken" }, n = { 100, 1000, 10000 },
    reps = 2, quiet = true, progress = false }
  local seen = {}
  for _, s in ipairs(r.summary) do seen[s.kernel .. "@" .. s.n] = s.reps end
  T.eq(seen["test.flaky@100"], 2); T.eq(seen["c.scalar@10000"], 2)
  T.eq(seen["test.flaky@1000"], 1, "the repetition that finished is kept")
  for _, s in ipairs(r.summary) do
    if s.kernel == "test.flaky" and s.n == 1000 then T.eq(s.partial, true) end
    if s.kernel == "c.scalar" then T.eq(s.partial, nil) end
  end
  T.eq(seen["test.flaky@10000"], nil)
  local found = false
  for _, n in ipairs(r.notes) do if n:find("test.flaky failed at n=1000", 1, true) then found = true end end
  T.ok(found, "failure noted")
  T.ok(r.notes[1]:find("test.broken failed while probing: ", 1, true), r.notes[1])
  T.eq(#r.failures, 2, "both failures listed")
  T.eq(#res.failures, 0)
end)

T.test("budget: a sweep finishes near its budget and says what it skipped", function()
  local t0 = os.time()
  local r = mcpi.sweep{ kernels = { "c.scalar" }, n = { 10, 1e4, 1e9 }, budget = 1.5, quiet = true, progress = false }
  T.ok(os.time() - t0 <= 4, "took " .. (os.time() - t0) .. " s")
  local skipped = false
  for _, n in ipairs(r.notes) do if n:find("skipped c.scalar at N=1e9", 1, true) then skipped = true end end
  T.ok(skipped, table.concat(r.notes, "; "))
end)

T.test("budget: a machine slower than probed stops the sweep before it overruns", function()
  local C = require "mcpi.capi"
  -- 100 ms added to every measured call, which the probe does not see
  local function slower(f)
    return function(req)
      local t = C.mcpi_clock_ns()
      while tonumber(C.mcpi_clock_ns() - t) < 1e8 do end
      return f(req)
    end
  end
  local t0 = C.mcpi_clock_ns()
  local r = mcpi.sweep{ kernels = { "c.scalar" }, n = mcpi.logspace(1, 6), reps = 2, warmup = 1,
    budget = 1, quiet = true, progress = false, decorate = slower }
  local took = tonumber(C.mcpi_clock_ns() - t0) / 1e9
  -- groups of 0.3 s: the check before each stops it after 1.25 s and at most one more group
  T.ok(took < 2, "took " .. took)
  T.ok(#r.summary < 6, "points measured: " .. #r.summary)
  local stopped = false
  for _, n in ipairs(r.notes) do if n:find("stopped before N=", 1, true) then stopped = true end end
  T.ok(stopped, table.concat(r.notes, "; "))
end)

os.remove(dir .. "/s.jsonl"); os.remove(dir .. "/s.json"); os.remove(dir .. "/s.csv")
os.remove(dir .. "/big.json"); os.remove(dir .. "/bad.json"); os.remove(dir .. "/other.json")
os.remove(dir)
T.done()
