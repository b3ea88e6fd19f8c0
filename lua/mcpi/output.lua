--- mcpi.output: results as a terminal table and as CSV.


local type, ipairs, pairs, tostring, format = type, ipairs, pairs, tostring, string.format
local concat, max, huge, floor = table.concat, math.max, math.huge, math.floor
local rep = string.rep

local M = {}

--- Field order of repetition rows (the JSON and CSV write these first).
M.REP_FIELDS = { "row", "kernel", "stream", "n", "seed", "rep", "process", "threads", "hits",
  "estimate", "abs_err", "rel_accuracy", "std_err", "z", "seconds", "ns_per_sample",
  "samples_per_s", "calls", "outlier", "jit_traces", "jit_aborts", "jit_started", "jit_first" }

--- Field order of summary rows.
M.SUMMARY_FIELDS = { "row", "kernel", "stream", "n", "threads", "reps", "seed",
  "seconds_median", "seconds_mean", "seconds_min", "seconds_max", "seconds_sd",
  "seconds_mad", "seconds_ci_lo", "seconds_ci_hi", "outliers", "ns_per_sample_median",
  "samples_per_s_median", "estimate_median", "abs_err_median", "rms_err", "rms_err_ci_lo",
  "rms_err_ci_hi", "sigma_theory", "first_seconds", "jit_traces_first", "jit_aborts_first",
  "jit_traces_steady", "jit_aborts_steady", "partial", "baseline", "speedup", "speedup_lo",
  "speedup_hi", "speedup_pairs", "processes", "seconds_process_median", "seconds_process_min",
  "seconds_process_max" }

--- Field order of fit entries.
M.FIT_FIELDS = { "kernel", "metric", "a", "b", "r2", "n_points", "n_min", "n_max" }

local function finite(v) return type(v) == "number" and v == v and v > -huge and v < huge end
local function num(v) return type(v) == "number" and v or 0 / 0 end

--- A duration in seconds with a unit: "812 ns", "3.21 us", "45.6 ms", "1.234 s".
function M.time(s)
  if not finite(s) then return "-" end
  local a = math.abs(s)
  if a < 1e-6 then return format("%.1f ns", s * 1e9) end
  if a < 1e-3 then return format("%.2f us", s * 1e6) end
  if a < 1 then return format("%.2f ms", s * 1e3) end
  return format("%.3f s", s)
end

local function time_in(s, unit)
  if not finite(s) then return "-" end
  local f = ({ ns = 1e9, us = 1e6, ms = 1e3, s = 1 })[unit]
  return format(unit == "ns" and "%.1f" or unit == "s" and "%.3f" or "%.2f", s * f)
end

local function unit_of(s)
  local a = math.abs(s)
  if a < 1e-6 then return "ns" elseif a < 1e-3 then return "us" elseif a < 1 then return "ms" end
  return "s"
end

--- N compactly: 10, 1000, 1e+06 -> "10", "1000", "1e6"; others %.4g.
function M.count(n)
  n = tonumber(n)
  if not n then return "-" end
  if n < 1e5 and n == floor(n) then return format("%d", n) end
  local e = floor(math.log10(n) + 0.5)
  if 10 ^ e == n then return format("1e%d", e) end
  return format("%.4g", n)
end

--- A rate: 1.23 G/s, 456 M/s, 7.8 k/s.
function M.rate(v)
  if not finite(v) then return "-" end
  if v >= 1e9 then return format("%.2f G/s", v / 1e9) end
  if v >= 1e6 then return format("%.1f M/s", v / 1e6) end
  if v >= 1e3 then return format("%.1f k/s", v / 1e3) end
  return format("%.1f /s", v)
end

local function sci(v)
  if not finite(v) then return "-" end
  return format("%.2e", v)
end

