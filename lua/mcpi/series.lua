--- mcpi.series: a results table (a file's or a results object's) turned into
-- what the charts and the report draw: per kernel, per N, the median time
-- with its CI, the errors, throughput, repetitions. Reading, checking and
-- collecting; nothing here draws.
local chart = require "mcpi.chart"
local util = require "mcpi.util"

local type, tostring, tonumber, pairs, ipairs = type, tostring, tonumber, pairs, ipairs
local format, concat, sort = string.format, table.concat, table.sort
local floor, sqrt, log10, huge = math.floor, math.sqrt, math.log10, math.huge
local io_open = io.open

local M = {}

local positive, fin = chart.positive, chart.fin

-- sigma_theory * sqrt(N) = 4 sqrt(p (1 - p)), p = pi/4: 1.642...; the error charts' reference line
local P_HIT = math.pi / 4
local SIGMA1 = 4 * sqrt(P_HIT * (1 - P_HIT))
M.SIGMA1 = SIGMA1

M.SCHEMA = "mcpi/1"

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
  local res, lerr = require("mcpi.loader").read(path)  -- the one results reader
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

-- A point's values from its summary row (preferred) or its repetitions.
local function point_values(p, n)
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
  p.jit_mark, p.jit_note, p.noise_mark, p.noise_note = s.jit_mark, s.jit_note, s.noise_mark, s.noise_note
  p.speedup, p.speedup_lo, p.speedup_hi, p.baseline = fin(s.speedup), fin(s.speedup_lo), fin(s.speedup_hi), s.baseline
  p.row, p.summary = p.summary, nil
end

-- Styles by name, like-with-like errors, and whether every point was
-- measured under other load (then no rings are drawn for load: rings
-- everywhere would hide the data; the charts and the report say it once).
local function finish_kernels(out)
  local names = {}
  for i, k in ipairs(out) do names[i] = k.name end
  local styles = require("mcpi.style").assign(names)
  for _, k in ipairs(out) do k.style = styles[k.name] end
  M.common_errors(out)
  local loaded, total = 0, 0
  for _, k in ipairs(out) do
    for _, p in ipairs(k.points) do
      total = total + 1
      if p.noise_mark then loaded = loaded + 1 end
    end
  end
  local all_loaded = total > 0 and loaded == total
  for _, k in ipairs(out) do
    for _, p in ipairs(k.points) do p.noise_ring = p.noise_mark and not all_loaded end
  end
  return all_loaded
end

-- What reading left out, as notes.
local function reading_notes(notes, skipped, unknown_row, nonfinite, empty)
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
        p = { n = n, rep_t = {}, rep_e = {}, rep_sps = {}, by_rep = {} }
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
        k.stream = k.stream or row.stream
      elseif row.row == "rep" or row.row == nil then
        p.rep_t[#p.rep_t + 1] = fin(row.seconds)
        if type(row.rep) == "number" then
          p.by_rep[row.rep] = { err = fin(row.abs_err), hits = row.hits, seed = row.seed }
        end
        k.stream = k.stream or row.stream
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
      point_values(p, n)
      if p.t or p.med or p.rms or p.sps then pts[#pts + 1] = p end
    end
    sort(pts, function(a, b) return a.n < b.n end)
    if #pts > 0 then
      out[#out + 1] = { name = k.name, index = #out + 1, points = pts, stream = k.stream }
    else
      empty[#empty + 1] = k.name
    end
  end
  reading_notes(notes, skipped, unknown_row, nonfinite, empty)
  local all_loaded = finish_kernels(out)
  if #out == 0 then
    return nil, "no plottable rows (each row needs a kernel, a positive n and seconds or abs_err)"
      .. (#notes > 0 and ("; " .. concat(notes, "; ")) or "")
  end
  return { kernels = out, notes = notes, all_loaded = all_loaded }
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

--- Like with like: at each N, the RMS |error| over the repetitions 0..m-1
-- that every kernel measured there (m the smallest count of consecutive
-- repetitions from 0), as p.rms_common with p.reps_common = m. Repetition r
-- uses seed + r in every kernel, so kernels on one stream then compare the
-- very same samples, and all kernels at one N the same number of them.
-- Points read from summary rows only (no repetitions) get none.
function M.common_errors(kernels)
  local m_at = {}
  for _, k in ipairs(kernels) do
    for _, p in ipairs(k.points) do
      local m = 0
      while p.by_rep and p.by_rep[m] and p.by_rep[m].err do m = m + 1 end
      m_at[p.n] = math.min(m_at[p.n] or huge, m)
    end
  end
  for _, k in ipairs(kernels) do
    for _, p in ipairs(k.points) do
      local m = m_at[p.n]
      if m and m > 0 then
        local ss = 0
        for r = 0, m - 1 do ss = ss + p.by_rep[r].err ^ 2 end
        p.rms_common, p.reps_common = sqrt(ss / m), m
      end
    end
  end
end

--- Which kernels drew identical samples, checked from hits (mcpi.agree):
-- kernels of one stream whose hit counts agree at every (N, seed) both
-- measured. Returns groups (sorted lists of two or more names) and conflicts
-- ({a, b, n, seed}).
function M.identical(S)
  local rows = {}
  for _, k in ipairs(S.kernels) do
    for _, p in ipairs(k.points) do
      for _, r in pairs(p.by_rep or {}) do
        rows[#rows + 1] = { kernel = k.name, stream = k.stream, n = p.n, seed = r.seed, hits = r.hits }
      end
    end
  end
  return require("mcpi.agree").identical(rows)
end

return M
