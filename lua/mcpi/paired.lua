--- mcpi.paired: the statistics of comparing two kernels or two runs.
-- Ratio of medians with a bootstrap CI over pairs (the sweep interleaves
-- kernels, so rep r of A and rep r of B ran next to each other), the
-- hierarchical bootstrap of a median over fresh processes (resample the
-- processes, then the repetitions within each), the Mann-Whitney U test, and
-- the speed-up fields of summary rows with their sentence form.
--   paired.ratio_ci(base, this, {groups, resamples, seed}) -> r, lo, hi
--   paired.sentence(summary_row) -> "c.simd is 9.94x faster than c.scalar (95% CI 9.81-10.07) at N=1e6"
local stats = require "mcpi.stats"

local type, ipairs, pairs, tostring, format = type, ipairs, pairs, tostring, string.format
local floor, sqrt, abs, exp, huge = math.floor, math.sqrt, math.abs, math.exp, math.huge
local sort, concat = table.sort, table.concat

local M = {}

local NAN = 0 / 0
M.RESAMPLES = 2000
M.SEED = 20240229
M.LEVEL = 0.95
M.MIN_PAIRS = 3  -- fewer pairs than this: a ratio but no interval

local function finite(v) return type(v) == "number" and v == v and v > -huge and v < huge end

local function median_inplace(t, n)
  sort(t)
  local h = floor(n / 2)
  if n % 2 == 1 then return t[h + 1] end
  return (t[h] + t[h + 1]) / 2
end

local function check_opts(opts, level)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error(format("opts must be a table, got %s", type(opts)), level + 1) end
  local B = opts.resamples
  if B ~= nil and (type(B) ~= "number" or B < 10 or B % 1 ~= 0) then
    error(format("opts.resamples must be a whole number >= 10, got %s", tostring(B)), level + 1)
  end
  local lv = opts.level
  if lv ~= nil and (type(lv) ~= "number" or not (lv > 0 and lv < 1)) then
    error(format("opts.level must be a number in (0, 1), got %s", tostring(lv)), level + 1)
  end
  return opts
end

local function check_numbers(xs, name, level)
  if type(xs) ~= "table" then error(format("%s must be a list of numbers, got %s", name, type(xs)), level + 1) end
  for i = 1, #xs do
    if type(xs[i]) ~= "number" then
      error(format("%s[%d] must be a number, got %s", name, i, type(xs[i])), level + 1)
    end
  end
end

