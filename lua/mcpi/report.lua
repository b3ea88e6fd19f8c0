--- mcpi.report: one self-contained HTML report of a results table: the
-- answer first (mcpi.answer: fastest first with speed-ups, the accuracy, the
-- marked points), then every chart as inline SVG, then every point, the fits
-- and the context block.
-- No network, no JavaScript: it opens from a file, mails as one attachment,
-- prints.
--   local report = require "mcpi.report"
--   assert(report.write(t, "results/report.html"))
-- Loading this module registers the `mcpi report` command.
local plot = require "mcpi.plot"
local answer = require "mcpi.answer"
local svg = require "mcpi.svg"
local util = require "mcpi.util"

local type, tostring, pairs, ipairs = type, tostring, pairs, ipairs
local format, concat, sort = string.format, table.concat, table.sort
local huge = math.huge

local M = {}

local esc = svg.escape

local function fin(v)
  if type(v) == "number" and v == v and v ~= huge and v ~= -huge then return v end
  return nil
end

-- %.3g for errors and ratios; n/a for what is missing.
local function g3(v)
  v = fin(v)
  if not v then return "n/a" end
  return (format("%.3g", v):gsub("e%-0*(%d)", "e-%1"):gsub("e%+0*(%d)", "e%1"))
end

-- A count with thin spaces between groups of three digits: 100 000 000.
local function grouped(n)
  local s = util.fmtnum(n)
  if not s:match("^%d+$") then return esc(s) end
  local out = s:reverse():gsub("(%d%d%d)", "%1\0"):reverse()
  return (out:gsub("^%z", ""):gsub("%z", "&#8201;"))
end
M.grouped = grouped

