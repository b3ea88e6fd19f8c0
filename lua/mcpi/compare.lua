--- mcpi.compare: one results file against another, a regression gate for CI.
--   local c = mcpi.compare("old.json", "new.json", { threshold = 5 })
--   io.write(c:text()); os.exit(c.code)
-- Points are matched by (kernel, N). Per point: ratio = NEW median time /
-- OLD median time with a 95% percentile-bootstrap CI (each run's repetitions
-- resampled apart; processes first where rows carry `process`), and the
-- two-sided Mann-Whitney U test on the repetition times (exact without ties
-- up to 400 pairs of values, else the normal approximation), significant at
-- p < 0.05. A significant change is "slower" or "faster"; a slower point is
-- a regression when its ratio exceeds 1 + threshold/100. Hit counts of the
-- same (kernel, N, seed) on the philox stream must agree: a difference is a
-- correctness regression. code: 0 no regression, 1 a regression or a hit
-- difference. Context differences (CPU, compiler, LuaJIT, commit, load) are
-- listed above the table.
local paired = require "mcpi.paired"
local output = require "mcpi.output"
local json = require "mcpi.json"
local util = require "mcpi.util"

local type, ipairs, pairs, tostring, tonumber, format = type, ipairs, pairs, tostring, tonumber, string.format
local exp, log, abs, huge = math.exp, math.log, math.abs, math.huge
local sort, concat = table.sort, table.concat

local M = {}

M.ALPHA = 0.05
M.THRESHOLD = 5
M.TEST = "Mann-Whitney U (two-sided, exact without ties up to 400 value pairs, else normal approximation), p < 0.05"

-- Context fields whose difference can explain a change in speed.
M.CONTEXT_FIELDS = { "host", "cpu_model", "cpu_flags_used", "cores", "compiler", "cflags",
  "luajit", "jit", "mcpi_version", "git_commit", "load_avg_1m" }

local Comparison = {}
Comparison.__index = Comparison

local function finite(v) return type(v) == "number" and v == v and v > -huge and v < huge end

local function key(k, n) return tostring(k) .. "\0" .. tostring(n) end

local function hits_text(h)
  if h == nil then return nil end
  local u = util.to_u64(h, "hits")
  return u and util.u64str(u) or tostring(h)
end

