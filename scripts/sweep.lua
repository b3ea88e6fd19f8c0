-- The study: every available kernel over N = 10^1 .. 10^9 within a time budget
-- (60 s unless --budget says otherwise), time and accuracy per kernel, the
-- log-log fits, saved to results/sweep.{json,jsonl,csv}, printed as a table, drawn as
-- SVG charts in results/charts/ and gathered in one HTML report, results/sweep.html.
--   mcpi script scripts/sweep.lua [KERNEL...] [--budget 300] [--n-range 1:7] [--reps R] ...
-- (the options of `mcpi run`; see `mcpi help run`). Slow kernels are skipped at
-- large N by the plan, which says so on stderr.
local ffi = require "ffi"

pcall(ffi.cdef, "int mkdir(const char *path, unsigned int mode);")
ffi.C.mkdir("results", 493)  -- 0755; an existing folder is fine

local spec = require("mcpi.runcmd").parse(arg, 1, {
  cmd = "sweep.lua",
  kernels_optional = true,
  defaults = {
    n = mcpi.logspace(1, 9),
    budget = 60,
    json = "results/sweep.json",
    jsonl = "results/sweep.jsonl",
    csv = "results/sweep.csv",
  },
})
if not spec then
  io.write("usage: mcpi script scripts/sweep.lua [KERNEL...] [options of 'mcpi run']\n",
    "default: every available kernel, --n-range 1:9, --budget 60, results/sweep.{json,jsonl,csv}\n")
  return
end

-- The study's baseline is the loop without a JIT, when it takes part.
if not spec.baseline then
  for _, k in ipairs(spec.kernels or mcpi.kernels.names()) do
    if k == "lua.interp" then spec.baseline = k end
  end
end

local res = mcpi.sweep(spec)
res:print()

-- The comparison at a glance: every kernel at the largest N all of them reached.
local per_n, kernels = {}, {}
for _, s in ipairs(res.summary) do
  per_n[s.n] = (per_n[s.n] or 0) + 1
  kernels[s.kernel] = true
end
local nk, top = 0, nil
for _ in pairs(kernels) do nk = nk + 1 end
for n, c in pairs(per_n) do
  if c == nk and (top == nil or n > top) then top = n end
end
if top and nk > 1 then
  local rows = {}
  for _, s in ipairs(res.summary) do if s.n == top then rows[#rows + 1] = s end end
  table.sort(rows, function(a, b) return (a.seconds_median or math.huge) < (b.seconds_median or math.huge) end)
  io.write(string.format("\nall %d kernels at N = %s, fastest first:\n", nk, mcpi.output.count(top)),
    mcpi.output.table(rows, { baseline = spec.baseline }))
end
-- The philox participants (C, Lua, Python alike) must have drawn the same
-- samples: checked on the hits of every (N, seed) they share (mcpi.agree).
local agreement = require("mcpi.agree").philox(res.rows)
local bad = agreement.mismatches
io.write("\n", require("mcpi.agree").line(agreement))
io.write("\n", res:summary())
local saved = {}
for _, f in ipairs{ spec.json, spec.jsonl, spec.csv } do saved[#saved + 1] = f end
if #res.failures > 0 then
  io.stderr:write(string.format("mcpi: %d kernel failure(s), noted above\n", #res.failures))
end
if #res.errors > 0 then
  io.stderr:write("mcpi: results printed above, not all were saved\n")
  os.exit(1, true)
end
local dir = (spec.json:match("^(.*)/") or ".") .. "/charts"
local charts, cerr = res:plot(dir)
if charts then
  saved[#saved + 1] = dir .. "/ (" .. #charts .. " charts)"
else
  io.stderr:write("mcpi: charts not drawn: ", tostring(cerr), "\n")
end
local html = spec.json:gsub("%.json$", "") .. ".html"
local ok, rerr = res:report(html)
if ok then saved[#saved + 1] = html else io.stderr:write("mcpi: report not written: ", tostring(rerr), "\n") end
io.stderr:write("saved ", table.concat(saved, ", "), "\n")
if #res.failures > 0 or #bad > 0 then os.exit(1, true) end