local CSS = [[
body{font-family:"DejaVu Sans",Verdana,Arial,Helvetica,sans-serif;color:#222;margin:2em auto;
  max-width:1100px;padding:0 1em;line-height:1.4}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ccc}
p.lead{color:#555;margin-top:0}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{padding:.25em .6em;border-bottom:1px solid #e2e2e2;text-align:right;vertical-align:top}
td{white-space:nowrap}
th{background:#f3f3f3;position:sticky;top:0}
td.k,th.k{text-align:left}
table.kv td{text-align:left}table.kv td:first-child{color:#555;white-space:nowrap}
tr.first td{border-top:2px solid #bbb}
figure{margin:1.2em 0;page-break-inside:avoid}
figure svg{max-width:100%;height:auto;border:1px solid #e2e2e2}
figcaption{color:#555;font-size:.9em}
ul.notes{color:#8a4b00}
nav a{margin-right:1em}
footer{margin-top:3em;color:#777;font-size:.85em}
code{font-size:.95em}
]]

-- Context keys shown first, in this order; the rest follow alphabetically.
local CONTEXT_ORDER = { "date", "host", "cpu_model", "cores", "cpu_flags_used", "luajit", "compiler",
  "cflags", "mcpi_version", "git_commit", "command_line", "clock_resolution_ns",
  "overhead_ffi_call_ns", "overhead_lua_call_ns", "overhead_clock_read_ns" }

local function value_text(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then
    if v ~= v or v == huge or v == -huge then return tostring(v) end
    return util.fmtnum(v)
  end
  if type(v) == "boolean" then return tostring(v) end
  if type(v) == "table" then
    local s = require("cjson.safe").encode(v)
    return s or "(unprintable)"
  end
  return "null"
end

local function context_html(ctx, out)
  if type(ctx) ~= "table" or next(ctx) == nil then
    out[#out + 1] = "<p>This results file has no context block.</p>"
    return
  end
  local keys, seen = {}, {}
  for _, k in ipairs(CONTEXT_ORDER) do
    if ctx[k] ~= nil then keys[#keys + 1] = k; seen[k] = true end
  end
  local rest = {}
  for k in pairs(ctx) do
    if type(k) == "string" and not seen[k] then rest[#rest + 1] = k end
  end
  sort(rest)
  for _, k in ipairs(rest) do keys[#keys + 1] = k end
  if #keys == 0 then
    out[#out + 1] = "<p>The context block is empty.</p>"
    return
  end
  out[#out + 1] = '<table class="kv">'
  for _, k in ipairs(keys) do
    out[#out + 1] = format("<tr><td>%s</td><td><code>%s</code></td></tr>", esc(k), esc(value_text(ctx[k])))
  end
  out[#out + 1] = "</table>"
end

local function summary_html(S, out, show)
  local output = require "mcpi.output"
  local head = { '<table class="summary"><thead><tr><th class="k">kernel</th><th>N</th><th>reps</th>'
    .. "<th>median time</th><th>95% CI of median</th><th>ns/sample</th><th>samples/s</th>"
    .. "<th>median |error|</th><th>RMS error</th><th>1.64/&#8730;N</th><th>RMS / &#963;</th>"
    .. '<th class="k">mark</th>' }
  for _, f in ipairs(show or {}) do head[#head + 1] = "<th>" .. esc(f) .. "</th>" end
  out[#out + 1] = concat(head) .. "</tr></thead><tbody>"
  for _, k in ipairs(S.kernels) do
    for i, p in ipairs(k.points) do
      local ci = (p.t_lo and p.t_hi) and (plot.duration(p.t_lo) .. " &#8211; " .. plot.duration(p.t_hi)) or "n/a"
      local nsps = (p.t and p.t > 0) and g3(p.t / p.n * 1e9) or "n/a"
      local extra = { format('<td class="k">%s</td>', esc(output.marks{ jit_mark = p.jit_mark, noise_mark = p.noise_mark })) }
      for _, f in ipairs(show or {}) do extra[#extra + 1] = "<td>" .. esc(output.shown(p.row or {}, f)) .. "</td>" end
      out[#out + 1] = format('<tr%s><td class="k">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>'
        .. "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>%s</tr>",
        i == 1 and ' class="first"' or "", esc(k.name), grouped(p.n),
        esc(p.reps and util.fmtnum(p.reps) or "n/a"), esc(plot.duration(p.t)), ci, nsps,
        esc(p.sps and plot.si(p.sps) or "n/a"), g3(p.med), g3(p.rms), g3(p.sigma),
        (p.rms and p.sigma and p.sigma > 0) and g3(p.rms / p.sigma) or "n/a", concat(extra))
    end
  end
  out[#out + 1] = "</tbody></table>"
  out[#out + 1] = "<p>Times are per call of N samples. RMS / &#963; near 1 means the error is what "
    .. "the binomial standard error 4&#183;&#8730;(p(1&#8722;p)/N), p = &#960;/4, predicts.</p>"
end

local function fits_html(t, out)
  local fits = type(t.fits) == "table" and t.fits or {}
  local rows = {}
  for _, f in ipairs(fits) do
    -- no fit from fewer than 3 N (older files hold two-point fits: R2 = 1, no CI)
    if type(f) == "table" and not (type(f.n_points) == "number" and f.n_points < 3) then rows[#rows + 1] = f end
  end
  if #rows == 0 then
    out[#out + 1] = "<p>This results file has no fits.</p>"
    return
  end
  out[#out + 1] = '<table class="fits"><thead><tr><th class="k">kernel</th><th class="k">metric</th>'
    .. '<th class="k">model</th><th class="k">parameters</th><th>R&#178;</th><th>points</th></tr></thead><tbody>'
  for _, f in ipairs(rows) do
    local model, params
    if f.model == "affine" then
      model = "t = t0 + c&#183;N"
      params = format("t0 = %s, c = %s ns/sample%s", esc(require("mcpi.output").t0_text(f)),
        g3(fin(f.c) and f.c * 1e9), (fin(f.c_lo) and fin(f.c_hi))
          and format(" (95%% CI %s&#8211;%s)", g3(f.c_lo * 1e9), g3(f.c_hi * 1e9)) or "")
    else
      model = esc(type(f.model) == "string" and f.model ~= "power" and f.model or "y = a\194\183N^b")
      params = format("a = %s, b = %s", g3(f.a), g3(f.b))
    end
    out[#out + 1] = format('<tr><td class="k">%s</td><td class="k">%s</td><td class="k">%s</td>'
      .. '<td class="k">%s</td><td>%s</td><td>%s</td></tr>',
      esc(value_text(f.kernel)), esc(value_text(f.metric)), model, params,
      fin(f.r2) and format("%.4f", f.r2) or "n/a",
      esc(value_text(f.n_points)))
  end
  out[#out + 1] = "</tbody></table>"
  out[#out + 1] = "<p>The affine model reads a call's time as a fixed cost t0 plus c per sample, "
    .. "fitted by least squares of relative residuals (every N weighs alike); c is the cost per sample "
    .. "with a Student-t interval, and a low R&#178; says the cost per sample changes with N "
    .. "(caches, threads started only for large N). The power law is the log-log fit the study's "
    .. "charts show; the fixed cost bends its time exponent below 1.</p>"
end

-- The answer first: fastest-first comparison, accuracy, marked points.
local function answer_html(A, out)
  local c = A.compare
  if c and #c.rows > 0 then
    local ci = c.ci
    out[#out + 1] = format("<p>All %d kernels at N = %s (the largest N every kernel ran), fastest first; "
      .. "speed-up over <code>%s</code>%s.</p>", #c.rows, grouped(c.n), esc(tostring(c.baseline)),
      ci and " with its 95% bootstrap CI" or " as the ratio of median times (no interval in these results)")
    out[#out + 1] = '<table class="answer"><thead><tr><th>#</th><th class="k">kernel</th><th>median time</th>'
      .. "<th>95% CI</th><th>ns/sample</th><th>samples/s</th><th>speed-up</th><th>RMS / &#963;</th>"
      .. '<th class="k">mark</th>'
    for _, f in ipairs(A.show or {}) do out[#out + 1] = "<th>" .. esc(f) .. "</th>" end
    out[#out + 1] = "</tr></thead><tbody>"
    for i, r in ipairs(c.rows) do
      local p = r.p
      local e = p.rms_common or p.rms
      out[#out + 1] = format('<tr><td>%d</td><td class="k">%s</td><td>%s</td><td>%s</td><td>%s</td>'
        .. '<td>%s</td><td>%s</td><td>%s</td><td class="k">%s</td>', i, esc(r.name), esc(plot.duration(p.t)),
        (p.t_lo and p.t_hi) and (plot.duration(p.t_lo) .. " &#8211; " .. plot.duration(p.t_hi)) or "n/a",
        g3(p.t / p.n * 1e9), esc(plot.si(r.sps)), (esc(answer.speedup_text(r)):gsub("%-", "&#8211;")),
        (e and p.sigma) and g3(e / p.sigma) or "n/a",
        esc(require("mcpi.output").marks{ jit_mark = p.jit_mark, noise_mark = p.noise_mark }))
      for _, f in ipairs(A.show or {}) do
        out[#out + 1] = "<td>" .. esc(require("mcpi.output").shown(p.row or {}, f)) .. "</td>"
      end
      out[#out + 1] = "</tr>"
    end
    out[#out + 1] = "</tbody></table>"
  end
  out[#out + 1] = '<ul class="accuracy">'
  for _, l in ipairs(answer.accuracy_lines(A.accuracy)) do out[#out + 1] = "<li>" .. esc(l) .. "</li>" end
  out[#out + 1] = "</ul>"
  if #A.marked > 0 then
    out[#out + 1] = '<p>Marked points (ringed in the charts): their times are not what the kernel '
      .. 'does in steady state.</p><ul class="notes marked">'
    for _, m in ipairs(A.marked) do out[#out + 1] = "<li>" .. esc(m) .. "</li>" end
    out[#out + 1] = "</ul>"
  else
    out[#out + 1] = "<p>No point is marked: no Lua kernel ran mostly interpreted, aborted or compiled "
      .. "traces while measured, and no other load was seen.</p>"
  end
end

local CAPTIONS = {
  time_all = "Median time per call against N for every kernel, log-log; whiskers are the 95% CI of the median.",
  error_all = "Error against N for every kernel; the dashed line is 1.64/&#8730;N, the standard error of 4&#183;hits/N.",
  throughput = "Samples per second at the largest N all kernels ran, with the speed-up over the baseline.",
  front = "Error against time for every (kernel, N): the grey staircase is the Pareto front, "
    .. "the points no other point beats on both time and accuracy.",
  time = "Time against N: median (line), 95% CI of the median (whiskers), single repetitions (dots), "
    .. "and the fit t0 + c&#183;N (dashed): a fixed cost per call plus c per sample.",
  error = "Error against N: RMS over repetitions with its 95% CI, median |error| (hollow), "
    .. "repetitions (dots), theory 1.64/&#8730;N (dashed).",
}

--- The report as an HTML string, or nil, err when t holds nothing to show.
-- opts.title (page heading), opts.source (the file name shown), opts.baseline
-- (throughput reference kernel).
function M.html(t, opts)
  if type(t) ~= "table" then error(format("report.html: results must be a table, got %s", type(t)), 2) end
  if opts ~= nil and type(opts) ~= "table" then error("report.html: opts must be a table", 2) end
  opts = opts or {}
  t = plot.as_table(t)
  if type(opts.show) == "string" then opts.show = { opts.show } end
  if opts.show ~= nil and type(opts.show) ~= "table" then
    error(format("report.html: opts.show must be a list of field names, got %s", type(opts.show)), 2)
  end
  for _, f in ipairs({ "title", "source", "baseline" }) do
    if opts[f] ~= nil and type(opts[f]) ~= "string" then
      error(format("report.html: opts.%s must be a string, got %s", f, type(opts[f])), 2)
    end
  end
  local charts, notes, S = plot.charts(t, { baseline = opts.baseline, id_prefix = "r-" })
  if not charts then return nil, notes end
  local title = opts.title or "mcpi results"
  local out = {}
  out[#out + 1] = "<!DOCTYPE html>"
  out[#out + 1] = '<html lang="en"><head><meta charset="utf-8"/>'
  out[#out + 1] = '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
  out[#out + 1] = format("<title>%s</title>", esc(title))
  out[#out + 1] = "<style>" .. CSS .. "</style></head><body>"
  out[#out + 1] = format("<h1>%s</h1>", esc(title))
  local npts = 0
  for _, k in ipairs(S.kernels) do npts = npts + #k.points end
  local ctx = type(t.context) == "table" and t.context or {}
  out[#out + 1] = format('<p class="lead">%d kernel%s, %d (kernel, N) point%s%s%s.</p>',
    #S.kernels, #S.kernels == 1 and "" or "s", npts, npts == 1 and "" or "s",
    opts.source and (" from <code>" .. esc(opts.source) .. "</code>") or "",
    type(ctx.date) == "string" and (", measured " .. esc(ctx.date)) or "")
  out[#out + 1] = '<nav><a href="#answer">Answer</a><a href="#charts">Charts</a>'
    .. '<a href="#summary">Summary</a><a href="#fits">Fits</a><a href="#context">Context</a>'
    .. '<a href="#kernels">Per kernel</a></nav>'
  out[#out + 1] = '<h2 id="answer">The answer</h2>'
  answer_html(answer.of(t, { baseline = opts.baseline, show = opts.show }), out)
  if #notes > 0 then
    out[#out + 1] = '<ul class="notes">'
    for _, n in ipairs(notes) do out[#out + 1] = "<li>note: " .. esc(n) .. "</li>" end
    out[#out + 1] = "</ul>"
  end
  out[#out + 1] = '<h2 id="charts">Charts</h2>'
  local details = false
  for _, c in ipairs(charts) do
    if c.kernel and not details then
      out[#out + 1] = '<h2 id="summary">Details: every point</h2>'
      summary_html(S, out, opts.show)
      out[#out + 1] = require("mcpi.paired").html(t.summary or t.results, esc)
      out[#out + 1] = '<h2 id="fits">Fits</h2>'
      fits_html(t, out)
      out[#out + 1] = '<h2 id="context">Context</h2>'
      context_html(t.context, out)
      out[#out + 1] = '<h2 id="kernels">Per kernel</h2>'
      details = true
    end
    out[#out + 1] = format('<figure id="%s">', esc("fig-" .. c.name:gsub("%.svg$", "")))
    out[#out + 1] = c.svg
    out[#out + 1] = format("<figcaption>%s <code>%s</code></figcaption></figure>",
      CAPTIONS[c.kind] or "", esc(c.name))
  end
  if not details then
    out[#out + 1] = '<h2 id="summary">Details: every point</h2>'
    summary_html(S, out, opts.show)
  end
  local version = require("mcpi")._VERSION or "mcpi"
  out[#out + 1] = format("<footer>Written by %s (<code>mcpi report</code>); self-contained: "
    .. "no scripts, no external resources.</footer>", esc(version))
  out[#out + 1] = "</body></html>"
  return concat(out, "\n") .. "\n"
end

--- Write the report of results table t to path (through a temporary file).
-- Returns path, or nil, err. Misuse (t not a table, path not a string) raises.
function M.write(t, path, opts)
  if type(t) ~= "table" then error(format("report.write: results must be a table, got %s", type(t)), 2) end
  if type(path) ~= "string" or path == "" then
    error(format("report.write: path must be a file name, got %s", type(path) == "string" and "''" or type(path)), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then error("report.write: opts must be a table", 2) end
  local html, err = M.html(t, opts)
  if not html then return nil, err end
  local ok, werr = plot.write_file(path, html)
  if not ok then return nil, werr end
  return path
end

return M