--- Render rows (a list of lists of strings) as aligned columns; numeric-
-- looking columns are right-aligned. header is a list of strings.
function M.columns(header, rows, right)
  local w = {}
  for i, h in ipairs(header) do w[i] = #h end
  for _, r in ipairs(rows) do
    for i, c in ipairs(r) do w[i] = max(w[i] or 0, #c) end
  end
  local function line(r)
    local parts = {}
    for i = 1, #header do
      local c = r[i] or ""
      if right and right[i] then parts[i] = rep(" ", w[i] - #c) .. c
      else parts[i] = c .. rep(" ", w[i] - #c) end
    end
    return (concat(parts, "  "):gsub("%s+$", ""))
  end
  local out = { line(header) }
  for _, r in ipairs(rows) do out[#out + 1] = line(r) end
  return concat(out, "\n") .. "\n"
end

--- The results table as text: one line per summary row (kernel, N): reps,
-- median time with its 95% bootstrap CI, ns/sample, samples/s, speed-up
-- against the baseline kernel at the same N, median |error|, RMS error and
-- the theoretical sigma, outliers; then a column per field in opts.show
-- (a summary field, or a metric summarised as FIELD_median with its CI) and
-- MARK where a point is marked. opts.baseline names the baseline kernel
-- (default: the first kernel).
function M.table(summary, opts)
  opts = opts or {}
  if type(summary) ~= "table" then error(format("summary must be a list of rows, got %s", type(summary)), 2) end
  if type(opts) ~= "table" then error(format("opts must be a table, got %s", type(opts)), 2) end
  for i, s in ipairs(summary) do
    if type(s) ~= "table" or type(s.kernel) ~= "string" then
      error(format("summary[%d] must be a summary row with a kernel name", i), 2)
    end
  end
  if #summary == 0 then return "(no results)\n" end
  local base = opts.baseline or summary[1].kernel
  local base_t = {}
  for _, s in ipairs(summary) do
    if s.kernel == base then base_t[s.n] = s.seconds_median end
  end
  local header = { "KERNEL", "N", "REPS", "TIME", "95% CI", "NS/SAMPLE", "SAMPLES/S",
    "VS " .. base, "VS 95% CI", "|ERR| MED", "RMS ERR", "SIGMA", "OUTL" }
  local rows = {}
  for _, s in ipairs(summary) do
    local t = s.seconds_median
    local u = finite(t) and unit_of(t) or "s"
    local rel, relci = "-", "-"
    local bt = base_t[s.n]
    if s.baseline == base and finite(s.speedup) then
      -- the paired ratio (sweep rows): baseline median / this median over pairs
      rel = format("%.2fx", s.speedup)
      if s.kernel ~= base and finite(s.speedup_lo) then relci = format("%.2f-%.2f", s.speedup_lo, s.speedup_hi) end
    elseif finite(bt) and finite(t) and t > 0 then rel = format("%.2fx", bt / t) end
    rows[#rows + 1] = {
      s.kernel, M.count(s.n), tostring(s.reps or "-") .. (s.partial and "*" or ""),
      M.time(t),
      finite(s.seconds_ci_lo) and format("%s-%s %s", time_in(s.seconds_ci_lo, u), time_in(s.seconds_ci_hi, u), u) or "-",
      finite(s.ns_per_sample_median) and format("%.3f", s.ns_per_sample_median) or "-",
      M.rate(s.samples_per_s_median), rel, relci,
      sci(s.abs_err_median), sci(s.rms_err), sci(s.sigma_theory),
      tostring(s.outliers or 0),
    }
  end
  M.add_shown(summary, header, rows, opts.show)
  M.add_marks(summary, header, rows)
  local text = M.columns(header, rows, { false, true, true, true, true, true, true, true, true, true, true, true, true })
  return text
end

--- The marks of a summary row: "jit" (mcpi.jitstate: mostly interpreted,
-- aborting or compiling while measured) and "load" (mcpi.noise: other
-- processes busy during the point); "" when none.
function M.marks(s)
  local m = {}
  if s.jit_mark then m[#m + 1] = "jit" end
  if s.noise_mark then m[#m + 1] = "load" end
  return concat(m, ",")
end

--- A chosen field of a summary row as text: FIELD itself when the row has
-- it, else FIELD_median with its CI (FIELD_ci_lo..FIELD_ci_hi) when present;
-- "-" when the row has neither.
function M.shown(s, field)
  local v, lo, hi = s[field], nil, nil
  if v == nil then v, lo, hi = s[field .. "_median"], s[field .. "_ci_lo"], s[field .. "_ci_hi"] end
  if type(v) == "number" then
    if finite(lo) and finite(hi) then return format("%.4g (%.4g-%.4g)", v, lo, hi) end
    return format("%.4g", v)
  end
  if v == nil then return "-" end
  if type(v) == "table" then return concat(v, "; ") end
  return tostring(v)
end

-- Columns for the fields asked for (opts.show: a list of names).
function M.add_shown(summary, header, rows, show)
  if type(show) == "string" then show = { show } end
  for _, f in ipairs(show or {}) do
    header[#header + 1] = f:upper()
    for i, s in ipairs(summary) do rows[i][#rows[i] + 1] = M.shown(s, f) end
  end
end

-- A MARK column, only when some row is marked (the notes say why).
function M.add_marks(summary, header, rows)
  local any = false
  for _, s in ipairs(summary) do if M.marks(s) ~= "" then any = true end end
  if not any then return end
  header[#header + 1] = "MARK"
  for i, s in ipairs(summary) do rows[i][#rows[i] + 1] = M.marks(s) end
end

--- The fixed cost of an affine fit as text: "0 (held)" when it was held
-- at 0 (the free fit went negative), "12.3 ns (n.s.)" when its 95% interval
-- includes 0; older files' negative t0 shows as "<0 (n.s.)", never as a value.
function M.t0_text(a)
  if a.t0_constrained then return "0 (held)" end
  if not finite(a.t0) then return "-" end
  if a.t0 < 0 then return "<0 (n.s.)" end
  if a.t0_significant == false then return M.time(a.t0) .. " (n.s.)" end
  return M.time(a.t0)
end

--- The fits as text, one line per kernel: time = t0 + c*N (fixed cost per
-- call, cost per sample with its 95% CI), the log-log exponent of time, and
-- error ~ c*N^d, each with R2 and the number of points. Fits without a
-- model field (files from before the affine fit) are power-law fits.
function M.fits(fits)
  if type(fits) ~= "table" or #fits == 0 then return "" end
  local by, order = {}, {}
  local few = 0
  for _, f in ipairs(fits) do
    -- two points fit any curve exactly (files written before fits needed 3)
    if type(f) == "table" and type(f.n_points) == "number" and f.n_points < 3 then
      few = few + 1
    elseif type(f) == "table" and f.kernel ~= nil and f.metric ~= nil then
      local k = tostring(f.kernel)
      if not by[k] then by[k] = {}; order[#order + 1] = k end
      by[k][tostring(f.metric) .. "/" .. tostring(f.model or "power")] = f
    end
  end
  local rows = {}
  local function power(f)
    if not f or not finite(f.b) then return "-", "-" end
    -- a fit read from a file may lack any field but b: NaN, not a crash
    local a, r2, np = num(f.a), num(f.r2), num(f.n_points)
    return format("%.3g * N^%.3f", a, f.b), format("%.4f (%s pts)", r2, np == np and format("%d", np) or "?")
  end
  local function ns(v) return finite(v) and format("%.4g", v * 1e9) or "-" end
  for _, k in ipairs(order) do
    local a = by[k]["seconds/affine"]
    local t0, c, ci, r2 = "-", "-", "-", "-"
    if a and finite(a.c) then
      t0 = M.t0_text(a)
      c = ns(a.c)
      ci = finite(a.c_lo) and (ns(a.c_lo) .. "-" .. ns(num(a.c_hi))) or "-"
      r2 = format("%.4f", num(a.r2))
    end
    local tb = by[k]["seconds/power"]
    local e, er = power(by[k]["abs_err/power"])
    rows[#rows + 1] = { k, t0, c, ci, r2, tb and finite(tb.b) and format("%.3f", tb.b) or "-", e, er }
  end
  if #rows == 0 then
    return few > 0 and "no fits: a fit needs at least 3 values of N\n" or ""
  end
  return "fits (time = t0 + c*N by least squares of relative residuals, 95% t interval for c;\n"
    .. "     time ~ N^b and error = RMS |pi_hat - pi| ~ e*N^d by log-log least squares, expect d = -0.5;\n"
    .. "     t0 >= 0: '0 (held)' where the free fit gave a negative fixed cost; n.s. = 95% interval includes 0):\n"
    .. M.columns({ "KERNEL", "FIXED t0", "NS/SAMPLE c", "95% CI", "R2", "TIME b", "ERROR ~ e*N^d", "R2" }, rows)
end

-- -- CSV ------------------------------------------------------------------------

local function csv_cell(v)
  local t = type(v)
  if v == nil then return "" end
  if t == "number" then
    if v ~= v then return "nan" end
    if v == huge then return "inf" end
    if v == -huge then return "-inf" end
    return format("%.17g", v)
  end
  if t == "boolean" then return v and "true" or "false" end
  if t == "cdata" then return (tostring(v):gsub("U?LL$", "")) end
  if t == "table" then v = concat(v, ";") end
  v = tostring(v)
  if v:find('[,"\r\n]') then return '"' .. v:gsub('"', '""') .. '"' end
  return v
end

--- CSV text (RFC 4180 quoting, LF line ends) of a list of rows (tables): a header row naming every
-- field that any row has (fields in order first, then the rest sorted),
-- then one line per row. Numbers %.17g; NaN/inf as nan/inf/-inf; empty cell
-- for a missing field.
function M.csv(rows, order)
  if type(rows) ~= "table" then error(format("rows must be a list of tables, got %s", type(rows)), 2) end
  if order ~= nil and type(order) ~= "table" then
    error(format("order must be a list of field names, got %s", type(order)), 2)
  end
  for i, r in ipairs(rows) do
    if type(r) ~= "table" then error(format("rows[%d] must be a table, got %s", i, type(r)), 2) end
  end
  local cols, seen = {}, {}
  for _, k in ipairs(order or {}) do
    for _, r in ipairs(rows) do
      if not seen[k] and r[k] ~= nil then cols[#cols + 1] = k; seen[k] = true; break end
    end
  end
  local rest = {}
  for i, r in ipairs(rows) do
    if type(r) ~= "table" then error(format("rows[%d] must be a table, got %s", i, type(r)), 2) end
    for k in pairs(r) do
      if type(k) == "string" and not seen[k] then seen[k] = true; rest[#rest + 1] = k end
    end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do cols[#cols + 1] = k end
  local out = { concat(cols, ",") }
  for _, r in ipairs(rows) do
    local cells = {}
    for i, k in ipairs(cols) do cells[i] = csv_cell(r[k]) end
    out[#out + 1] = concat(cells, ",")
  end
  return concat(out, "\n") .. "\n"
end

return M
