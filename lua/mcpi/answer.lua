--- mcpi.answer: what a results table says, before any detail: the
-- fastest-first comparison at the largest N every kernel ran, with
-- speed-ups (and their 95% CI where the summary rows carry mcpi compare's
-- speedup_lo/hi, else the plain ratio of medians, said so); the accuracy
-- statement (error against sigma; which kernels drew identical samples,
-- checked from their hit counts); the points a reader must be warned about
-- (JIT state, other load). The report opens with it; `mcpi run` and
-- scripts/sweep.lua print it after the table.
--   local A = answer.of(results_or_table, {baseline = "lua.interp"})
--   io.write(answer.text(A))
local series = require "mcpi.series"
local cmp = require "mcpi.chart_cmp"
local output = require "mcpi.output"

local type, ipairs, format, concat, sort = type, ipairs, string.format, table.concat, table.sort
local huge, max, min = math.huge, math.max, math.min

local M = {}

local function fin(v) return type(v) == "number" and v == v and v > -huge and v < huge and v or nil end

-- The largest N at which every kernel has a time; nil when there is none.
local function common_n(S)
  local count = {}
  for _, k in ipairs(S.kernels) do
    for _, p in ipairs(k.points) do
      if fin(p.t) then count[p.n] = (count[p.n] or 0) + 1 end
    end
  end
  local best
  for n, c in pairs(count) do
    if c == #S.kernels and (not best or n > best) then best = n end
  end
  return best
end

