--- mcpi.chart_n: the charts against N: time and |error| per kernel, and all
-- kernels together (time_all, error_all). Data from mcpi.series.collect.
local chart = require "mcpi.chart"
local util = require "mcpi.util"

local type, tonumber, ipairs = type, tonumber, ipairs
local format, concat = string.format, table.concat
local sqrt, max, min, huge = math.sqrt, math.max, math.min, math.huge

local M = {}

-- the chart machinery (mcpi.chart) and N as text (mcpi.series)
local style_of, new_chart, positive, bounds = chart.style_of, chart.new_chart, chart.positive, chart.bounds
local has, series, plural, fin, log_axis = chart.has, chart.series, chart.plural, chart.fin, chart.log_axis
local X0, X1, Y0, Y1 = chart.X0, chart.X1, chart.Y0, chart.Y1
local ntext, SIGMA1 = require("mcpi.series").ntext, require("mcpi.series").SIGMA1

-- The usable fit of kernel's metric: model "affine" (t0 + c*N, a positive
-- c) or the power law (a fit without a model field is one).
local function fit_for(t, kernel, metric, model)
  if type(t.fits) ~= "table" then return nil end
  for _, f in ipairs(t.fits) do
    if type(f) == "table" and f.kernel == kernel and f.metric == metric and (f.model or "power") == model
        and not (type(f.n_points) == "number" and f.n_points < 3) then
      if model == "power" and positive(fin(f.a)) and fin(f.b) then return f end
      if model == "affine" and positive(fin(f.c)) and fin(f.t0) then return f end
    end
  end
  return nil
end

