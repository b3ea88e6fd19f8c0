--- mcpi.plot: SVG charts from a results table (schema mcpi/1), no Python.
--   local plot = require "mcpi.plot"
--   local t = assert(plot.read("results/sweep.json"))
--   local files = assert(plot.write(t, "results/sweep_charts"))
-- Charts (file names under DIR):
--   time_<kernel>.svg  error_<kernel>.svg   one pair per kernel (median, 95% CI)
--   time_all.svg  error_all.svg             all kernels; error with 1.64/sqrt(N)
--   throughput.svg                          samples/s at the largest common N, speed-ups
--   front.svg                               |error| vs time, the Pareto front marked
-- The `mcpi plot` command is mcpi.plotcmd's.
local svg = require "mcpi.svg"
local chart = require "mcpi.chart"
local util = require "mcpi.util"

local type, pairs, ipairs = type, pairs, ipairs
local format, sort = string.format, table.sort
local sqrt = math.sqrt

local M = {}

-- The chart machinery, public here as before.
M.PALETTE, M.MARKERS = chart.PALETTE, chart.MARKERS
M.si, M.duration, M.truncate, M.log_axis = chart.si, chart.duration, chart.truncate, chart.log_axis

-- The data side (mcpi.series) and the chart kinds (mcpi.chart_n,
-- mcpi.chart_cmp), public here as before.
local series_mod = require "mcpi.series"
for _, mod in ipairs{ series_mod, require "mcpi.chart_n", require "mcpi.chart_cmp" } do
  for k, v in pairs(mod) do M[k] = v end
end
M.SCHEMA = series_mod.SCHEMA

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
  -- an earlier run's charts (kernels not in this one) never mix in
  local keep = {}
  for _, c in ipairs(charts) do keep[c.name] = true end
  require("mcpi.files").clear_stale(prefix, keep)
  return paths
end

M.dirname = require("mcpi.files").dirname

return M
