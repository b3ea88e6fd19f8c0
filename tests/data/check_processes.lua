-- Checks a results file written with --processes K (arg[1] = file, arg[2] =
-- K): every kernel's rows carry the K process indices, and every summary
-- number is what its definition says, recomputed here from the rows.
-- Prints "ok" or raises naming what differs.
local path, K = arg[1], tonumber(arg[2])
local res = assert(mcpi.load(path))
local stats, paired = mcpi.stats, require "mcpi.paired"
local function same(a, b, what)
  if not (a == b or math.abs(a - b) <= 1e-12 * math.abs(b)) then
    error(string.format("%s: summary has %.17g, recomputed %.17g", what, a, b), 2)
  end
end
local by = {}
for _, r in ipairs(res.rows) do
  local k = r.kernel .. "@" .. r.n
  by[k] = by[k] or {}
  table.insert(by[k], r)
end
local base_rows
for _, s in ipairs(res.summary) do
  local rows = assert(by[s.kernel .. "@" .. s.n], "no rows for " .. s.kernel)
  if s.kernel == s.baseline then base_rows = rows end
end
for _, s in ipairs(res.summary) do
  local rows = by[s.kernel .. "@" .. s.n]
  local secs, groups, seen, per = {}, {}, {}, {}
  for _, r in ipairs(rows) do
    assert(type(r.process) == "number" and r.process >= 1 and r.process <= K, "process index " .. tostring(r.process))
    secs[#secs + 1], groups[#groups + 1] = r.seconds, r.process
    per[r.process] = per[r.process] or {}
    table.insert(per[r.process], r.seconds)
    -- repetition r ran in process r % K + 1 with seed seed + r
    assert(r.process == r.rep % K + 1, "rep " .. r.rep .. " in process " .. r.process)
    if not seen[r.process] then seen[r.process] = true end
  end
  local distinct = 0
  for _ in pairs(seen) do distinct = distinct + 1 end
  assert(distinct == K, string.format("%s: %d distinct processes, want %d", s.kernel, distinct, K))
  assert(s.processes == K, "summary processes")
  assert(s.reps == #rows, "reps")
  same(s.seconds_median, stats.median(secs), s.kernel .. " seconds_median (all repetitions)")
  local meds = {}
  for p = 1, K do meds[p] = stats.median(per[p]) end
  same(s.seconds_process_median, stats.median(meds), s.kernel .. " median of process medians")
  local lo, hi = stats.range(meds)
  same(s.seconds_process_min, lo, s.kernel .. " min of process medians")
  same(s.seconds_process_max, hi, s.kernel .. " max of process medians")
  -- the CI: processes resampled, then repetitions within them, seeded
  local _, clo, chi = paired.median_ci(secs, groups, { seed = s.seed })
  same(s.seconds_ci_lo, clo, s.kernel .. " CI low")
  same(s.seconds_ci_hi, chi, s.kernel .. " CI high")
  if s.kernel ~= s.baseline then
    local bt = {}
    for _, r in ipairs(base_rows) do bt[r.process .. ":" .. r.rep] = r.seconds end
    local a, b, g = {}, {}, {}
    for _, r in ipairs(rows) do
      a[#a + 1], b[#b + 1], g[#g + 1] = assert(bt[r.process .. ":" .. r.rep]), r.seconds, r.process
    end
    local x, xlo, xhi = paired.ratio_ci(a, b, { groups = g, seed = s.seed })
    same(s.speedup, x, s.kernel .. " speedup")
    same(s.speedup_lo, xlo, s.kernel .. " speedup_lo")
    same(s.speedup_hi, xhi, s.kernel .. " speedup_hi")
  end
end
print("ok")
