--- mcpi.files: where a run's outputs go, and writing them. One rule for
-- `mcpi run`, scripts/sweep.lua and mcpi.sweep alike: `json = "DIR/F.json"`
-- puts everything beside it under F's stem:
--   DIR/F.json  DIR/F.jsonl (rows as they finish)  DIR/F.csv
--   DIR/F_charts/*.svg (cleared of an earlier run's charts)  DIR/F.html
-- Each of jsonl/csv/charts/report may be given a path of its own, or false.
-- Also: the check that an output can be written before measuring, the
-- problems a script's exit status reports, durations in hours, dirname and
-- listing a directory (mcpi_fs_dir_* of src/fsio.c).
local ffi = require "ffi"
local C = require "mcpi.capi"

local type, ipairs, format, concat, floor = type, ipairs, string.format, table.concat, math.floor
local open, remove = io.open, os.remove

local M = {}

--- The stem of a results path: "out/s2.json" -> "out/s2".
function M.stem(path)
  return (path:gsub("%.json$", ""))
end

--- Fill in spec's outputs from spec.json: jsonl, csv, charts (a directory),
-- report (an .html path), each unless given (a path) or switched off (false).
-- Only beside a regular file (or one to be made): --json /dev/stdout has no
-- sibling /dev/stdout.jsonl, and nothing is made in /dev.
function M.beside(spec)
  if type(spec.json) ~= "string" then return spec end
  local kind = require("mcpi.writer").kind(spec.json)
  if kind ~= "regular" and kind ~= "missing" then return spec end
  local stem = M.stem(spec.json)
  if spec.jsonl == nil then spec.jsonl = stem .. ".jsonl" end
  if spec.csv == nil then spec.csv = stem .. ".csv" end
  if spec.charts == nil then spec.charts = stem .. "_charts" end
  if spec.report == nil then spec.report = stem .. ".html" end
  return spec
end

--- The directory part of path ("." for a bare name, "/" for a file in /).
local function dirname(path)
  local d = path:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end
M.dirname = dirname

--- The names in directory dir ("." and ".." included; nil when it cannot
-- be read), through mcpi_fs_dir_* (src/fsio.c).
function M.list(dir)
  local d = C.mcpi_fs_dir_open(dir)
  if d == nil then return nil end
  local names = {}
  while true do
    local name = C.mcpi_fs_dir_next(d)
    if name == nil then break end
    names[#names + 1] = ffi.string(name)
  end
  C.mcpi_fs_dir_close(d)
  return names
end

local CHART = { "^time_.*%.svg$", "^error_.*%.svg$", "^throughput%.svg$", "^front%.svg$" }

--- Remove from dir the charts (names as mcpi.plot writes them) that are not
-- in keep (a set of file names): an earlier run's kernels never mix in.
-- Returns the names removed.
function M.clear_stale(dir, keep)
  local gone = {}
  for _, name in ipairs(M.list(dir) or {}) do
    if not keep[name] then
      for _, pat in ipairs(CHART) do
        if name:match(pat) then
          if remove(dir .. "/" .. name) then gone[#gone + 1] = name end
          break
        end
      end
    end
  end
  return gone
end

--- Write the charts and the report of results res where spec asks
-- (spec.charts: a directory, spec.report: a path). Returns the list of what
-- was written and the list of errors ("charts not drawn: ...").
function M.write_extras(res, spec)
  local saved, errors = {}, {}
  if spec.charts then
    local paths, err = res:plot(spec.charts, { baseline = spec.baseline })
    if paths then saved[#saved + 1] = format("%s/ (%d charts)", spec.charts, #paths)
    else errors[#errors + 1] = format("charts not drawn in '%s': %s", spec.charts, tostring(err)) end
  end
  if spec.report then
    local ok, err = res:report(spec.report, { baseline = spec.baseline, show = spec.show })
    if ok then saved[#saved + 1] = spec.report
    else errors[#errors + 1] = format("report not written to '%s': %s", spec.report, tostring(err)) end
  end
  return saved, errors
end

--- Write every output spec asks for (json, csv, then charts and report;
-- the .jsonl is written as rows finish): errors go to res.errors, what was
-- written to res.saved.
function M.write_all(res, spec)
  res.saved = {}
  local function add(path, ok, err)
    if ok then res.saved[#res.saved + 1] = path else res.errors[#res.errors + 1] = err end
  end
  if spec.json then add(spec.json, res:save(spec.json)) end
  if spec.jsonl then
    local failed = false
    for _, e in ipairs(res.errors) do if e:find(spec.jsonl, 1, true) then failed = true end end
    if not failed then res.saved[#res.saved + 1] = spec.jsonl end
  end
  if spec.csv then add(spec.csv, res:csv(spec.csv)) end
  if spec.bmf then add(spec.bmf, require("mcpi.bmf").write(res.summary, spec.bmf)) end
  local saved, errs = M.write_extras(res, spec)
  for _, f in ipairs(saved) do res.saved[#res.saved + 1] = f end
  for _, e in ipairs(errs) do res.errors[#res.errors + 1] = e end
end

--- Seconds as hours and minutes for long plans: "17 h 58 min", "12 min".
function M.hours(s)
  local m = floor(s / 60 + 0.5)
  if m < 60 then return format("%d min", m) end
  return format("%d h %02d min", floor(m / 60), m % 60)
end

-- -- What a script's exit status reports --------------------------------------

M.problems = {}      -- failures and unsaved outputs of every sweep in this process
M.interrupted = false  -- or the number of the signal that interrupted a sweep

--- Record a sweep's problems (kernel failures, outputs not written).
function M.record(res)
  for _, f in ipairs(res.failures or {}) do M.problems[#M.problems + 1] = f end
  for _, e in ipairs(res.errors or {}) do M.problems[#M.problems + 1] = e end
  if res.interrupted then M.interrupted = res.signal or 2 end
end

--- The exit status a script ends with: 128 + the signal when a sweep was
-- interrupted (130 for Ctrl-C, 143 SIGTERM, 129 SIGHUP), 1
-- when a kernel failed or an output could not be written (each said once
-- on stderr), else 0.
function M.status()
  if M.interrupted then return 128 + (tonumber(M.interrupted) or 2) end
  if #M.problems == 0 then return 0 end
  io.stderr:write(format("mcpi: exit 1: %d problem%s in this run: %s\n", #M.problems,
    #M.problems == 1 and "" or "s", concat(M.problems, "; ")))
  return 1
end

return M
