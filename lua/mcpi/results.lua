--- mcpi.results: the results object a sweep returns and mcpi.load reads back:
-- rows (one per kernel, N, repetition), summary (one per kernel, N), fits,
-- context and notes, with :print(), :table(), :save(path) (JSON), :csv(path),
-- :plot(dir), :report(path), :summary(). Also the row builders the sweep
-- uses, the between-process table, and load(path) (mcpi.loader reads the
-- file; the fits are mcpi.stats').
local util = require "mcpi.util"
local stats = require "mcpi.stats"
local json = require "mcpi.json"
local output = require "mcpi.output"

local type, ipairs, pairs, tostring, format = type, ipairs, pairs, tostring, string.format
local max, min, huge = math.max, math.min, math.huge
local concat = table.concat
local stdout = io.stdout

local M = {}

-- -- Results -------------------------------------------------------------------------

local Results = {}
Results.__index = Results

local SummaryList = {}
SummaryList.__index = SummaryList


-- v if it is a number other than NaN (a fit read from a file may lack any field).
local function num(v) return type(v) == "number" and v == v and v or nil end

--- results:summary() -- a short text: per kernel, points, best throughput, fits.
SummaryList.__call = function(list, res)
  local by, order = util.group(list, "kernel")
  local fits = {}
  for _, f in ipairs(type(res) == "table" and res.fits or {}) do
    fits[f.kernel .. "/" .. f.metric .. "/" .. (f.model or "power")] = f
  end
  local lines = {}
  for _, k in ipairs(order) do
    local best, nmin, nmax = nil, huge, 0
    for _, s in ipairs(by[k]) do
      nmin, nmax = min(nmin, s.n), max(nmax, s.n)
      if s.samples_per_s_median and (not best or s.samples_per_s_median > best.samples_per_s_median) then best = s end
    end
    local fa, ft, fe = fits[k .. "/seconds/affine"], fits[k .. "/seconds/power"], fits[k .. "/abs_err/power"]
    lines[#lines + 1] = format("%s: %d points, N %s..%s; best %s at N=%s%s%s%s", k, #by[k],
      output.count(nmin), output.count(nmax),
      best and output.rate(best.samples_per_s_median) or "-", best and output.count(best.n) or "-",
      fa and num(fa.c) and format("; time = %s + %.4g ns * N", output.time(fa.t0), fa.c * 1e9) or "",
      ft and num(ft.b) and format("; time ~ N^%.3f (r2 %.3f)", ft.b, num(ft.r2) or 0 / 0) or "",
      fe and num(fe.b) and format("; error ~ N^%.3f (r2 %.3f)", fe.b, num(fe.r2) or 0 / 0) or "")
  end
  return concat(lines, "\n") .. (#lines > 0 and "\n" or "")
end

--- A results object from a table {context, rows, summary, fits, notes, ...}
-- (what mcpi.sweep returns and mcpi.load reads back).
local function new_results(t)
  if t == nil then t = {} end
  if type(t) ~= "table" then
    error(format("results.new: t must be a table {context, rows, summary, fits, notes}, got %s", type(t)), 2)
  end
  for _, f in ipairs{ "rows", "summary", "fits", "context", "notes" } do
    if t[f] ~= nil and type(t[f]) ~= "table" then
      error(format("results.new: t.%s must be a table, got %s", f, type(t[f])), 2)
    end
  end
  t.rows = t.rows or {}
  t.summary = setmetatable(t.summary or {}, SummaryList)
  t.fits = t.fits or {}
  t.context = t.context or {}
  t.notes = t.notes or {}
  return setmetatable(t, Results)
end
M.new = new_results

--- The results table (and fits and notes) as text; opts.baseline names the
-- kernel the VS column compares with.
function Results:table(opts)
  opts = opts or {}
  local parts = { output.table(self.summary, { baseline = opts.baseline or self.baseline,
    show = opts.show or self.show }) }
  local spread = M.spread_text(self.summary)
  if spread ~= "" then parts[#parts + 1] = "\n" .. spread end
  local sp = require("mcpi.paired").sentences(self.summary)
  if sp ~= "" then parts[#parts + 1] = "\nspeed-ups (paired repetitions, 95% bootstrap CI), at each kernel's largest N:\n" .. sp end
  local f = output.fits(self.fits)
  if f ~= "" then parts[#parts + 1] = "\n" .. f end
  local partial = false
  for _, s in ipairs(self.summary) do if s.partial then partial = true end end
  if partial then parts[#parts + 1] = "* partial: fewer repetitions finished than planned (interrupted or failed)\n" end
  for _, s in ipairs(self.summary) do
    if s.jit_note then parts[#parts + 1] = "note: " .. s.jit_note .. "\n" end
  end
  local noise = require "mcpi.noise"
  local loaded = noise.list_text(self.summary)
  if loaded then
    parts[#parts + 1] = format("note: measured while other processes used more than %.2g cores "
      .. "(marked load): %s\n", noise.THRESHOLD, loaded)
  end
  for _, n in ipairs(self.notes) do parts[#parts + 1] = "note: " .. n .. "\n" end
  return concat(parts)
end
Results.__tostring = Results.table

--- The speed-ups as sentences ("c.simd is 9.94x faster than c.scalar (95% CI
-- 9.81-10.07) at N=1e6"): each kernel at its largest N, or every N with
-- opts.all.
function Results:speedups(opts)
  return require("mcpi.paired").sentences(self.summary, opts)
end

--- Print the table to stdout (or opts.file, an open file).
function Results:print(opts)
  local fh = opts and opts.file or stdout
  fh:write(self:table(opts))
  fh:flush()
  return self
end

--- Every row (summary rows after the repetitions) as one list, for JSON/CSV.
function Results:all_rows()
  local t = {}
  for _, r in ipairs(self.rows) do t[#t + 1] = r end
  for _, r in ipairs(self.summary) do t[#t + 1] = r end
  return t
end

--- The JSON text (schema mcpi/1): context, results (rep rows, then summary
-- rows), fits; one row per line.
function Results:json()
  local out = { '{"schema":"mcpi/1",\n"context":', json.encode(self.context), ',\n"results":[' }
  local rows = self:all_rows()
  for i, r in ipairs(rows) do
    out[#out + 1] = (i > 1 and ",\n" or "\n") ..
      json.encode(r, r.row == "summary" and output.SUMMARY_FIELDS or output.REP_FIELDS)
  end
  out[#out + 1] = '\n],\n"fits":['
  for i, f in ipairs(self.fits) do
    out[#out + 1] = (i > 1 and ",\n" or "\n") .. json.encode(f, output.FIT_FIELDS)
  end
  out[#out + 1] = "\n]"
  if #self.notes > 0 then out[#out + 1] = ',\n"notes":' .. json.encode(self.notes) end
  out[#out + 1] = "}\n"
  return concat(out)
end

--- Write the JSON to path (via a temporary file renamed over it). Returns
-- true, or nil and "cannot write 'PATH': reason".
function Results:save(path)
  if type(path) ~= "string" or path == "" then
    error(format("save: path must be a file name, got %s", type(path)), 2)
  end
  return json.write_file(path, self:json())
end

--- Write the SVG charts into dir (see mcpi.plot). Returns the paths written
-- and notes, or nil, err.
function Results:plot(dir, opts)
  return require("mcpi.plot").write(self, dir, opts)
end

--- Write the one-file HTML report to path (see mcpi.report). Returns path, or nil, err.
function Results:report(path, opts)
  return require("mcpi.report").write(self, path, opts)
end

--- Write every row as CSV to path (temporary file, then renamed). Returns
-- true, or nil and an error message.
function Results:csv(path)
  if type(path) ~= "string" or path == "" then
    error(format("csv: path must be a file name, got %s", type(path)), 2)
  end
  local order = {}
  for _, k in ipairs(output.REP_FIELDS) do order[#order + 1] = k end
  for _, k in ipairs(output.SUMMARY_FIELDS) do order[#order + 1] = k end
  return json.write_file(path, output.csv(self:all_rows(), order))
end

-- -- Rows, summaries, fits ---------------------------------------------------------------

local ROW_TYPES = { number = true, string = true, boolean = true, cdata = true }

-- Every scalar metric of the record (a user decorator's too), plus the
-- list of trace abort reasons.
function M.rep_row(rec, rep)
  if type(rec) ~= "table" then util.blame(format("rep_row: rec must be a record (table), got %s", type(rec))) end
  if type(rep) ~= "number" then util.blame(format("rep_row: rep must be a number, got %s", type(rep))) end
  local r = {}
  for k, v in pairs(rec) do
    if type(k) == "string" and ROW_TYPES[type(v)] then r[k] = v end
  end
  r.row, r.rep, r.outlier = "rep", rep, nil
  if rec.jit_abort_reasons then r.jit_abort_reasons = rec.jit_abort_reasons end
  return r
end

-- Fields of repetition rows that are not metrics to summarise (identifiers,
-- counts) or are summarised by stats.summarize already.
local NOT_METRICS = { n = true, seed = true, rep = true, threads = true, hits = true, calls = true,
  process = true, ranks = true, seconds = true, estimate = true, abs_err = true, rel_accuracy = true,
  std_err = true, z = true, ns_per_sample = true, samples_per_s = true, first_call_seconds = true }

--- Summarise every other numeric field of the repetition rows (what a
-- user's decorator or a backend adds: peak_rss_kb, cpu_util, wall_seconds,
-- device_seconds ...) into s as FIELD_median with the bootstrap 95% CI of
-- the median as FIELD_ci_lo, FIELD_ci_hi. Returns the names, sorted.
function M.summarize_metrics(reps, s, opts)
  local names, seen = {}, {}
  for _, r in ipairs(reps) do
    for k, v in pairs(r) do
      if type(k) == "string" and type(v) == "number" and not NOT_METRICS[k] and not seen[k]
          and not k:match("^jit_") and s[k .. "_median"] == nil then
        seen[k] = true
        names[#names + 1] = k
      end
    end
  end
  table.sort(names)
  for _, k in ipairs(names) do
    local xs = {}
    for _, r in ipairs(reps) do
      local v = r[k]
      if type(v) == "number" and v == v and v > -huge and v < huge then xs[#xs + 1] = v end
    end
    if #xs > 0 then
      s[k .. "_median"] = stats.median(xs)
      if #xs >= 2 then
        s[k .. "_ci_lo"], s[k .. "_ci_hi"] = stats.bootstrap_ci(xs, "median",
          { seed = opts.seed, resamples = opts.resamples })
      end
    end
  end
  return names
end

--- Summary row of a point from its rep rows (sets their outlier flags);
-- probe: the profiler counts of a probe after them (mcpi.jitstate.probe).
function M.summary_row(reps, first, opts, probe)
  if type(reps) ~= "table" or type(reps[1]) ~= "table" then
    util.blame(format("summary_row: reps must be a non-empty list of rep rows, got %s", type(reps)))
  end
  if first ~= nil and type(first) ~= "table" then
    util.blame(format("summary_row: first must be a record or nil, got %s", type(first)))
  end
  if type(opts) ~= "table" then util.blame(format("summary_row: opts must be a table, got %s", type(opts))) end
  local r1 = reps[1]
  local s = stats.summarize(reps, { n = r1.n, seed = opts.seed, resamples = opts.resamples })
  s.row, s.kernel, s.stream, s.n, s.threads, s.seed = "summary", r1.kernel, r1.stream, r1.n, r1.threads, r1.seed
  if first then
    s.first_seconds = first.first_call_seconds or first.seconds
    s.jit_traces_first, s.jit_aborts_first = first.jit_traces, first.jit_aborts
  end
  local t, a = 0, 0
  for _, r in ipairs(reps) do t = t + (r.jit_traces or 0); a = a + (r.jit_aborts or 0) end
  s.jit_traces_steady, s.jit_aborts_steady = t, a
  local ok, k = pcall(require("mcpi.kernels").find, r1.kernel)
  -- a kernel run with its JIT off on purpose (or -joff) is not marked for
  -- it, nor one whose work runs outside this LuaJIT (a worker, a device, MPI
  -- ranks): trace events while mcpi waits for it are the harness's own
  local outside = ok and k and k.kind ~= nil and k.kind ~= "inproc"
  require("mcpi.jitstate").summarize(reps, s, { jit_off = (ok and k and k.jit_off) or outside
    or not jit.status(), probe = probe })
  M.summarize_metrics(reps, s, opts)
  M.process_stats(s, reps, opts)
  return s
end

--- Where rep rows carry `process` (fresh processes, mcpi.fresh): the number
-- of processes, the median, min and max of the per-process medians, and the
-- CI of the median by the hierarchical bootstrap (processes resampled, then
-- repetitions within each), which replaces the one-process CI.
function M.process_stats(s, reps, opts)
  local secs, groups, any = {}, {}, false
  for _, r in ipairs(reps) do
    local v = r.seconds
    if type(v) == "number" and v == v and v > -huge and v < huge then
      secs[#secs + 1], groups[#groups + 1] = v, r.process or 0
      if r.process ~= nil then any = true end
    end
  end
  if not any or #secs == 0 then return s end
  local paired = require "mcpi.paired"
  local _, lo, hi, meds = paired.median_ci(secs, groups, { seed = opts.seed, resamples = opts.resamples })
  s.seconds_ci_lo, s.seconds_ci_hi = lo, hi
  s.processes = #meds
  s.seconds_process_median = stats.median(meds)
  s.seconds_process_min, s.seconds_process_max = stats.range(meds)
  return s
end

-- Fits per kernel over summary rows: mcpi.stats.fits (loading a file needs
-- them too, and mcpi.loader does not depend on this module).
M.fits = stats.fits
M.MIN_FIT_POINTS = stats.MIN_FIT_POINTS

--- Read a results JSON file (schema mcpi/1) back into a results object with
-- rows, summary, fits, context and notes; seeds and hit counts written as
-- strings come back as uint64 cdata. A path ending in .jsonl reads the rows
-- a sweep streamed (no context; fits recomputed from the summary rows; a torn
-- last line dropped and noted). Returns nil, err for a missing file,
-- malformed JSON, another schema or a field of the wrong type (mcpi.loader
-- validates field by field; it never raises on bad data).
function M.load(path)
  if type(path) ~= "string" then error(format("load: path must be a file name, got %s", type(path)), 2) end
  local t, err = require("mcpi.loader").read(path)
  if not t then return nil, err end
  return new_results(t), err
end

--- The between-process spread of summary rows that came from fresh
-- processes, as text: per (kernel, N) the median of all repetitions, the
-- median and range of the process medians, the hierarchical CI. "" if none.
function M.spread_text(summary)
  local rows = {}
  for _, s in ipairs(summary or {}) do
    if type(s.processes) == "number" and type(s.seconds_process_median) == "number" then
      rows[#rows + 1] = { s.kernel, output.count(s.n), tostring(s.processes), output.time(s.seconds_median),
        output.time(s.seconds_process_median),
        format("%s - %s", output.time(s.seconds_process_min), output.time(s.seconds_process_max)),
        format("%s - %s", output.time(s.seconds_ci_lo), output.time(s.seconds_ci_hi)) }
    end
  end
  if #rows == 0 then return "" end
  return "between fresh processes (95% CI: processes resampled, then repetitions within them):\n"
    .. output.columns({ "KERNEL", "N", "PROCS", "MEDIAN", "PROCESS MEDIANS: MEDIAN", "MIN - MAX", "95% CI" },
      rows, { false, true, true, true, true, true, true })
end

return M
