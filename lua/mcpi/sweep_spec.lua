--- mcpi.sweep_spec: what a sweep may be asked for -- its limits, the N
-- values of logspace, and the check that turns a user's spec into the
-- normalised one the planner (mcpi.sweep_plan) and the loop (mcpi.sweep) use.
--   local s, err = require("mcpi.sweep_spec").check{ kernels = {"c.simd"}, n = {1e6} }
-- mcpi.sweep re-exports logspace, check and the limits.
local C = require "mcpi.capi"
local util = require "mcpi.util"
local measure = require "mcpi.measure"
local files = require "mcpi.files"

local type, ipairs, pairs, tostring, tonumber, format = type, ipairs, pairs, tostring, tonumber, string.format
local floor, min, huge = math.floor, math.min, math.huge
local sort, concat = table.sort, table.concat

local M = {}

M.MAX_N = measure.MAX_N
M.MAX_REPS = 1e6
M.MAX_BUDGET = 7 * 86400
M.MAX_POINTS = 1000           -- values logspace gives at most

--- N values 10^a, 10^(a+step), ..., 10^b (step 1 by default), rounded to
-- whole numbers. logspace(1, 9) = {10, 100, ..., 1e9}.
function M.logspace(a, b, step)
  step = step or 1
  for _, v in ipairs{ { a, "a" }, { b, "b" }, { step, "step" } } do
    if type(v[1]) ~= "number" or v[1] ~= v[1] or v[1] == huge or v[1] == -huge then
      error(format("logspace: %s must be a finite number, got %s", v[2], util.show(v[1])), 2)
    end
  end
  if step <= 0 then error(format("logspace: step must be > 0, got %s", util.fmtnum(step)), 2) end
  if a < 0 or b > 15 or a > b then
    error(format("logspace: need 0 <= a <= b <= 15, got a=%s b=%s", util.fmtnum(a), util.fmtnum(b)), 2)
  end
  -- A tiny step would mean billions of exponents (or, below the spacing of
  -- doubles, a loop that never ends): the count is bounded up front.
  local count = floor((b - a) / step + 1e-9) + 1
  if not (count <= M.MAX_POINTS) then
    error(format("logspace: step %s gives %s values from a=%s to b=%s, more than %d",
      util.fmtnum(step), count == count and util.fmtnum(count) or "too many", util.fmtnum(a),
      util.fmtnum(b), M.MAX_POINTS), 2)
  end
  local t, seen = {}, {}
  for i = 0, count - 1 do
    local n = floor(10 ^ min(a + i * step, b) + 0.5)
    if not seen[n] then seen[n] = true; t[#t + 1] = n end
  end
  return t
end

-- -- Checking a spec, one step per group of fields ------------------------------------
-- Each step reads spec, fills s, and returns a message when something is wrong.

local KNOWN = { kernels = true, n = true, reps = true, min_reps = true, max_reps = true,
  warmup = true, seed = true, threads = true, budget = true, point_time = true, jsonl = true,
  json = true, csv = true, bmf = true, progress = true, quiet = true, baseline = true, resamples = true,
  context = true, decorate = true, processes = true, process_kernels = true, show = true, charts = true,
  report = true }

local function num_ok(v, lo, hi, whole)
  return type(v) == "number" and v == v and v >= lo and v <= hi and (not whole or v % 1 == 0)
end

local function check_fields(spec)
  local names = {}
  for k in pairs(KNOWN) do names[#names + 1] = k end
  sort(names)
  for k in pairs(spec) do
    if not KNOWN[k] then
      return format("sweep: unknown field '%s'%s", tostring(k),
        util.did_you_mean(tostring(k), names, "fields: " .. concat(names, ", ")))
    end
  end
end

-- kernels: names resolved; the unavailable set aside in s.unavailable
local function check_kernels(spec, s)
  local ks = spec.kernels
  if type(ks) == "string" then ks = { ks } end
  if type(ks) ~= "table" then
    return format("sweep: kernels must be a list of kernel names, got %s", type(spec.kernels))
  end
  if #ks == 0 then return "sweep: kernels is empty (give at least one name; see 'mcpi list')" end
  local kernels = require "mcpi.kernels"
  s.kernels, s.unavailable = {}, {}
  local seen = {}
  for i, name in ipairs(ks) do
    if type(name) ~= "string" then
      return format("sweep: kernels[%d] must be a kernel name, got %s", i, type(name))
    end
    local k, err = kernels.find(name)
    if not k then return "sweep: " .. err end
    if not seen[name] then
      seen[name] = true
      local ok, why, hint = k.available()
      if ok then s.kernels[#s.kernels + 1] = name
      else
        s.unavailable[#s.unavailable + 1] = { kernel = name, why = (why or "unavailable")
          .. (hint and format("; to enable: %s", hint) or "") }
      end
    end
  end
end

-- n: sorted, each once
local function check_n(spec, s)
  local ns = spec.n
  if type(ns) == "number" then ns = { ns } end
  if type(ns) ~= "table" then
    return format("sweep: n must be a number or a list of numbers (e.g. mcpi.logspace(1, 9)), got %s", type(spec.n))
  end
  if #ns == 0 then return "sweep: n is empty (give at least one N, e.g. {1e6})" end
  local seen = {}
  s.n = {}
  for i, n in ipairs(ns) do
    local u, err = util.to_u64(n, format("n[%d]", i), M.MAX_N)
    if not u then return "sweep: " .. err end
    if u == 0 then return format("sweep: n[%d] must be >= 1, got 0", i) end
    local v = tonumber(u)
    if not seen[v] then seen[v] = true; s.n[#s.n + 1] = v end
  end
  sort(s.n)
end

-- reps, min_reps, max_reps, warmup, seed, threads
local function check_counts(spec, s)
  if spec.reps ~= nil and not num_ok(spec.reps, 1, M.MAX_REPS, true) then
    return format("sweep: reps must be a whole number in 1..%d, got %s", M.MAX_REPS, util.fmtnum(spec.reps))
  end
  s.min_reps = spec.min_reps or 3
  s.max_reps = spec.max_reps or 30
  if not num_ok(s.min_reps, 1, M.MAX_REPS, true) then
    return format("sweep: min_reps must be a whole number in 1..%d, got %s", M.MAX_REPS, util.fmtnum(s.min_reps))
  end
  if not num_ok(s.max_reps, s.min_reps, M.MAX_REPS, true) then
    return format("sweep: max_reps must be a whole number in min_reps..%d, got %s", M.MAX_REPS, util.fmtnum(s.max_reps))
  end
  s.warmup = spec.warmup or 1
  if not num_ok(s.warmup, 0, 1000, true) then
    return format("sweep: warmup must be a whole number in 0..1000, got %s", util.fmtnum(s.warmup))
  end
  local seed, err = util.to_u64(spec.seed == nil and measure.DEFAULT_SEED or spec.seed, "seed")
  if not seed then return "sweep: " .. err end
  s.seed = util.u64val(seed)
  if spec.threads ~= nil then
    local mx = C.mcpi_threads_max()
    if not num_ok(spec.threads, 0, mx, true) then
      return format("sweep: threads must be a whole number in 0..%d (0 = online CPUs), got %s", mx,
        type(spec.threads) == "number" and util.fmtnum(spec.threads) or type(spec.threads))
    end
  end
end

-- budget, point_time
local function check_times(spec, s)
  if spec.budget ~= nil then
    if type(spec.budget) ~= "number" or not (spec.budget > 0) then
      return format("sweep: budget must be a number of seconds > 0, got %s",
        type(spec.budget) == "number" and util.fmtnum(spec.budget) or type(spec.budget))
    end
    if spec.budget > M.MAX_BUDGET then
      return format("sweep: budget must be <= %d seconds (a week), got %s", M.MAX_BUDGET, util.fmtnum(spec.budget))
    end
  end
  s.point_time = spec.point_time or 0.25
  if not num_ok(s.point_time, 1e-6, M.MAX_BUDGET) then
    return "sweep: point_time must be a number of seconds > 0"
  end
end

-- jsonl, json, csv, bmf, charts, report: names, defaults beside json, writable
local function check_files(spec, s)
  for _, f in ipairs{ "jsonl", "json", "csv", "bmf", "charts", "report" } do
    local v = spec[f]
    if v ~= nil and not (f ~= "json" and v == false) and (type(v) ~= "string" or v == "") then
      return format("sweep: %s must be a file name%s, got %s", f, f ~= "json" and " or false" or "",
        type(v) == "string" and "''" or tostring(v))
    end
  end
  files.beside(s)
  for _, f in ipairs{ "json", "jsonl", "csv", "bmf", "report" } do
    if s[f] then
      local ok, werr = files.writable(s[f])
      if not ok then return format("sweep: %s: %s", f, werr) end
    end
  end
end

local function check_baseline(spec)
  if spec.baseline == nil then return end
  if type(spec.baseline) ~= "string" then
    return format("sweep: baseline must be a kernel name, got %s", type(spec.baseline))
  end
  local ks = type(spec.kernels) == "string" and { spec.kernels } or spec.kernels
  for _, k in ipairs(ks) do if k == spec.baseline then return end end
  return format("sweep: baseline '%s' is not among the kernels%s", spec.baseline,
    util.did_you_mean(spec.baseline, ks, "kernels: " .. concat(ks, ", ")))
end

-- progress, quiet, resamples, decorate, show, context, processes
local function check_options(spec, s)
  if spec.progress ~= nil and type(spec.progress) ~= "boolean" then
    return "sweep: progress must be true or false"
  end
  if spec.quiet ~= nil and type(spec.quiet) ~= "boolean" then
    return "sweep: quiet must be true or false"
  end
  if spec.resamples ~= nil and not num_ok(spec.resamples, 10, 1e6, true) then
    return "sweep: resamples must be a whole number in 10..1000000"
  end
  if spec.decorate ~= nil and type(spec.decorate) ~= "function" then
    return format("sweep: decorate must be a function(measured) -> measured, got %s", type(spec.decorate))
  end
  if type(spec.show) == "string" then s.show = { spec.show } end
  if s.show ~= nil and type(s.show) ~= "table" then
    return format("sweep: show must be a list of field names, got %s", type(spec.show))
  end
  if spec.context ~= nil and type(spec.context) ~= "table" then
    return "sweep: context must be a table of extra context fields"
  end
  if spec.processes ~= nil or spec.process_kernels ~= nil then
    return require("mcpi.fresh").check_spec(spec, s)
  end
end

local STEPS = { check_kernels, check_n, check_counts, check_times, check_files, check_baseline,
  check_options }

--- Check a sweep spec. Returns a normalised copy (kernel names resolved,
-- unavailable kernels set aside in .unavailable, n sorted and unique), or
-- nil and a message saying what is wrong and what would be right.
function M.check(spec)
  if type(spec) ~= "table" then
    return nil, format("sweep needs a table, e.g. mcpi.sweep{kernels = {'c.simd'}, n = {1e6}}, got %s", type(spec))
  end
  local err = check_fields(spec)
  if err then return nil, err end
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  for _, step in ipairs(STEPS) do
    err = step(spec, s)
    if err then return nil, err end
  end
  return s
end

return M
