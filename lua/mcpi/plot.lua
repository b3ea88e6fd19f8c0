--- mcpi.plot: SVG charts from a results table (schema mcpi/1), no Python.
--   local plot = require "mcpi.plot"
--   local t = assert(plot.read("results/sweep.json"))
--   local files = assert(plot.write(t, "results/charts"))
-- Charts (file names under DIR):
--   time_<kernel>.svg  error_<kernel>.svg   one pair per kernel (median, 95% CI)
--   time_all.svg  error_all.svg             all kernels; error with 1.64/sqrt(N)
--   throughput.svg                          samples/s at the largest common N, speed-ups
--   front.svg                               |error| vs time, the Pareto front marked
-- Loading this module registers the `mcpi plot` command.
local svg = require "mcpi.svg"
local chart = require "mcpi.chart"
local util = require "mcpi.util"

local type, tostring, tonumber, pairs, ipairs = type, tostring, tonumber, pairs, ipairs
local format, concat, sort = string.format, table.concat, table.sort
local floor, sqrt, log10, abs, max, min = math.floor, math.sqrt, math.log10, math.abs, math.max, math.min
local huge, pi = math.huge, math.pi
local io_open = io.open

local M = {}

local style_of = chart.style_of
local new_chart = chart.new_chart
local positive = chart.positive
local bounds = chart.bounds
local has = chart.has
local series = chart.series
local numattr = chart.numattr
local plural = chart.plural
local X0 = chart.X0
local X1 = chart.X1
local Y0 = chart.Y0
local Y1 = chart.Y1
-- The chart machinery, public here as before.
M.PALETTE, M.MARKERS = chart.PALETTE, chart.MARKERS
M.si, M.duration, M.truncate, M.log_axis = chart.si, chart.duration, chart.truncate, chart.log_axis

M.SCHEMA = "mcpi/1"

local P_HIT = pi / 4
local SIGMA1 = 4 * sqrt(P_HIT * (1 - P_HIT))  -- 1.642...: sigma_theory * sqrt(N)

-- -- Errors ------------------------------------------------------------------

local data_error = require("mcpi.errors").data  -- exit 1, one line, no traceback

-- -- Reading -----------------------------------------------------------------

--- Read and decode a results file. Returns the table, or nil, err, code where
-- code is 2 when the file cannot be opened (a usage error) and 1 when its
-- contents are wrong (not JSON, wrong schema). The one place that parses JSON,
-- so it can be swapped for mcpi.load.
function M.read(path)
  util.check(path, "string", "plot.read: path")
  local fh, err = io_open(path, "rb")
  if not fh then
    return nil, format("cannot open %s: %s", util.quote_arg(path, 200), tostring(err):gsub("^.*: ", "")), 2
  end
  local probe = fh:read(0)
  fh:close()
  if probe == nil and fh ~= nil then
    -- read(0) is nil at end of file and for directories; tell them apart
    local d = io_open(path .. "/.")
    if d then d:close(); return nil, format("cannot read %s (is it a directory?)", util.quote_arg(path, 200)), 2 end
  end
  local res, lerr = require("mcpi.results").load(path)  -- the one results reader
  if not res then return nil, lerr, 1 end
  local t = M.as_table(res)
  t.file_notes, t.entries = res.file_notes, res.entries
  local ok, verr = M.check(t)
  if not ok then return nil, format("'%s': %s", path, verr), 1 end
  return t
end

