--- mcpi.plotcmd: the `plot` and `report` commands, charts and an HTML report
-- from a results file; exports their specs (M.PLOT, M.REPORT) for mcpi.cli.
-- The charts are mcpi.plot's, the report mcpi.report's; this file reads the
-- command line (mcpi.options) and maps what goes wrong to exit codes: 2 for
-- usage (unknown option, missing or unreadable file, unwritable output), 1
-- when the file is not mcpi/1 results or a write fails once begun.
local util = require "mcpi.util"
local options = require "mcpi.options"

local ipairs, format = ipairs, string.format
local stdout, stderr = io.stdout, io.stderr

local M = {}

local data_error = require("mcpi.errors").data  -- exit 1, one line, no traceback

local PLOT_OPTIONS = {
  { opt = { "-o", "--output" }, field = "output", arg = "DIR", help = "where to write the charts" },
  { opt = "--baseline", field = "baseline", arg = "KERNEL", help = [[
the speed-up reference (default lua.interp if present,
else the slowest kernel)]] },
}

local REPORT_OPTIONS = {
  { opt = { "-o", "--output" }, field = "output", arg = "FILE", help = "where to write the report" },
  { opt = "--baseline", field = "baseline", arg = "KERNEL", help = "the throughput speed-up reference" },
  { opt = "--title", field = "title", arg = "TEXT", help = 'the page heading (default "mcpi results")' },
  { opt = "--show", field = "show", kind = "names", arg = "F[,F...]",
    help = "columns for these summary fields or metrics (median, 95% CI)" },
}

-- The one results file a command reads: its options and its table. Help
-- (-h) returns nothing.
local function read_args(cmd, argv, i, defs, usage)
  local o, pos = options.parse(cmd, argv, i, defs)
  if not o then return nil end
  if #pos == 0 then util.usage(format("%s: missing RESULTS.json (usage: %s)", cmd, usage)) end
  if #pos > 1 then
    util.usage(format("%s: unexpected argument %s (one results file at a time)", cmd, util.quote_arg(pos[2])))
  end
  local t, err, code = require("mcpi.plot").read(pos[1])
  if not t then
    if code == 2 then util.usage(format("%s: %s", cmd, err)) end
    data_error(format("%s: %s", cmd, err))
  end
  return o, pos[1], t
end

-- -h: what `mcpi help CMD` prints.
local function print_help(cmd, spec)
  stdout:write(format("usage: mcpi %s %s\n\n%s\n\n%s\n", cmd, spec.args, spec.summary, spec.help))
  return 0
end

M.PLOT = {
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
]] .. options.help(PLOT_OPTIONS, 20) .. [[

Exit codes: 2 for usage errors (unknown option, missing or unreadable file,
unwritable DIR), 1 when the file is not mcpi/1 results JSON.]],
}

function M.PLOT.run(argv, i)
  local o, src, t = read_args("plot", argv, i, PLOT_OPTIONS, "mcpi plot RESULTS.json [-o DIR]")
  if not o then return print_help("plot", M.PLOT) end
  local plot = require "mcpi.plot"
  local dir = o.output or plot.dirname(src)
  local charts, err = plot.charts(t, { baseline = o.baseline })
  if not charts then
    if o.baseline and err:find("^baseline") then util.usage("plot: " .. err) end
    data_error(format("plot: '%s': %s", src, err))
  end
  -- A directory that cannot be made is a usage error (exit 2); a write
  -- that fails once writing has begun (a full disk) loses charts: exit 1.
  local dok, derr = plot.mkdir(dir)
  if not dok then util.usage("plot: " .. derr) end
  local paths, werr = plot.save(charts, dir)
  if not paths then data_error("plot: " .. werr) end
  for _, p in ipairs(paths) do stdout:write(p, "\n") end
  -- The sweep's own notes (skipped points) are the report's business; here
  -- only what reading and drawing found.
  local said = t.file_notes or {}
  for _, n in ipairs(err or {}) do
    if not said[n] then stderr:write("mcpi: plot: note: ", n, "\n") end
  end
  return 0
end

M.REPORT = {
  args = "RESULTS.json [-o FILE.html] [--baseline KERNEL] [--title TEXT] [--show F,...]",
  summary = "one self-contained HTML report: the answer, charts, every point, fits, context",
  help = [[
Writes one HTML file (default: RESULTS.json with .html for .json): first the
answer (every kernel at the largest common N, fastest first, with speed-ups;
the accuracy; the marked points), then every chart of `mcpi plot` as inline
SVG, then every point, the fits and the context. No network, no JavaScript:
it opens from disk anywhere.
Options:
]] .. options.help(REPORT_OPTIONS, 20) .. [[

Exit codes: 2 for usage errors (unknown option, missing or unreadable file,
unwritable output), 1 when the file is not mcpi/1 results JSON.]],
}

function M.REPORT.run(argv, i)
  local o, src, t = read_args("report", argv, i, REPORT_OPTIONS, "mcpi report RESULTS.json -o report.html")
  if not o then return print_help("report", M.REPORT) end
  local path = o.output or (src:gsub("%.json$", "") .. ".html")
  local html, err = require("mcpi.report").html(t, { baseline = o.baseline, title = o.title, source = src,
    show = o.show })
  if not html then
    if o.baseline and err:find("^baseline") then util.usage("report: " .. err) end
    data_error(format("report: '%s': %s", src, err))
  end
  -- A place that cannot be written is a usage error (exit 2); a write that
  -- fails once begun (a full disk) loses the report: exit 1.
  local writer = require "mcpi.writer"
  local cok, cerr = writer.check(path)
  if not cok then util.usage("report: " .. cerr) end
  local ok, werr = writer.write_file(path, html)
  if not ok then data_error("report: " .. werr) end
  stdout:write(path, "\n")
  return 0
end

return M
