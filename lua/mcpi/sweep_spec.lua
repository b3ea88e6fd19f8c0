--- mcpi.sweep_spec: the check that turns a user's sweep spec into the
-- normalised one the planner (mcpi.sweep_plan) and the loop (mcpi.sweep)
-- use, and the N values of logspace. What each field may be (kind, range,
-- default) is mcpi.fields'; this file applies it and checks what spans
-- fields: kernels resolved and available, n sorted, outputs beside json and
-- writable, the baseline among the kernels, fresh processes (mcpi.fresh).
--   local s, err = require("mcpi.sweep_spec").check{ kernels = {"c.simd"}, n = {1e6} }
-- mcpi.sweep re-exports logspace, check and the limits.
local util = require "mcpi.util"
local fields = require "mcpi.fields"
local files = require "mcpi.files"
local writer = require "mcpi.writer"

local type, ipairs, pairs, tostring, tonumber, format = type, ipairs, pairs, tostring, tonumber, string.format
local sort, concat = table.sort, table.concat

local M = {}

-- The limits, stated in mcpi.fields
M.MAX_N, M.MAX_REPS, M.MAX_BUDGET, M.MAX_POINTS = fields.MAX_N, fields.MAX_REPS, fields.MAX_BUDGET, fields.MAX_POINTS

M.logspace = fields.logspace

-- -- Checking a spec -------------------------------------------------------------------
-- Each field with a check of its own (mcpi.fields) is checked by it and its
-- default applied; then one step per field checked as a whole or against
-- another reads spec, fills s, and returns a message when something is wrong.

local function check_fields(spec, s)
  for k in pairs(spec) do
    if not fields.BY_NAME[k] then
      local names = fields.names()
      return format("sweep: unknown field '%s'%s", tostring(k),
        util.did_you_mean(tostring(k), names, "fields: " .. concat(names, ", ")))
    end
  end
  for _, f in ipairs(fields.SWEEP) do
    if f.name and not f.custom then
      local v = spec[f.name]
      if v == nil then v = f.default end
      if v ~= nil then
        local ok, err = fields.check(f, v)
        if ok == nil then return "sweep: " .. err end
        s[f.name] = ok
      end
    end
  end
  if s.max_reps < s.min_reps then
    return format("sweep: max_reps (%s) is below min_reps (%s)", util.fmtnum(s.max_reps), util.fmtnum(s.min_reps))
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
      local msg, why, hint = kernels.unavailable(k)
      if not msg then s.kernels[#s.kernels + 1] = name
      else
        s.unavailable[#s.unavailable + 1] = { kernel = name, message = msg,
          why = why .. (hint and format("; to enable: %s", hint) or "") }
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

-- json, jsonl, csv, bmf, report: defaults beside json, writable now
local function check_files(_, s)
  files.beside(s)
  for _, f in ipairs{ "json", "jsonl", "csv", "bmf", "report" } do
    if s[f] then
      local ok, werr = writer.check(s[f])
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

-- processes, process_kernels (mcpi.fresh owns what they mean)
local function check_processes(spec, s)
  if spec.processes ~= nil or spec.process_kernels ~= nil then
    return require("mcpi.fresh").check_spec(spec, s)
  end
end

local STEPS = { check_fields, check_kernels, check_n, check_files, check_baseline, check_processes }

--- Check a sweep spec. Returns a normalised copy (kernel names resolved,
-- unavailable kernels set aside in .unavailable, n sorted and unique), or
-- nil and a message saying what is wrong and what would be right.
function M.check(spec)
  if type(spec) ~= "table" then
    return nil, format("sweep needs a table, e.g. mcpi.sweep{kernels = {'c.simd'}, n = {1e6}}, got %s", type(spec))
  end
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  for _, step in ipairs(STEPS) do
    local err = step(spec, s)
    if err then return nil, err end
  end
  return s
end

return M