--- A results object (from mcpi.sweep or mcpi.load: rows, summary, fits) in the
-- file's shape {schema, context, results, fits}; a decoded file is returned as is.
function M.as_table(t)
  if type(t) == "table" and t.results == nil and type(t.rows) == "table" then
    local rows = {}
    for _, r in ipairs(t.rows) do rows[#rows + 1] = r end
    for _, r in ipairs(t.summary or {}) do rows[#rows + 1] = r end
    return { schema = t.schema or M.SCHEMA, context = t.context, results = rows,
             fits = t.fits, notes = t.notes }
  end
  return t
end

--- Check that t looks like an mcpi/1 results table. Returns true, or nil, err.
function M.check(t)
  if type(t) ~= "table" then return nil, "not a results object (expected a JSON object)" end
  if t.schema == nil or type(t.schema) ~= "string" then
    return nil, format("no schema field (expected \"schema\": \"%s\")", M.SCHEMA)
  end
  if t.schema ~= M.SCHEMA then
    return nil, format("schema '%s' is not supported (expected '%s')", t.schema, M.SCHEMA)
  end
  if type(t.results) ~= "table" then
    return nil, "no results array (expected \"results\": [rows])"
  end
  -- rows the loader skipped (no kernel, no n): collect() says "no plottable rows"
  if #t.results == 0 and not ((t.entries or 0) > 0) then return nil, "the results array is empty: nothing to plot" end
  return true
end

-- -- Collecting the data -----------------------------------------------------

-- A finite number, or nil (cjson's null, strings, NaN/inf and tables are absent).
local fin = chart.fin

local function median(xs)
  local n = #xs
  if n == 0 then return nil end
  local s = {}
  for i = 1, n do s[i] = xs[i] end
  sort(s)
  if n % 2 == 1 then return s[(n + 1) / 2] end
  return (s[n / 2] + s[n / 2 + 1]) / 2
end

local function count_of(v)  -- n may be a number or a string of digits
  if type(v) == "string" and v:match("^%d+$") then v = tonumber(v) end
  v = fin(v)
  if v and v >= 1 then return v end
  return nil
end

--- Turn a results table into per-kernel series: returns
-- { kernels = { {name, index, points = { {n, t, t_lo, t_hi, rms, rms_lo, rms_hi,
--   med, sps, sigma, rep_t = {...}, rep_e = {...}} ... sorted by n} } ... },
--   notes = {strings} }. Summary rows are preferred; rep rows fill what they lack.
-- Returns nil, err when nothing in t can be plotted.
function M.collect(t)
  t = M.as_table(t)
  local ok, err = M.check(t)
  if not ok then return nil, err end
  local byname, kernels = {}, {}
  local skipped, nonfinite, unknown_row = 0, 0, 0
  for _, row in ipairs(t.results) do
    local name = type(row) == "table" and row.kernel
    local n = type(row) == "table" and count_of(row.n)
    if type(name) ~= "string" or name == "" or not n then
      skipped = skipped + 1
    else
      local k = byname[name]
      if not k then
        k = { name = name, index = #kernels + 1, bypoint = {} }
        byname[name] = k
        kernels[#kernels + 1] = k
      end
      local p = k.bypoint[n]
      if not p then
        p = { n = n, rep_t = {}, rep_e = {}, rep_sps = {} }
        k.bypoint[n] = p
      end
      if type(row.nonfinite) == "table" then
        nonfinite = nonfinite + #row.nonfinite
      else  -- decoded by mcpi.load: the listed fields came back as NaN/inf
        for _, v in pairs(row) do
          if type(v) == "number" and (v ~= v or v == huge or v == -huge) then nonfinite = nonfinite + 1 end
        end
      end
      if row.row == "summary" then
        p.summary = row
      elseif row.row == "rep" or row.row == nil then
        p.rep_t[#p.rep_t + 1] = fin(row.seconds)
        p.rep_e[#p.rep_e + 1] = fin(row.abs_err)
        p.rep_sps[#p.rep_sps + 1] = fin(row.samples_per_s)
      else
        unknown_row = unknown_row + 1
      end
    end
  end
  local out, notes = {}, {}
  for _, n in ipairs(type(t.notes) == "table" and t.notes or {}) do
    if type(n) == "string" then notes[#notes + 1] = n end
  end
  local empty = {}
  for _, k in ipairs(kernels) do
    local pts = {}
    for n, p in pairs(k.bypoint) do
      local s = p.summary or {}
      p.t = fin(s.seconds_median) or median(p.rep_t)
      p.t_lo, p.t_hi = fin(s.seconds_ci_lo), fin(s.seconds_ci_hi)
      if not (p.t_lo and p.t_hi and p.t_lo <= p.t_hi) then p.t_lo, p.t_hi = nil, nil end
      p.med = fin(s.abs_err_median) or median(p.rep_e)
      p.rms = fin(s.rms_err)
      if not p.rms and #p.rep_e > 0 then
        local ss = 0
        for _, e in ipairs(p.rep_e) do ss = ss + e * e end
        p.rms = sqrt(ss / #p.rep_e)
      end
      p.rms_lo, p.rms_hi = fin(s.rms_err_ci_lo), fin(s.rms_err_ci_hi)
      if not (p.rms_lo and p.rms_hi and p.rms_lo <= p.rms_hi) then p.rms_lo, p.rms_hi = nil, nil end
      p.sps = fin(s.samples_per_s_median) or median(p.rep_sps)
      if not p.sps and p.t and p.t > 0 then p.sps = n / p.t end
      p.sigma = fin(s.sigma_theory) or SIGMA1 / sqrt(n)
      p.reps = fin(s.reps) or #p.rep_t
      p.threads = s.threads
      p.summary = nil
      if p.t or p.med or p.rms or p.sps then pts[#pts + 1] = p end
    end
    sort(pts, function(a, b) return a.n < b.n end)
    if #pts > 0 then
      out[#out + 1] = { name = k.name, index = #out + 1, points = pts }
    else
      empty[#empty + 1] = k.name
    end
  end
  if skipped > 0 then
    notes[#notes + 1] = format("%d row%s without a kernel name or a positive n skipped",
      skipped, skipped == 1 and "" or "s")
  end
  if unknown_row > 0 then
    notes[#notes + 1] = format("%d row%s of unknown kind skipped", unknown_row, unknown_row == 1 and "" or "s")
  end
  if nonfinite > 0 then
    notes[#notes + 1] = format("%d non-finite value%s (NaN/inf, written as null) not shown",
      nonfinite, nonfinite == 1 and "" or "s")
  end
  if #empty > 0 then
    notes[#notes + 1] = format("no finite values for kernel%s %s", #empty == 1 and "" or "s",
      concat(empty, ", "))
  end
  if #out == 0 then
    return nil, "no plottable rows (each row needs a kernel, a positive n and seconds or abs_err)"
      .. (#notes > 0 and ("; " .. concat(notes, "; ")) or "")
  end
  return { kernels = out, notes = notes }
end

-- -- The charts --------------------------------------------------------------

-- The usable fit of kernel's metric: model "affine" (t0 + c*N, a positive
-- c) or the power law (a fit without a model field is one).
local function fit_for(t, kernel, metric, model)
  if type(t.fits) ~= "table" then return nil end
  for _, f in ipairs(t.fits) do
    if type(f) == "table" and f.kernel == kernel and f.metric == metric and (f.model or "power") == model then
      if model == "power" and positive(fin(f.a)) and fin(f.b) then return f end
      if model == "affine" and positive(fin(f.c)) and fin(f.t0) then return f end
    end
  end
  return nil
end

local SUPDIGIT = { ["0"] = "\226\129\176", ["1"] = "\194\185", ["2"] = "\194\178", ["3"] = "\194\179",
  ["4"] = "\226\129\180", ["5"] = "\226\129\181", ["6"] = "\226\129\182", ["7"] = "\226\129\183",
  ["8"] = "\226\129\184", ["9"] = "\226\129\185", ["-"] = "\226\129\187" }

--- N as plain text: powers of ten as 10 with a superscript exponent, others in digits.
function M.ntext(n)
  if positive(n) then
    local k = floor(log10(n) + 0.5)
    if 10 ^ k == n then return "10" .. tostring(k):gsub(".", SUPDIGIT) end
  end
  return util.fmtnum(n)
end

local function n_range(k)
  local a, b = k.points[1].n, k.points[#k.points].n
  if a == b then return format("N = %s", M.ntext(a)) end
  return format("N = %s .. %s", M.ntext(a), M.ntext(b))
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
  local style = style_of(k.index)
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
  c:axes(M.log_axis(xb.min, xb.max, X0, X1), M.log_axis(yb.min, yb.max, Y1, Y0), XLABEL, "time per call (s)")
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
  local style = style_of(k.index)
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
  c:axes(M.log_axis(xb.min, xb.max, X0, X1), M.log_axis(yb.min, yb.max, Y1, Y0), XLABEL, "|error| (absolute, of pi)")
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
  c:axes(M.log_axis(xb.min, xb.max, X0, X1), M.log_axis(yb.min, yb.max, Y1, Y0), XLABEL, "time per call (s)")
  for _, s in ipairs(all) do
    if #s.pts > 0 then
      local style = style_of(s.k.index)
      c:draw_series(s.pts, style, s.k.name, { metric = "seconds_median" })
      c:add_legend({ kind = "marker", style = style, line = true, label = s.k.name })
    end
  end
  if zero > 0 then c:note(format("%s with time <= 0 not shown (log scale)", plural(zero, "point"))) end
  return c:finish()
end

-- The error metric shared by all kernels on one chart: RMS when every
-- kernel with error data has it (that is what 1.64/sqrt(N) predicts), else
-- the median |error| for all, so one chart never mixes the two.
local function error_metric(S)
  local rms_ok, any = true, false
  for _, k in ipairs(S.kernels) do
    for _, p in ipairs(k.points) do
      if p.med or p.rms then
        any = true
        if not p.rms then rms_ok = false end
      end
    end
  end
  if not any then return nil end
  if rms_ok then return "rms", "RMS |error|", "rms_err" end
  return "med", "median |error|", "abs_err_median"
end

--- All kernels' error vs N with the theoretical 1.64/sqrt(N) line.
function M.chart_error_all(S, opts)
  opts = opts or {}
  local field, what, metric = error_metric(S)
  local c = new_chart(opts.id or "ea", "|error| vs N, all kernels",
    field and format("%s over repetitions; dashed: 1.64/sqrt(N), the standard error of 4*hits/N", what))
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
  c:axes(M.log_axis(xb.min, xb.max, X0, X1), M.log_axis(yb.min, yb.max, Y1, Y0), XLABEL,
    format("%s (absolute, of pi)", what))
  c:curve(function(n) return SIGMA1 / sqrt(n) end, { stroke = "#000000", ["stroke-width"] = 1.6,
    ["stroke-dasharray"] = "7 4", class = "theory" })
  for _, s in ipairs(all) do
    if #s.pts > 0 then
      local style = style_of(s.k.index)
      c:draw_series(s.pts, style, s.k.name, { metric = metric })
      c:add_legend({ kind = "marker", style = style, line = true, label = s.k.name })
    end
  end
  c:add_legend({ kind = "line", color = "#000000", dash = "7 4", label = "1.64/\226\136\154N (theory)" })
  if zero > 0 then c:note(format("%s with |error| = 0 not shown (log scale)", plural(zero, "point"))) end
  return c:finish()
end

--- The N throughput is compared at: the largest N every kernel with a
-- throughput value has; nil when there is none (then each kernel's largest).
function M.common_n(S)
  local count, nk = {}, 0
  for _, k in ipairs(S.kernels) do
    local any = false
    for _, p in ipairs(k.points) do
      if positive(p.sps) then count[p.n] = (count[p.n] or 0) + 1; any = true end
    end
    if any then nk = nk + 1 end
  end
  local best
  for n, c in pairs(count) do
    if c == nk and (not best or n > best) then best = n end
  end
  return best
end

--- Choose the throughput baseline: opts.baseline (must be in S), else
-- lua.interp when present, else the slowest kernel. Returns name or nil, err.
function M.baseline(S, rows, want)
  local names = {}
  for _, r in ipairs(rows) do names[#names + 1] = r.name end
  if want ~= nil then
    for _, r in ipairs(rows) do if r.name == want then return want end end
    return nil, format("baseline '%s' has no throughput value in these results%s", tostring(want),
      util.did_you_mean(tostring(want), names, "kernels: " .. concat(names, ", ")))
  end
  for _, r in ipairs(rows) do if r.name == "lua.interp" then return r.name end end
  local slow
  for _, r in ipairs(rows) do if not slow or r.sps < slow.sps then slow = r end end
  return slow and slow.name
end

-- One throughput value per kernel: {name, index, n, sps}, fastest first.
function M.throughput_rows(S)
  local cn = M.common_n(S)
  local rows = {}
  for _, k in ipairs(S.kernels) do
    local best
    for _, p in ipairs(k.points) do
      if positive(p.sps) and (cn == nil or p.n == cn) and (not best or p.n > best.n) then best = p end
    end
    if best then rows[#rows + 1] = { name = k.name, index = k.index, n = best.n, sps = best.sps } end
  end
  sort(rows, function(a, b) return a.sps > b.sps end)
  return rows, cn
end

--- Throughput (samples/s) per kernel as horizontal bars on a log axis, each
-- with its speed-up over the baseline written at its end.
function M.chart_throughput(S, opts)
  opts = opts or {}
  local rows, cn = M.throughput_rows(S)
  local base, berr = M.baseline(S, rows, opts.baseline)
  if opts.baseline ~= nil and not base then return nil, berr end
  local sub
  if cn then
    sub = format("median samples/s at N = %s, the largest N all kernels ran; speed-up over %s",
      M.ntext(cn), tostring(base))
  else
    sub = format("median samples/s at each kernel's largest N (no N common to all); speed-up over %s",
      tostring(base))
  end
  local c = new_chart(opts.id or "tp", "Throughput per kernel", #rows > 0 and sub or nil)
  if #rows == 0 then
    c:empty("no finite throughput values in these results")
    return c:finish()
  end
  local bx0, bx1 = 150, 580
  local vmin, vmax = huge, -huge
  local bsps
  for _, r in ipairs(rows) do
    vmin, vmax = min(vmin, r.sps), max(vmax, r.sps)
    if r.name == base then bsps = r.sps end
  end
  local xa = M.log_axis(vmin / 3, vmax, bx0, bx1)
  local d = c.d
  local slot = min(46, (Y1 - Y0 - 16) / #rows)
  local top = Y0 + (Y1 - Y0 - slot * #rows) / 2
  local bh = slot * 0.62
  -- many kernels: smaller labels so neighbours do not overlap
  local fs = min(14, max(8, slot * 0.75))
  local fstyle = fs < 14 and format("font-size:%spx", svg.num(fs)) or nil
  d:open("g", { class = "grid", stroke = "#e4e4e4" })
  for _, t in ipairs(xa.ticks) do
    if t.major then d:el("line", { x1 = t.pos, y1 = Y0, x2 = t.pos, y2 = Y1 }) end
  end
  d:close()
  d:el("line", { x1 = bx0, y1 = Y0, x2 = bx0, y2 = Y1, stroke = "#444" })
  d:el("line", { x1 = bx0, y1 = Y1, x2 = bx1, y2 = Y1, stroke = "#444" })
  d:open("g", { class = "axis x", ["data-scale"] = "log", ["data-lo"] = format("%.17g", 10 ^ xa.lo),
    ["data-hi"] = format("%.17g", 10 ^ xa.hi), ["data-p0"] = bx0, ["data-p1"] = bx1 })
  for _, t in ipairs(xa.ticks) do
    d:open("g", { class = "tick", ["data-value"] = format("%.17g", t.value), ["data-pos"] = t.pos })
    d:el("line", { x1 = t.pos, y1 = Y1, x2 = t.pos, y2 = Y1 + (t.major and 6 or 3), stroke = "#444" })
    if t.label then d:el("text", { x = t.pos, y = Y1 + 24, ["text-anchor"] = "middle" }, nil, t.label) end
    d:close()
  end
  d:close()
  d:el("text", { x = (bx0 + bx1) / 2, y = Y1 + 50, ["text-anchor"] = "middle", class = "lab" },
    "throughput (samples/s, log scale)")
  for i, r in ipairs(rows) do
    local style = style_of(r.index)
    local yc = top + (i - 0.5) * slot
    local xe = xa.map(r.sps)
    local speed = bsps and r.sps / bsps
    d:open("g", { class = "bar", ["data-kernel"] = r.name, ["data-value"] = numattr(r.sps),
      ["data-n"] = numattr(r.n), ["data-speedup"] = numattr(speed) })
    d:el("rect", { x = bx0, y = yc - bh / 2, width = max(1, xe - bx0), height = bh, fill = style.color,
      ["fill-opacity"] = 0.9 })
    c:marker(bx0 - 12, yc, style, { class = "key" })
    local name = M.truncate(r.name, 16)
    d:el("text", { x = bx0 - 22, y = yc + fs * 0.35, ["text-anchor"] = "end", class = "lab", style = fstyle }, name)
    local label = format("%s samples/s", M.si(r.sps))
    if r.name == base then
      label = label .. "  (baseline)"
    elseif speed then
      local sx = speed >= 100 and format("%.0f", speed) or speed >= 10 and format("%.1f", speed)
        or format("%.2f", speed)
      label = label .. format("  \195\151%s", sx)
    end
    if not cn then label = label .. format("  at N=%s", M.ntext(r.n)) end
    d:el("text", { x = xe + 8, y = yc + fs * 0.35, class = "lab speedup", style = fstyle }, label)
    d:close()
  end
  return c:finish()
end

-- Points not dominated by another (less or equal time AND error, one strictly).
local function pareto(pts)
  sort(pts, function(a, b) if a.x ~= b.x then return a.x < b.x end return a.y < b.y end)
  local front, best = {}, huge
  for _, p in ipairs(pts) do
    if p.y < best then front[#front + 1] = p; best = p.y end
  end
  return front
end
M.pareto = pareto

--- The front: error vs time for every (kernel, N) point, log-log; the Pareto
-- front (no point is both faster and more accurate) drawn as a step line.
function M.chart_front(S, opts)
  opts = opts or {}
  local field, what = error_metric(S)
  local c = new_chart(opts.id or "fr", "Accuracy vs time: the trade-off front",
    field and format("each point is one kernel at one N; %s against median time; lower left is better", what))
  if not field then
    c:empty("no finite |error| values in these results")
    return c:finish()
  end
  local all, pts, zero = {}, {}, 0
  for _, k in ipairs(S.kernels) do
    local s = {}
    for _, p in ipairs(k.points) do
      local x, y = p.t, p[field]
      if x and y then
        if positive(x) and positive(y) then
          local q = { x = x, y = y, n = p.n, kernel = k.name, index = k.index }
          s[#s + 1] = q
          pts[#pts + 1] = q
        else
          zero = zero + 1
        end
      end
    end
    sort(s, function(a, b) return a.x < b.x end)
    all[#all + 1] = { k = k, pts = s }
  end
  if #pts == 0 then
    c:empty("no point has both a finite time and a positive |error|")
    return c:finish()
  end
  local xb = bounds(pts, "x", "x")
  local yb = bounds(pts, "y", "y")
  c:axes(M.log_axis(xb.min, xb.max, X0, X1), M.log_axis(yb.min, yb.max, Y1, Y0),
    "time per call (s)", format("%s (absolute, of pi)", what))
  local xa, ya = c.xa, c.ya
  local front = pareto(pts)
  local step = {}
  for i, p in ipairs(front) do
    local x, y = xa.map(p.x), ya.map(p.y)
    if i > 1 then step[#step + 1] = { x, step[#step][2] } end
    step[#step + 1] = { x, y }
  end
  c.d:open("g", { class = "front" })
  c:line(step, { stroke = "#888888", ["stroke-width"] = 7, ["stroke-opacity"] = 0.35,
    ["stroke-linejoin"] = "round" })
  c.d:close()
  for _, s in ipairs(all) do
    if #s.pts > 0 then
      local style = style_of(s.k.index)
      c:draw_series(s.pts, style, s.k.name, { metric = "front", line = false })
      c:add_legend({ kind = "marker", style = style, label = s.k.name })
    end
  end
  c.d:open("g", { class = "front-labels" })
  -- Labels go below-left of their point: by definition of the front no
  -- point lies there. One that would overlap the previous label is left out.
  local last
  for _, p in ipairs(front) do
    local x, y = xa.map(p.x) - 6, ya.map(p.y) + 15
    if x > X0 + 40 and y < Y1 - 2 and not (last and abs(x - last[1]) < 44 and abs(y - last[2]) < 14) then
      c.d:el("text", { x = x, y = y, class = "note", ["text-anchor"] = "end",
        ["data-n"] = numattr(p.n) }, "N=" .. M.ntext(p.n))
      last = { x, y }
    end
  end
  c.d:close()
  c:add_legend({ kind = "line", color = "#888888", width = 7, label = "Pareto front" })
  if zero > 0 then c:note(format("%s with |error| = 0 or time <= 0 not shown (log scale)", plural(zero, "point"))) end
  return c:finish()
end

-- -- Putting them together ---------------------------------------------------

-- A kernel name as a file-name part: dots kept, anything odd becomes '_'.
local function file_part(name)
  local s = name:gsub("[^%w%._%-]", "_"):gsub("^%.+", "_")
  -- A long name (a file may hold any) is cut and made unique by a hash of
  -- the whole, so time_NAME.svg stays far below the 255-byte file-name limit.
  if #s > 64 then
    local h = 5381
    for i = 1, #name do h = (h * 33 + name:byte(i)) % 4294967296 end
    s = format("%s_%08x", s:sub(1, 55), h)
  end
  return s
end
M.file_part = file_part

--- Every chart for a results table: returns a list of {name = "time_all.svg",
-- title, kind, kernel, svg = text} and the notes (strings), or nil, err when
-- the table holds nothing to plot. opts.baseline picks the throughput
-- baseline; opts.id_prefix keeps ids unique when several charts share a page.
function M.charts(t, opts)
  if type(t) ~= "table" then error(format("plot.charts: results must be a table, got %s", type(t)), 2) end
  opts = opts or {}
  if type(opts) ~= "table" then error("plot.charts: opts must be a table", 2) end
  if opts.baseline ~= nil and type(opts.baseline) ~= "string" then
    error(format("plot.charts: opts.baseline must be a kernel name (string), got %s", type(opts.baseline)), 2)
  end
  local S, err = M.collect(t)
  if not S then return nil, err end
  local pre = opts.id_prefix or ""
  local out = {}
  local used = {}
  local function add(name, kind, kernel, text, title)
    out[#out + 1] = { name = name, kind = kind, kernel = kernel, svg = text, title = title }
  end
  local tp, tperr = M.chart_throughput(S, { baseline = opts.baseline, id = pre .. "tp" })
  if not tp then return nil, tperr end
  add("time_all.svg", "time_all", nil, M.chart_time_all(S, { id = pre .. "ta" }), "Time vs N, all kernels")
  add("error_all.svg", "error_all", nil, M.chart_error_all(S, { id = pre .. "ea" }), "|error| vs N, all kernels")
  add("throughput.svg", "throughput", nil, tp, "Throughput per kernel")
  add("front.svg", "front", nil, M.chart_front(S, { id = pre .. "fr" }), "Accuracy vs time")
  for _, k in ipairs(S.kernels) do
    local part = file_part(k.name)
    local base = part
    local j = 1
    while used[part] do j = j + 1; part = base .. "_" .. j end
    used[part] = true
    add("time_" .. part .. ".svg", "time", k.name,
      M.chart_time(S, k, { id = pre .. "t" .. k.index, results = t }), k.name .. ": time vs N")
    add("error_" .. part .. ".svg", "error", k.name,
      M.chart_error(S, k, { id = pre .. "e" .. k.index, results = t }), k.name .. ": |error| vs N")
  end
  return out, S.notes, S
end

-- -- Files -------------------------------------------------------------------

--- Create directory dir and its parents (like mkdir -p). Returns true or nil, err.
function M.mkdir(dir)
  util.check(dir, "string", "plot.mkdir: dir")
  if dir == "" then return nil, "empty directory name" end
  return require("mcpi.writer").mkdir(dir)
end

--- Write text to path through mcpi.writer (a regular file replaced through a
-- temporary file and a rename, so a reader never sees half a chart; a device
-- or pipe written through). Returns true or nil, err.
M.write_file = require("mcpi.json").write_file

--- Write every chart of results table t as SVG files into dir (created when
-- missing). Returns the list of paths written and the notes, or nil, err.
-- Misuse (t not a table, dir not a string) raises an error.
function M.write(t, dir, opts)
  if type(t) ~= "table" then error(format("plot.write: results must be a table, got %s", type(t)), 2) end
  if type(dir) ~= "string" or dir == "" then
    error(format("plot.write: dir must be a directory name, got %s", type(dir) == "string" and "''" or type(dir)), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then error("plot.write: opts must be a table", 2) end
  opts = opts or {}
  if opts.baseline ~= nil and type(opts.baseline) ~= "string" then
    error(format("plot.write: opts.baseline must be a kernel name (string), got %s", type(opts.baseline)), 2)
  end
  local charts, notes = M.charts(t, opts)
  if not charts then return nil, notes end
  local paths, err = M.save(charts, dir)
  if not paths then return nil, err end
  return paths, notes
end

--- Save charts (from charts()) as files in dir, created when missing.
-- Returns the list of paths, or nil, err.
function M.save(charts, dir)
  util.check(charts, "table", "plot.save: charts")
  util.check(dir, "string", "plot.save: dir")
  for i, c in ipairs(charts) do
    if type(c) ~= "table" or type(c.name) ~= "string" or type(c.svg) ~= "string" then
      error(format("plot.save: charts[%d] must be a chart {name, svg} (from plot.charts)", i), 2)
    end
  end
  local ok, err = M.mkdir(dir)
  if not ok then return nil, err end
  local paths = {}
  local prefix = dir:gsub("/+$", "")
  for _, c in ipairs(charts) do
    local path = prefix .. "/" .. c.name
    local wok, werr = M.write_file(path, c.svg)
    if not wok then return nil, werr end
    paths[#paths + 1] = path
  end
  return paths
end

-- -- The command -------------------------------------------------------------

local function dirname(path)
  local d = path:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end
M.dirname = dirname

--- Parse a command's options: spec maps option -> field ("-o" = "output");
-- returns the positional arguments and the options. Usage errors exit 2.
function M.parse_args(cmd, args, i, spec)
  local pos, o = {}, {}
  local names = {}
  for k in pairs(spec) do names[#names + 1] = k end
  sort(names)
  while args[i] ~= nil do
    local a = args[i]
    if a == "--" then
      for j = i + 1, #args do pos[#pos + 1] = args[j] end
      break
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      local k, v = a:match("^(%-%-[^=]+)=(.*)$")
      if not k then
        k = a
        if a:match("^%-%a.") and spec[a:sub(1, 2)] then k, v = a:sub(1, 2), a:sub(3) end
      end
      local field = spec[k]
      if not field then
        util.usage(format("%s: unknown option %s%s", cmd, util.quote_arg(k),
          util.did_you_mean(k, names, "see 'mcpi help " .. cmd .. "'")))
      end
      if v == nil then
        i = i + 1
        v = args[i]
        if v == nil then util.usage(format("%s: option %s needs a value", cmd, k)) end
      end
      if v == "" then util.usage(format("%s: option %s needs a non-empty value", cmd, k)) end
      o[field] = v
    else
      pos[#pos + 1] = a
    end
    i = i + 1
  end
  return pos, o
end

--- Read a results file for a command; raise the right exit (2 unreadable, 1 bad data).
function M.read_or_exit(cmd, path)
  local t, err, code = M.read(path)
  if not t then
    if code == 2 then util.usage(format("%s: %s", cmd, err)) end
    data_error(format("%s: %s", cmd, err))
  end
  return t
end
M.data_error = data_error

require("mcpi.cli").command("plot", {
  args = "RESULTS.json [-o DIR] [--baseline KERNEL]",
  summary = "SVG charts from a results file",
  help = [[
Writes SVG charts of a results file (schema mcpi/1) into DIR (default: the
directory of RESULTS.json; created when missing) and prints their paths:
  time_KERNEL.svg, error_KERNEL.svg  per kernel: time and |error| vs N, log-log,
                                     median with 95% CI whiskers; the fits
                                     (time: t0 + c*N, error: a*N^b) dashed
  time_all.svg, error_all.svg        all kernels; error with 1.64/sqrt(N)
  throughput.svg                     samples/s at the largest common N, with
                                     the speed-up over the baseline
  front.svg                          |error| vs time, Pareto front marked
Options:
  -o, --output DIR     where to write the charts
  --baseline KERNEL    the speed-up reference (default lua.interp if present,
                       else the slowest kernel)
Exit codes: 2 for usage errors (unknown option, missing or unreadable file,
unwritable DIR), 1 when the file is not mcpi/1 results JSON.]],
  run = function(args, i)
    local pos, o = M.parse_args("plot", args, i,
      { ["-o"] = "output", ["--output"] = "output", ["--baseline"] = "baseline" })
    if #pos == 0 then util.usage("plot: missing RESULTS.json (usage: mcpi plot RESULTS.json [-o DIR])") end
    if #pos > 1 then util.usage(format("plot: unexpected argument %s (one results file at a time)", util.quote_arg(pos[2]))) end
    local t = M.read_or_exit("plot", pos[1])
    local dir = o.output or dirname(pos[1])
    local charts, err = M.charts(t, { baseline = o.baseline })
    if not charts then
      if o.baseline and err:find("^baseline") then util.usage("plot: " .. err) end
      data_error(format("plot: '%s': %s", pos[1], err))
    end
    -- A directory that cannot be made is a usage error (exit 2); a write
    -- that fails once writing has begun (a full disk) loses charts: exit 1.
    local dok, derr = M.mkdir(dir)
    if not dok then util.usage("plot: " .. derr) end
    local paths, werr = M.save(charts, dir)
    if not paths then data_error("plot: " .. werr) end
    for _, p in ipairs(paths) do io.stdout:write(p, "\n") end
    -- The sweep's own notes (skipped points) are the report's business; here
    -- only what reading and drawing found.
    local said = t.file_notes or {}
    for _, n in ipairs(err or {}) do
      if not said[n] then io.stderr:write("mcpi: plot: note: ", n, "\n") end
    end
    return 0
  end,
})

return M