-- Points of a results object: key -> {kernel, n, secs, procs, summary, hits_by_seed, stream}.
local function points_of(res, only)
  local pts, order = {}, {}
  local function slot(r)
    if only and not only[r.kernel] then return nil end
    if type(r.kernel) ~= "string" or type(r.n) ~= "number" then return nil end
    local k = key(r.kernel, r.n)
    if not pts[k] then
      pts[k] = { kernel = r.kernel, n = r.n, secs = {}, procs = {}, hits = {} }
      order[#order + 1] = k
    end
    return pts[k]
  end
  for _, r in ipairs(res.rows) do
    local p = slot(r)
    if p and finite(r.seconds) then
      p.secs[#p.secs + 1], p.procs[#p.procs + 1] = r.seconds, r.process or 0
      p.stream = p.stream or r.stream
      if r.seed ~= nil and r.hits ~= nil then p.hits[hits_text(r.seed)] = hits_text(r.hits) end
    end
  end
  for _, s in ipairs(res.summary) do
    local p = slot(s)
    if p then p.summary = s; p.stream = p.stream or s.stream end
  end
  return pts, order
end

-- Seeds whose hit counts differ between the two points (philox stream only).
local function hit_differences(a, b)
  if a.stream ~= "philox" or b.stream ~= "philox" then return 0, nil end
  local diffs, first = 0, nil
  local seeds = {}
  for seed in pairs(a.hits) do seeds[#seeds + 1] = seed end
  sort(seeds)
  for _, seed in ipairs(seeds) do
    local h2 = b.hits[seed]
    if h2 ~= nil and h2 ~= a.hits[seed] then
      diffs = diffs + 1
      first = first or format("seed %s: %s -> %s hits", seed, a.hits[seed], h2)
    end
  end
  return diffs, first
end

local function median_of(p)
  if #p.secs > 0 then
    local t = {}
    for i, v in ipairs(p.secs) do t[i] = v end
    return require("mcpi.stats").median(t)
  end
  return p.summary and p.summary.seconds_median
end

-- One matched point: ratio, CI, test, verdict, regression flag, hits.
local function compare_point(a, b, opts)
  local pt = { kernel = a.kernel, n = a.n, old_reps = #a.secs, new_reps = #b.secs,
    old_seconds = median_of(a), new_seconds = median_of(b) }
  if #a.secs > 0 and #b.secs > 0 then
    pt.ratio, pt.ratio_lo, pt.ratio_hi = paired.ratio_ci_independent(a.secs, b.secs, a.procs, b.procs,
      { resamples = opts.resamples, seed = opts.seed })
    pt.p_value = paired.mann_whitney(b.secs, a.secs)
  elseif finite(pt.old_seconds) and finite(pt.new_seconds) and pt.old_seconds > 0 then
    pt.ratio = pt.new_seconds / pt.old_seconds
  end
  if not finite(pt.ratio_lo) then pt.ratio_lo, pt.ratio_hi = nil, nil end
  if not finite(pt.p_value) then pt.p_value = nil end
  local sig = pt.p_value ~= nil and pt.p_value < M.ALPHA
  if not finite(pt.ratio) then
    pt.verdict = "no data"
  elseif pt.p_value == nil then
    pt.verdict = "untested"
  elseif not sig then
    pt.verdict = "no change"
  else
    pt.verdict = pt.ratio > 1 and "slower" or "faster"
  end
  pt.change_pct = finite(pt.ratio) and (pt.ratio - 1) * 100 or nil
  pt.regression = pt.verdict == "slower" and pt.change_pct > opts.threshold or nil
  local d, first = hit_differences(a, b)
  if d > 0 then pt.hit_differences, pt.hit_example = d, first end
  return pt
end

local function geomean(ratios)
  local s, n = 0, 0
  for _, r in ipairs(ratios) do
    if finite(r) and r > 0 then s = s + log(r); n = n + 1 end
  end
  if n == 0 then return nil, 0 end
  return exp(s / n), n
end

-- Context fields that differ: list of {field, old, new}.
local function context_diffs(c1, c2)
  local out = {}
  for _, f in ipairs(M.CONTEXT_FIELDS) do
    local a, b = c1[f], c2[f]
    local differ
    if f == "load_avg_1m" then
      differ = type(a) == "number" and type(b) == "number"
        and (abs(a - b) >= 0.5 or (c1.cores and a > 0.5 * c1.cores) or (c2.cores and b > 0.5 * c2.cores))
    else
      differ = a ~= nil and b ~= nil and tostring(a) ~= tostring(b)
    end
    if differ then out[#out + 1] = { field = f, old = tostring(a), new = tostring(b) } end
  end
  return out
end

local function load_side(v, name)
  if type(v) == "string" then
    local res, err = require("mcpi.results").load(v)
    if not res then return nil, err end
    return res
  end
  if type(v) == "table" and type(v.rows) == "table" and type(v.summary) == "table" then return v end
  error(format("compare: %s must be a results file name or a results object, got %s", name, type(v)), 3)
end

local function check_opts(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then error(format("compare: opts must be a table, got %s", type(opts)), 3) end
  local o = { threshold = opts.threshold or M.THRESHOLD, resamples = opts.resamples, seed = opts.seed }
  if type(o.threshold) ~= "number" or not (o.threshold >= 0 and o.threshold < 1e6) then
    error(format("compare: threshold must be a percentage >= 0, got %s", tostring(opts.threshold)), 3)
  end
  local k = opts.kernel
  if type(k) == "string" then k = { k } end
  if k ~= nil then
    if type(k) ~= "table" or #k == 0 then
      error(format("compare: kernel must be a kernel name or a list of names, got %s", type(opts.kernel)), 3)
    end
    o.only = {}
    for i, name in ipairs(k) do
      if type(name) ~= "string" then error(format("compare: kernel[%d] must be a name, got %s", i, type(name)), 3) end
      o.only[name] = true
    end
    o.kernels = k
  end
  return o
end

--- Compare two runs. old, new: results file names (.json or .jsonl) or
-- results objects; opts: threshold (percent, default 5), kernel (a name or
-- list: only these), resamples, seed. Returns a comparison object (points,
-- kernels, overall, context_differences, regressions, hit_differences,
-- code; :text(), :json(), :csv(), :bmf()), or nil, err when a file is
-- missing or not a results file or the runs have no point in common. Bad
-- arguments raise an error naming them.
function M.compare(old, new, opts)
  local o = check_opts(opts)
  local r1, e1 = load_side(old, "old")
  if not r1 then return nil, e1 end
  local r2, e2 = load_side(new, "new")
  if not r2 then return nil, e2 end
  local p1, order = points_of(r1, o.only)
  local p2 = points_of(r2, o.only)
  if o.kernels then
    for _, k in ipairs(o.kernels) do
      local seen = false
      for _, p in pairs(p1) do if p.kernel == k then seen = true end end
      for _, p in pairs(p2) do if p.kernel == k then seen = true end end
      if not seen then return nil, format("kernel '%s' is in neither run", k) end
    end
  end
  local c = setmetatable({ old = type(old) == "string" and old or "OLD", new = type(new) == "string" and new or "NEW",
    threshold = o.threshold, test = M.TEST, points = {}, only_old = {}, only_new = {} }, Comparison)
  for _, k in ipairs(order) do
    if p2[k] then c.points[#c.points + 1] = compare_point(p1[k], p2[k], o)
    else c.only_old[#c.only_old + 1] = p1[k].kernel .. "@" .. output.count(p1[k].n) end
  end
  for k, p in pairs(p2) do if not p1[k] then c.only_new[#c.only_new + 1] = p.kernel .. "@" .. output.count(p.n) end end
  sort(c.only_new)
  if #c.points == 0 then
    return nil, format("no point in common: '%s' and '%s' share no (kernel, N)%s", c.old, c.new,
      o.only and " among the kernels asked for" or "")
  end
  M.summarise(c)
  c.context_differences = context_diffs(r1.context or {}, r2.context or {})
  c.new_results = r2
  return c
end

--- Per-kernel and overall geometric means of the ratios, counts of
-- regressions and hit differences, and the exit code (fills c).
function M.summarise(c)
  local by, korder, all = {}, {}, {}
  c.regressions, c.hit_differences = 0, 0
  for _, p in ipairs(c.points) do
    if not by[p.kernel] then by[p.kernel] = {}; korder[#korder + 1] = p.kernel end
    local l = by[p.kernel]
    l[#l + 1] = p.ratio
    all[#all + 1] = p.ratio
    if p.regression then c.regressions = c.regressions + 1 end
    if p.hit_differences then c.hit_differences = c.hit_differences + 1 end
  end
  c.kernels = {}
  for _, k in ipairs(korder) do
    local g, n = geomean(by[k])
    c.kernels[#c.kernels + 1] = { kernel = k, geomean_ratio = g, points = n }
  end
  local g, n = geomean(all)
  c.overall = { geomean_ratio = g, points = n }
  c.code = (c.regressions > 0 or c.hit_differences > 0) and 1 or 0
  return c
end

local function ratio_text(r) return finite(r) and format("%.3fx", r) or "-" end

--- The comparison as text: context differences, one line per point, the
-- geometric means, and the verdict (which points regressed and why).
function Comparison:text()
  local out = {}
  if #self.context_differences > 0 then
    out[#out + 1] = "context differences (they may explain a change):\n"
    for _, d in ipairs(self.context_differences) do
      out[#out + 1] = format("  %-14s %s -> %s\n", d.field, d.old, d.new)
    end
    out[#out + 1] = "\n"
  end
  out[#out + 1] = format("%s -> %s\nRATIO = new / old median time (< 1: faster), 95%% CI by bootstrap; P: Mann-Whitney U,\n"
    .. "two-sided, significant below 0.05; a regression is significantly slower by more than %s%%\n",
    self.old, self.new, util.fmtnum(self.threshold))
  local rows = {}
  for _, p in ipairs(self.points) do
    rows[#rows + 1] = { p.kernel, output.count(p.n), format("%d/%d", p.old_reps, p.new_reps),
      output.time(p.old_seconds), output.time(p.new_seconds), ratio_text(p.ratio),
      p.ratio_lo and format("%.3f-%.3f", p.ratio_lo, p.ratio_hi) or "-",
      p.p_value and format("%.3g", p.p_value) or "-",
      p.change_pct and format("%+.1f%%", p.change_pct) or "-",
      p.verdict .. (p.regression and " REGRESSION" or ""),
      p.hit_differences and format("DIFFER (%d seeds)", p.hit_differences) or "same" }
  end
  out[#out + 1] = output.columns({ "KERNEL", "N", "REPS", "OLD", "NEW", "RATIO", "95% CI", "P",
    "CHANGE", "VERDICT", "HITS" }, rows, { false, true, true, true, true, true, true, true, true })
  local gm = {}
  for _, k in ipairs(self.kernels) do
    gm[#gm + 1] = format("%s %s (%d pt%s)", k.kernel, ratio_text(k.geomean_ratio), k.points, k.points == 1 and "" or "s")
  end
  out[#out + 1] = format("\ngeometric mean of ratios: %s; overall %s over %d points\n", concat(gm, ", "),
    ratio_text(self.overall.geomean_ratio), self.overall.points)
  if #self.only_old > 0 then out[#out + 1] = "only in old: " .. concat(self.only_old, ", ") .. "\n" end
  if #self.only_new > 0 then out[#out + 1] = "only in new: " .. concat(self.only_new, ", ") .. "\n" end
  out[#out + 1] = self:verdict()
  return concat(out)
end
Comparison.__tostring = Comparison.text

--- One line per regression and hit difference, then the outcome.
function Comparison:verdict()
  local out = {}
  for _, p in ipairs(self.points) do
    if p.regression then
      out[#out + 1] = format("regression: %s at N=%s is %.3fx slower (95%% CI %s, p = %.3g), beyond %s%%\n",
        p.kernel, output.count(p.n), p.ratio, p.ratio_lo and format("%.3f-%.3f", p.ratio_lo, p.ratio_hi) or "-",
        p.p_value, util.fmtnum(self.threshold))
    end
    if p.hit_differences then
      out[#out + 1] = format("hit counts differ: %s at N=%s (%s): a correctness regression\n",
        p.kernel, output.count(p.n), p.hit_example)
    end
  end
  if self.code == 0 then
    out[#out + 1] = format("no regression (%d points compared)\n", #self.points)
  else
    out[#out + 1] = format("%d regression%s, %d point%s with different hit counts\n", self.regressions,
      self.regressions == 1 and "" or "s", self.hit_differences, self.hit_differences == 1 and "" or "s")
  end
  return concat(out)
end

M.POINT_FIELDS = { "kernel", "n", "old_reps", "new_reps", "old_seconds", "new_seconds", "ratio",
  "ratio_lo", "ratio_hi", "p_value", "change_pct", "verdict", "regression", "hit_differences", "hit_example" }

--- The comparison as JSON text (schema "mcpi-compare/1").
function Comparison:json()
  local pts = {}
  for i, p in ipairs(self.points) do pts[i] = json.encode(p, M.POINT_FIELDS) end
  local head = { old = self.old, new = self.new, threshold_pct = self.threshold, test = self.test,
    alpha = M.ALPHA, context_differences = self.context_differences, kernels = self.kernels,
    overall = self.overall, regressions = self.regressions, hit_differences = self.hit_differences,
    exit_code = self.code, only_old = self.only_old, only_new = self.only_new }
  local h = json.encode(head)
  return '{"schema":"mcpi-compare/1",' .. h:sub(2, -2) .. ',\n"points":[\n' .. concat(pts, ",\n") .. "\n]}\n"
end

--- The points as CSV text (one line each).
function Comparison:csv()
  return output.csv(self.points, M.POINT_FIELDS)
end

--- Bencher Metric Format of the new run (see mcpi.bmf).
function Comparison:bmf()
  return require("mcpi.bmf").encode(self.new_results.summary)
end

return M