--- The comparison: {n, baseline, rows = {{name, p, speedup, lo, hi, kind}}}
-- fastest first; kind "ci" (the summary's bootstrap CI) or "ratio" (ratio of
-- medians, no interval). nil when no N is common to all kernels.
function M.compare(S, baseline)
  local n = common_n(S)
  if not n then return nil end
  local rows = {}
  for _, k in ipairs(S.kernels) do
    for _, p in ipairs(k.points) do
      if p.n == n then rows[#rows + 1] = { name = k.name, p = p, sps = p.sps or n / p.t, index = k.index } end
    end
  end
  sort(rows, function(a, b) return a.p.t < b.p.t end)
  local base = baseline
  if not base then base = cmp.baseline(S, rows) end
  local bt
  for _, r in ipairs(rows) do if r.name == base then bt = r.p.t end end
  for _, r in ipairs(rows) do
    local p = r.p
    r.is_base = r.name == base
    if p.speedup and p.baseline == base then
      r.speedup, r.lo, r.hi, r.kind = p.speedup, p.speedup_lo, p.speedup_hi, "ci"
    elseif bt then
      r.speedup, r.kind = bt / p.t, "ratio"
    end
  end
  local ci = false
  for _, r in ipairs(rows) do if r.kind == "ci" then ci = true end end
  return { n = n, baseline = base, rows = rows, ci = ci }
end

--- The accuracy statement: per kernel the RMS error over sigma (at every N,
-- over the seeds common to all kernels there when the rows allow), and the
-- groups of kernels with identical samples (series.identical).
function M.accuracy(S)
  local lo, hi, npts = huge, -huge, 0
  local worst
  for _, k in ipairs(S.kernels) do
    for _, p in ipairs(k.points) do
      local e = p.rms_common or p.rms
      if fin(e) and fin(p.sigma) and p.sigma > 0 then
        local r = e / p.sigma
        npts = npts + 1
        lo, hi = min(lo, r), max(hi, r)
        if not worst or r > worst.r then worst = { r = r, kernel = k.name, n = p.n } end
      end
    end
  end
  local groups, conflicts = series.identical(S)
  return { lo = lo, hi = hi, points = npts, worst = worst, groups = groups, conflicts = conflicts }
end

--- The marked points: JIT notes one by one, other load as one line.
function M.marked(S)
  local out, rows = {}, {}
  for _, k in ipairs(S.kernels) do
    for _, p in ipairs(k.points) do
      if p.jit_note then out[#out + 1] = p.jit_note end
      rows[#rows + 1] = { kernel = k.name, n = p.n, noise_mark = p.noise_mark }
    end
  end
  local noise = require "mcpi.noise"
  local loaded = noise.list_text(rows)
  if loaded then
    out[#out + 1] = format("other processes used more than %.2g cores while measuring: %s",
      noise.THRESHOLD, loaded)
  end
  return out
end

--- All three for a results object or table: {compare, accuracy, marked, S},
-- or nil, err when it holds nothing to show.
function M.of(t, opts)
  opts = opts or {}
  local S, err = series.collect(t)
  if not S then return nil, err end
  return { compare = M.compare(S, opts.baseline), accuracy = M.accuracy(S), marked = M.marked(S),
           S = S, show = opts.show }
end

--- A speed-up as text: "93.1x (90.2-96.0)" or "93.1x" (ratio of medians).
function M.speedup_text(r)
  if r.is_base then return "baseline" end
  if not r.speedup then return "-" end
  local s = format("%.3gx", r.speedup)
  if r.kind == "ci" and fin(r.lo) and fin(r.hi) then s = s .. format(" (%.3g-%.3g)", r.lo, r.hi) end
  return s
end

--- Sentences of the accuracy statement (plain text).
function M.accuracy_lines(a)
  local lines = {}
  if a.points > 0 then
    lines[#lines + 1] = format("error vs theory: RMS |pi_hat - pi| / sigma is %.2f..%.2f over %d points "
      .. "(1 = what the binomial standard error 4*sqrt(p(1-p)/N) predicts)%s", a.lo, a.hi, a.points,
      a.worst and a.worst.r > 2 and format("; %s at N=%s is %.2f sigma", a.worst.kernel,
        output.count(a.worst.n), a.worst.r) or "")
  end
  for _, g in ipairs(a.groups) do
    lines[#lines + 1] = format("identical samples: %s (equal hit counts at every N and seed they share)",
      concat(g, ", "))
  end
  for _, c in ipairs(a.conflicts) do
    lines[#lines + 1] = format("DIFFERENT hit counts: %s and %s at N=%s seed %s, though on one stream",
      c.a, c.b, output.count(c.n), tostring(c.seed))
  end
  return lines
end

--- The answer as terminal text.
function M.text(A)
  local out = {}
  local c = A.compare
  if c and #c.rows > 1 then
    out[#out + 1] = format("all %d kernels at N = %s, fastest first (speed-up over %s%s):",
      #c.rows, output.count(c.n), tostring(c.baseline),
      c.ci and ", 95% CI" or "; ratio of medians") .. "\n"
    local rows = {}
    for i, r in ipairs(c.rows) do
      local p = r.p
      rows[i] = { tostring(i), r.name, output.time(p.t), fin(p.t_lo) and format("%s-%s", output.time(p.t_lo),
        output.time(p.t_hi)) or "-", format("%.3f", p.t / p.n * 1e9), output.rate(r.sps), M.speedup_text(r),
        output.marks{ jit_mark = p.jit_mark, noise_mark = p.noise_mark } }
      for _, f in ipairs(A.show or {}) do rows[i][#rows[i] + 1] = output.shown(p.row or {}, f) end
    end
    local header = { "#", "KERNEL", "TIME", "95% CI", "NS/SAMPLE", "SAMPLES/S", "SPEED-UP", "MARK" }
    for _, f in ipairs(A.show or {}) do header[#header + 1] = f:upper() end
    out[#out + 1] = output.columns(header, rows, { true, false, true, true, true, true, true })
  end
  for _, l in ipairs(M.accuracy_lines(A.accuracy)) do out[#out + 1] = l .. "\n" end
  for _, m in ipairs(A.marked) do out[#out + 1] = "marked: " .. m .. "\n" end
  return concat(out)
end

return M