-- Group indices: groups[i] names the group (process) of item i; nil = one group.
local function group_lists(n, groups)
  local by, order = {}, {}
  for i = 1, n do
    local g = groups and groups[i] or 1
    if not by[g] then by[g] = {}; order[#order + 1] = g end
    local b = by[g]
    b[#b + 1] = i
  end
  local lists = {}
  for k, g in ipairs(order) do lists[k] = by[g] end
  return lists
end

-- One hierarchical resample of indices into out (length returned): draw
-- #lists groups with replacement, then within each drawn group as many of its
-- items with replacement as it has. One group: the ordinary bootstrap.
local function resample(rng, lists, out)
  local m, G = 0, #lists
  for _ = 1, G do
    local l = lists[G == 1 and 1 or rng:int(G)]
    local k = #l
    for _ = 1, k do m = m + 1; out[m] = l[rng:int(k)] end
  end
  return m
end

-- One resample of src into dst (dst's tail cleared): the values at the
-- indices resample draws. Returns how many.
local function draw(rng, lists, idx, src, dst)
  local m = resample(rng, lists, idx)
  for i = 1, m do dst[i] = src[idx[i]] end
  for i = m + 1, #dst do dst[i] = nil end
  return m
end

local function percentile(vals, level)
  sort(vals)
  local a = (1 - level) / 2
  return stats.quantile(vals, a), stats.quantile(vals, 1 - a)
end

--- Ratio of medians median(base) / median(this) over pairs (base[i] and
-- this[i] measured next to each other) with a percentile-bootstrap CI: each
-- resample draws pairs (whole pairs, so drift shared by a pair cancels);
-- with opts.groups (groups[i] = the process of pair i) it first draws
-- processes, then pairs within them. opts: resamples (2000), level (0.95),
-- seed. Returns ratio, lo, hi (lo, hi NaN for fewer than MIN_PAIRS pairs).
function M.ratio_ci(base, this, opts)
  check_numbers(base, "base", 2)
  check_numbers(this, "this", 2)
  opts = check_opts(opts, 2)
  if #base ~= #this then
    error(format("base and this must be pairs of equal length, got %d and %d", #base, #this), 2)
  end
  local n = #base
  if n == 0 then return NAN, NAN, NAN end
  local a, b = {}, {}
  for i = 1, n do a[i], b[i] = base[i], this[i] end
  local ratio = median_inplace(a, n) / median_inplace(b, n)
  if n < M.MIN_PAIRS then return ratio, NAN, NAN end
  local lists = group_lists(n, opts.groups)
  local rng = stats.rng(opts.seed or M.SEED)
  local B, idx, vals = opts.resamples or M.RESAMPLES, {}, {}
  for r = 1, B do
    local m = resample(rng, lists, idx)
    for i = 1, m do a[i], b[i] = base[idx[i]], this[idx[i]] end
    for i = m + 1, #a do a[i], b[i] = nil, nil end
    vals[r] = median_inplace(a, m) / median_inplace(b, m)
  end
  local lo, hi = percentile(vals, opts.level or M.LEVEL)
  return ratio, lo, hi
end

--- Ratio of medians median(ys) / median(xs) of two independent samples
-- (two runs) with a percentile-bootstrap CI: each resample draws xs and ys
-- apart, hierarchically (processes, then repetitions) where gx / gy give
-- the process of each value. opts: resamples, level, seed. Returns ratio,
-- lo, hi (lo, hi NaN when either side has fewer than 2 values).
function M.ratio_ci_independent(xs, ys, gx, gy, opts)
  check_numbers(xs, "xs", 2)
  check_numbers(ys, "ys", 2)
  opts = check_opts(opts, 2)
  local nx, ny = #xs, #ys
  if nx == 0 or ny == 0 then return NAN, NAN, NAN end
  local a, b = {}, {}
  for i = 1, nx do a[i] = xs[i] end
  for i = 1, ny do b[i] = ys[i] end
  local ratio = median_inplace(b, ny) / median_inplace(a, nx)
  if nx < 2 or ny < 2 then return ratio, NAN, NAN end
  local lx, ly = group_lists(nx, gx), group_lists(ny, gy)
  local rng = stats.rng(opts.seed or M.SEED)
  local B, ix, iy, vals = opts.resamples or M.RESAMPLES, {}, {}, {}
  for r = 1, B do
    local m, k = draw(rng, lx, ix, xs, a), draw(rng, ly, iy, ys, b)
    vals[r] = median_inplace(b, k) / median_inplace(a, m)
  end
  local lo, hi = percentile(vals, opts.level or M.LEVEL)
  return ratio, lo, hi
end

--- Median of xs with a hierarchical percentile-bootstrap CI: groups[i] is
-- the process of xs[i]; each resample draws processes with replacement,
-- then repetitions within each drawn process. Also returns the per-process
-- medians (in order of first appearance). opts: resamples, level, seed.
function M.median_ci(xs, groups, opts)
  check_numbers(xs, "xs", 2)
  if groups ~= nil and type(groups) ~= "table" then
    error(format("groups must be a list of process indices, got %s", type(groups)), 2)
  end
  opts = check_opts(opts, 2)
  local n = #xs
  if n == 0 then return NAN, NAN, NAN, {} end
  local lists = group_lists(n, groups)
  local meds, t = {}, {}
  for g, l in ipairs(lists) do
    for i, j in ipairs(l) do t[i] = xs[j] end
    for i = #l + 1, #t do t[i] = nil end
    meds[g] = median_inplace(t, #l)
  end
  local all = {}
  for i = 1, n do all[i] = xs[i] end
  local med = median_inplace(all, n)
  if n == 1 then return med, med, med, meds end
  local rng = stats.rng(opts.seed or M.SEED)
  local B, idx, vals, buf = opts.resamples or M.RESAMPLES, {}, {}, {}
  for r = 1, B do
    local m = draw(rng, lists, idx, xs, buf)
    vals[r] = median_inplace(buf, m)
  end
  local lo, hi = percentile(vals, opts.level or M.LEVEL)
  return med, lo, hi, meds
end

-- -- Mann-Whitney U ---------------------------------------------------------------

-- Exact two-sided p of U for sizes n1, n2 without ties: the number of
-- orderings with each U value, by the recurrence c(i, j, u) = c(i-1, j, u-j)
-- + c(i, j-1, u), one column of j at a time.
local function exact_p(u, n1, n2)
  local prev = {}  -- prev[j][u] for i - 1
  for j = 0, n2 do prev[j] = { [0] = 1 } end
  for i = 1, n1 do
    local cur = {}
    cur[0] = { [0] = 1 }
    for j = 1, n2 do
      local c = {}
      for v = 0, i * j do
        c[v] = (prev[j][v - j] or 0) + (cur[j - 1][v] or 0)
      end
      cur[j] = c
    end
    prev = cur
  end
  local counts, total = prev[n2], 0
  for v = 0, n1 * n2 do total = total + (counts[v] or 0) end
  local lo = math.min(u, n1 * n2 - u)
  local tail = 0
  for v = 0, floor(lo + 1e-9) do tail = tail + (counts[v] or 0) end
  return math.min(1, 2 * tail / total)
end

-- Standard normal upper tail, by the complementary error function
-- (Numerical Recipes' erfc approximation, relative error < 1.2e-7).
local function normal_sf(z)
  local t = 1 / (1 + 0.5 * abs(z) / sqrt(2))
  local x = abs(z) / sqrt(2)
  local r = t * exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))))
  local sf = r / 2
  if z < 0 then return 1 - sf end
  return sf
end
M.normal_sf = normal_sf

--- Mann-Whitney U test of xs against ys (two-sided): U counts the pairs
-- (x, y) with x > y (ties count one half). Exact p-value without ties when
-- #xs * #ys <= 400; otherwise the normal approximation with tie and
-- continuity corrections. Returns p, U; p NaN when either list is empty.
function M.mann_whitney(xs, ys)
  check_numbers(xs, "xs", 2)
  check_numbers(ys, "ys", 2)
  local n1, n2 = #xs, #ys
  if n1 == 0 or n2 == 0 then return NAN, NAN end
  local all = {}
  for i = 1, n1 do all[#all + 1] = { xs[i], 1 } end
  for i = 1, n2 do all[#all + 1] = { ys[i], 2 } end
  sort(all, function(p, q) return p[1] < q[1] end)
  local N, r1, ties, i = n1 + n2, 0, 0, 1
  while i <= N do
    local j = i
    while j < N and all[j + 1][1] == all[i][1] do j = j + 1 end
    local rank, t = (i + j) / 2, j - i + 1
    if t > 1 then ties = ties + t * t * t - t end
    for k = i, j do if all[k][2] == 1 then r1 = r1 + rank end end
    i = j + 1
  end
  local u = r1 - n1 * (n1 + 1) / 2
  if ties == 0 and n1 * n2 <= 400 then return exact_p(u, n1, n2), u end
  local mu = n1 * n2 / 2
  local var = n1 * n2 / 12 * ((N + 1) - ties / (N * (N - 1)))
  if not (var > 0) then return 1, u end
  local z = (abs(u - mu) - 0.5) / sqrt(var)
  if z < 0 then z = 0 end
  return math.min(1, 2 * normal_sf(z)), u
end

-- -- Speed-ups of summary rows -------------------------------------------------------

-- Speed-up of unpaired rep rows: median(base) / median(this), CI by
-- resampling each side apart (processes, then repetitions).
function M.independent(base_rows, rows, opts)
  local xs, gx, ys, gy = {}, {}, {}, {}
  for _, r in ipairs(base_rows) do
    if finite(r.seconds) then xs[#xs + 1], gx[#gx + 1] = r.seconds, r.process or 0 end
  end
  for _, r in ipairs(rows) do
    if finite(r.seconds) and r.seconds > 0 then ys[#ys + 1], gy[#gy + 1] = r.seconds, r.process or 0 end
  end
  local ratio, lo, hi = M.ratio_ci_independent(ys, xs, gy, gx, { resamples = opts.resamples, seed = opts.seed })
  return ratio, lo, hi
end

local function pair_key(r) return tostring(r.process or 0) .. ":" .. tostring(r.rep) end

--- Set baseline, speedup, speedup_lo, speedup_hi (and speedup_pairs) on
-- the summary rows of one N, from their repetition rows: runs[kernel] = the
-- rep rows of that kernel at this N. speedup = baseline median / this
-- median; the CI bootstraps whole pairs (same rep index, and same process
-- when there are several), processes first. opts: resamples, seed.
function M.annotate(summaries, runs, baseline, opts)
  opts = opts or {}
  local base = runs[baseline]
  if not base then return end
  local by_key = {}
  for _, r in ipairs(base) do
    if finite(r.seconds) then by_key[pair_key(r)] = r.seconds end
  end
  for _, s in ipairs(summaries) do
    s.baseline = baseline
    if s.kernel == baseline then
      s.speedup, s.speedup_lo, s.speedup_hi = 1, 1, 1
    else
      local a, b, g = {}, {}, {}
      for _, r in ipairs(runs[s.kernel] or {}) do
        local bt = by_key[pair_key(r)]
        if bt and finite(r.seconds) and r.seconds > 0 then
          a[#a + 1], b[#b + 1], g[#g + 1] = bt, r.seconds, r.process or 0
        end
      end
      local ratio, lo, hi
      if #a > 0 then
        ratio, lo, hi = M.ratio_ci(a, b, { groups = g, resamples = opts.resamples, seed = opts.seed })
        s.speedup_pairs = #a
      else
        -- not measured side by side (one in fresh processes, one here):
        -- the two samples resampled apart, processes first
        ratio, lo, hi = M.independent(base, runs[s.kernel] or {}, opts)
        s.speedup_pairs = 0
      end
      s.speedup, s.speedup_lo, s.speedup_hi = ratio, nil, nil
      if finite(lo) then s.speedup_lo, s.speedup_hi = lo, hi end
      if not finite(ratio) then s.speedup, s.speedup_pairs = nil, nil end
    end
  end
end

--- Speed-ups over a whole list of summary rows and rep rows (grouped by N),
-- for results read back from a file or made without the sweep.
function M.annotate_all(summary, rows, baseline, opts)
  local by_n = {}
  for _, s in ipairs(summary) do
    local t = by_n[s.n] or { sums = {}, runs = {} }
    by_n[s.n] = t
    t.sums[#t.sums + 1] = s
  end
  for _, r in ipairs(rows) do
    local t = by_n[r.n]
    if t then
      local l = t.runs[r.kernel] or {}
      t.runs[r.kernel] = l
      l[#l + 1] = r
    end
  end
  for _, t in pairs(by_n) do M.annotate(t.sums, t.runs, baseline, opts) end
end

local function count(n)
  return require("mcpi.output").count(n)
end

--- The sentence for a summary row with a speed-up: "c.simd is 9.94x faster
-- than c.scalar (95% CI 9.81-10.07) at N=1e6", "... 1.30x slower than ...",
-- or "lua.jit vs lua.philox at N=1e6: no significant difference (0.99x,
-- 95% CI 0.97-1.02)" when the interval includes 1. nil for the baseline or
-- a row without a speed-up.
function M.sentence(s)
  if type(s) ~= "table" then error(format("sentence: need a summary row, got %s", type(s)), 2) end
  if not finite(s.speedup) or s.kernel == s.baseline then return nil end
  local x, lo, hi = s.speedup, s.speedup_lo, s.speedup_hi
  local at = format("at N=%s", count(s.n))
  if not (finite(lo) and finite(hi)) then
    return format("%s is %.2fx %s than %s %s (no CI: fewer than %d paired repetitions)", s.kernel,
      x >= 1 and x or 1 / x, x >= 1 and "faster" or "slower", s.baseline, at, M.MIN_PAIRS)
  end
  if lo <= 1 and hi >= 1 then
    return format("%s vs %s %s: no significant difference (%.2fx, 95%% CI %.2f-%.2f)",
      s.kernel, s.baseline, at, x, lo, hi)
  end
  if x >= 1 then
    return format("%s is %.2fx faster than %s (95%% CI %.2f-%.2f) %s", s.kernel, x, s.baseline, lo, hi, at)
  end
  return format("%s is %.2fx slower than %s (95%% CI %.2f-%.2f) %s", s.kernel, 1 / x, s.baseline,
    1 / hi, 1 / lo, at)
end

--- Sentences for every non-baseline kernel at its largest N where it has a
-- speed-up (all N with opts.all). Returns text, one line each.
function M.sentences(summary, opts)
  local last, order = {}, {}
  local lines = {}
  for _, s in ipairs(summary or {}) do
    if finite(s.speedup) and s.kernel ~= s.baseline then
      if opts and opts.all then
        lines[#lines + 1] = M.sentence(s)
      else
        if not last[s.kernel] then order[#order + 1] = s.kernel end
        if not last[s.kernel] or s.n > last[s.kernel].n then last[s.kernel] = s end
      end
    end
  end
  for _, k in ipairs(order) do lines[#lines + 1] = M.sentence(last[k]) end
  return #lines > 0 and (concat(lines, "\n") .. "\n") or ""
end

--- The speed-ups of a list of summary rows as an HTML section (for the
-- report): a table of kernel, N, speed-up against the baseline with its 95%
-- CI and the sentence, or "" when no row has a speed-up. esc escapes text.
function M.html(summary, esc)
  local rows = {}
  for _, s in ipairs(type(summary) == "table" and summary or {}) do
    if type(s) == "table" and finite(s.speedup) and s.kernel ~= s.baseline then rows[#rows + 1] = s end
  end
  if #rows == 0 then return "" end
  local out = { '<h2 id="speedups">Speed-ups</h2>',
    '<table class="summary"><thead><tr><th class="k">kernel</th><th>N</th><th class="k">baseline</th>'
    .. '<th>speed-up</th><th>95% CI</th><th class="k">in words</th></tr></thead><tbody>' }
  for _, s in ipairs(rows) do
    out[#out + 1] = format('<tr><td class="k">%s</td><td>%s</td><td class="k">%s</td><td>%.3fx</td>'
      .. '<td>%s</td><td class="k">%s</td></tr>', esc(tostring(s.kernel)), esc(count(s.n)),
      esc(tostring(s.baseline)), s.speedup,
      finite(s.speedup_lo) and format("%.3f &#8211; %.3f", s.speedup_lo, s.speedup_hi) or "n/a",
      esc(M.sentence(s) or ""))
  end
  out[#out + 1] = "</tbody></table>"
  out[#out + 1] = "<p>Speed-up = the baseline's median time / this kernel's, at the same N. The sweep "
    .. "interleaves kernels, so repetition r of both ran side by side; the 95% CI bootstraps whole pairs "
    .. "(processes first, where rows came from fresh processes), which cancels drift shared by a pair. "
    .. "Kernels not measured side by side are resampled apart.</p>"
  return concat(out, "\n")
end

return M