local function n_range(k)
  local a, b = k.points[1].n, k.points[#k.points].n
  if a == b then return format("N = %s", ntext(a)) end
  return format("N = %s .. %s", ntext(a), ntext(b))
end

local function fit_label(fit)
  if fit.model == "affine" then
    return "fit t\226\130\128 + c\194\183N"
  end
  return format("fit \226\136\157 N^%s", format("%.2f", fit.b):gsub("^%-", "\226\136\146"))
end

-- The fit as a function of N.
local function fit_fn(fit)
  if fit.model == "affine" then return function(n) return fit.t0 + fit.c * n end end
  return function(n) return fit.a * n ^ fit.b end
end

local XLABEL = "N (samples per call)"

--- Time vs N for one kernel k (from collect()): median, 95% CI whiskers,
-- repetitions as dots, and the fit when the results hold one: the affine
-- model (a fixed cost per call plus a cost per sample), else the power law.
function M.chart_time(S, k, opts)
  opts = opts or {}
  local style = k.style or style_of(k.index)
  local c = new_chart(opts.id or "t" .. k.index, format("%s: time vs N", k.name),
    format("median of repetitions, 95%% CI of the median as whiskers; %s", n_range(k)))
  local pts, zero = series(k.points, "n", "t", "t_lo", "t_hi")
  if #pts == 0 then
    c:empty(format("no finite time values for %s", k.name))
    return c:finish()
  end
  local xb = bounds(pts, "x", "x")
  local yb = bounds(pts, "y", "y")
  bounds(pts, "lo", "hi", yb)
  for _, p in ipairs(k.points) do
    for _, v in ipairs(p.rep_t) do
      if positive(v) then yb.min, yb.max = min(yb.min, v), max(yb.max, v) end
    end
  end
  c:axes(log_axis(xb.min, xb.max, X0, X1), log_axis(yb.min, yb.max, Y1, Y0), XLABEL, "time per call (s)")
  local fit = fit_for(opts.results or {}, k.name, "seconds", "affine")
    or fit_for(opts.results or {}, k.name, "seconds", "power")
  if fit then
    c:curve(fit_fn(fit), { stroke = "#777777", ["stroke-width"] = 1.4,
      ["stroke-dasharray"] = "6 4", class = "fit" }, fin(fit.n_min), fin(fit.n_max))
  end
  local reps = c:draw_reps(k.points, "rep_t", style.color)
  c:draw_series(pts, style, k.name, { metric = "seconds_median" })
  c:add_legend({ kind = "marker", style = style, line = true, label = "median time" })
  if pts[1].lo or pts[#pts].lo then c:add_legend({ kind = "whisker", color = style.color, label = "95% CI" }) end
  if reps then c:add_legend({ kind = "dot", color = style.color, label = "repetitions" }) end
  if fit then
    c:add_legend({ kind = "line", color = "#777777", dash = "6 4",
      label = fit_label(fit) })
    if fit.model == "affine" then
      c:add_legend({ kind = "line", color = "#ffffff",
        label = format("  c = %s ns", util.fmtnum(tonumber(format("%.3g", fit.c * 1e9)))) })
    end
    if fin(fit.r2) then c:add_legend({ kind = "line", color = "#ffffff", label = format("  R\194\178 = %.4f", fit.r2) }) end
  end
  if zero > 0 then c:note(format("%s with time <= 0 not shown (log scale)", plural(zero, "point"))) end
  return c:finish()
end

--- |error| vs N for one kernel: RMS error with its 95% CI, median |error|,
-- the repetitions, and the theoretical sigma = 1.64/sqrt(N).
function M.chart_error(S, k, opts)
  opts = opts or {}
  local style = k.style or style_of(k.index)
  local c = new_chart(opts.id or "e" .. k.index, format("%s: |error| vs N", k.name),
    format("|estimate - pi|: RMS over repetitions (95%% CI whiskers), median; %s", n_range(k)))
  local rms, z1 = series(k.points, "n", "rms", "rms_lo", "rms_hi")
  local med, z2 = series(k.points, "n", "med")
  if #rms == 0 and #med == 0 then
    c:empty(format("no finite |error| values for %s", k.name))
    return c:finish()
  end
  local xb = bounds(rms, "x", "x")
  bounds(med, "x", "x", xb)
  local yb = bounds(rms, "y", "y")
  bounds(rms, "lo", "hi", yb)
  bounds(med, "y", "y", yb)
  for _, p in ipairs(k.points) do
    for _, v in ipairs(p.rep_e) do
      if positive(v) then yb.min, yb.max = min(yb.min, v), max(yb.max, v) end
    end
  end
  yb.min = min(yb.min, SIGMA1 / sqrt(xb.max))
  yb.max = max(yb.max, SIGMA1 / sqrt(xb.min))
  c:axes(log_axis(xb.min, xb.max, X0, X1), log_axis(yb.min, yb.max, Y1, Y0), XLABEL, "|error| (absolute, of pi)")
  c:curve(function(n) return SIGMA1 / sqrt(n) end, { stroke = "#000000", ["stroke-width"] = 1.4,
    ["stroke-dasharray"] = "7 4", class = "theory" })
  local fit = fit_for(opts.results or {}, k.name, "abs_err", "power")
  if fit then
    c:curve(fit_fn(fit), { stroke = "#777777", ["stroke-width"] = 1.4,
      ["stroke-dasharray"] = "2 3", class = "fit" }, fin(fit.n_min), fin(fit.n_max))
  end
  local reps, z3 = c:draw_reps(k.points, "rep_e", style.color)
  -- median first: with one repetition it equals the RMS, and the filled
  -- RMS marker on top still shows the ring around it
  if #med > 0 then c:draw_series(med, style, k.name, { metric = "abs_err_median", line = false, hollow = true }) end
  if #rms > 0 then c:draw_series(rms, style, k.name, { metric = "rms_err" }) end
  if #rms > 0 then c:add_legend({ kind = "marker", style = style, line = true, label = "RMS error" }) end
  if rms[1] and (rms[1].lo or rms[#rms].lo) then c:add_legend({ kind = "whisker", color = style.color, label = "95% CI of RMS" }) end
  if #med > 0 then c:add_legend({ kind = "marker", style = style, hollow = true, label = "median |error|" }) end
  if reps then c:add_legend({ kind = "dot", color = style.color, label = "repetitions" }) end
  c:add_legend({ kind = "line", color = "#000000", dash = "7 4", label = "1.64/\226\136\154N (theory)" })
  if fit then c:add_legend({ kind = "line", color = "#777777", dash = "2 3", label = fit_label(fit) }) end
  local zero = z1 + z2 + z3
  if zero > 0 then c:note(format("%s with |error| = 0 not shown (log scale)", plural(zero, "value"))) end
  return c:finish()
end

--- All kernels' median time vs N on one chart.
function M.chart_time_all(S, opts)
  opts = opts or {}
  local c = new_chart(opts.id or "ta", "Time vs N, all kernels",
    "median time per call; whiskers: 95% CI of the median")
  local all, zero = {}, 0
  local xb, yb = { min = huge, max = -huge }, { min = huge, max = -huge }
  for _, k in ipairs(S.kernels) do
    local pts, z = series(k.points, "n", "t", "t_lo", "t_hi")
    zero = zero + z
    all[#all + 1] = { k = k, pts = pts }
    bounds(pts, "x", "x", xb)
    bounds(pts, "y", "y", yb)
    bounds(pts, "lo", "hi", yb)
  end
  if not has(xb) then
    c:empty("no finite time values in these results")
    return c:finish()
  end
  c:axes(log_axis(xb.min, xb.max, X0, X1), log_axis(yb.min, yb.max, Y1, Y0), XLABEL, "time per call (s)")
  for _, s in ipairs(all) do
    if #s.pts > 0 then
      local style = s.k.style or style_of(s.k.index)
      c:draw_series(s.pts, style, s.k.name, { metric = "seconds_median" })
      c:add_legend({ kind = "marker", style = style, line = true, label = s.k.name })
    end
  end
  if zero > 0 then c:note(format("%s with time <= 0 not shown (log scale)", plural(zero, "point"))) end
  if S.all_loaded then c:note("every point was measured while other processes used more than half a core") end
  return c:finish()
end

-- The error metric shared by all kernels on one chart: RMS when every
-- kernel with error data has it (that is what 1.64/sqrt(N) predicts), else
-- the median |error| for all, so one chart never mixes the two.
local function error_metric(S)
  local rms_ok, common_ok, any = true, true, false
  for _, k in ipairs(S.kernels) do
    for _, p in ipairs(k.points) do
      if p.med or p.rms then
        any = true
        if not p.rms then rms_ok = false end
        if not p.rms_common then common_ok = false end
      end
    end
  end
  if not any then return nil end
  if common_ok then return "rms_common", "RMS |error|", "rms_err_common" end
  if rms_ok then return "rms", "RMS |error|", "rms_err" end
  return "med", "median |error|", "abs_err_median"
end

--- Kernels whose series are exactly equal (same N, same values) grouped:
-- a list of {kernels = {k...}, pts = series}, in the kernels' order.
local function coincident(all)
  local groups, key_of = {}, {}
  for _, s in ipairs(all) do
    if #s.pts > 0 then
      local parts = {}
      for i, p in ipairs(s.pts) do parts[i] = format("%.17g:%.17g", p.x, p.y) end
      local key = concat(parts, " ")
      local g = key_of[key]
      if g then g.kernels[#g.kernels + 1] = s.k
      else
        g = { kernels = { s.k }, pts = s.pts }
        key_of[key] = g
        groups[#groups + 1] = g
      end
    end
  end
  return groups
end
M.coincident = coincident

-- Draw a group of coincident series once, legend and note naming them all.
local function draw_group(c, g, metric)
  local k1 = g.kernels[1]
  local style = k1.style or style_of(k1.index)
  local names = {}
  for i, k in ipairs(g.kernels) do names[i] = k.name end
  c:draw_series(g.pts, style, k1.name, { metric = metric, kernels = concat(names, " ") })
  if #names == 1 then
    c:add_legend({ kind = "marker", style = style, line = true, label = k1.name })
    return
  end
  c:add_legend({ kind = "marker", style = style, line = true, label = k1.name })
  for i = 2, #names do c:add_legend({ kind = "none", label = "= " .. names[i] }) end
  c:note(format("%s coincide exactly (the same samples: same stream, seeds and hits), drawn once; "
    .. "'= name' in the legend", concat(names, ", ")))
end

--- All kernels' error vs N with the theoretical 1.64/sqrt(N) line.
function M.chart_error_all(S, opts)
  opts = opts or {}
  local field, what, metric = error_metric(S)
  local c = new_chart(opts.id or "ea", "|error| vs N, all kernels",
    field and format("%s over %s; dashed: 1.64/\226\136\154N (theory)", what,
      field == "rms_common" and "the seeds common to all kernels at each N" or "repetitions"))
  if not field then
    c:empty("no finite |error| values in these results")
    return c:finish()
  end
  local all, zero = {}, 0
  local xb, yb = { min = huge, max = -huge }, { min = huge, max = -huge }
  for _, k in ipairs(S.kernels) do
    local pts, z = series(k.points, "n", field)
    zero = zero + z
    all[#all + 1] = { k = k, pts = pts }
    bounds(pts, "x", "x", xb)
    bounds(pts, "y", "y", yb)
  end
  if not has(xb) then
    c:empty("no positive |error| values in these results")
    return c:finish()
  end
  yb.min = min(yb.min, SIGMA1 / sqrt(xb.max))
  yb.max = max(yb.max, SIGMA1 / sqrt(xb.min))
  c:axes(log_axis(xb.min, xb.max, X0, X1), log_axis(yb.min, yb.max, Y1, Y0), XLABEL,
    format("%s (absolute, of pi)", what))
  c:curve(function(n) return SIGMA1 / sqrt(n) end, { stroke = "#000000", ["stroke-width"] = 1.6,
    ["stroke-dasharray"] = "7 4", class = "theory" })
  for _, g in ipairs(coincident(all)) do draw_group(c, g, metric) end
  c:add_legend({ kind = "line", color = "#000000", dash = "7 4", label = "1.64/\226\136\154N (theory)" })
  if zero > 0 then c:note(format("%s with |error| = 0 not shown (log scale)", plural(zero, "point"))) end
  return c:finish()
end

--- The N throughput is compared at: the largest N every kernel with a
M.error_metric = error_metric

return M
