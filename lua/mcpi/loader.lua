--- mcpi.loader: the one reader of results files (mcpi.load, `mcpi plot`,
-- `mcpi report`, `mcpi compare`). It validates a file field by field, so
-- every method of the results object made from it works, and never raises
-- on bad data:
--   read(path) -> {rows, summary, fits, ...}, or nil and "'PATH': what is wrong, where"
-- (mcpi.results.load(path) makes the results object; this file depends on
-- mcpi.stats for the fits of a .jsonl, never on mcpi.results).
-- A .jsonl (the rows a sweep streamed) keeps every complete line; a torn last
-- line (a write cut by a full disk, SIGKILL or power loss) is dropped and
-- reported in the object's notes.
local util = require "mcpi.util"
local json = require "mcpi.json"
local output = require "mcpi.output"
local stats = require "mcpi.stats"

local type, ipairs, pairs, tostring, format, pcall = type, ipairs, pairs, tostring, string.format, pcall
local floor, huge = math.floor, math.huge

local M = {}

M.SCHEMA = "mcpi/1"

-- Known row fields and their kinds; any other field may hold any JSON value.
-- `row` is left to the readers (plot notes rows of an unknown kind).
local KIND = { kernel = "name", stream = "string", seed = "u64", hits = "u64", baseline = "name",
  outlier = "boolean", partial = "boolean", jit_first = "boolean", jit_abort_reasons = "table" }
for _, list in ipairs{ output.REP_FIELDS, output.SUMMARY_FIELDS } do
  for _, f in ipairs(list) do
    if f ~= "row" and f ~= "n" then KIND[f] = KIND[f] or "number" end
  end
end
local FIT_KIND = { kernel = "name", metric = "name", model = "string" }
for _, f in ipairs{ "a", "b", "r2", "t0", "t0_se", "c", "c_se", "c_lo", "c_hi", "n_points",
  "n_min", "n_max" } do FIT_KIND[f] = "number" end

local function shown(v)
  if type(v) == "string" then return "string " .. util.quote_arg(v, 40) end
  return type(v)
end

-- Does field f of table t fit kind? Normalises digit strings of seed/hits
-- to numbers or uint64 cdata. Returns true, or nil and why.
local function check_field(t, f, kind)
  local v = t[f]
  if v == nil then return true end
  if kind == "number" then
    if type(v) == "number" then return true end
  elseif kind == "name" then
    if type(v) == "string" and v ~= "" then return true end
  elseif kind == "u64" then
    if type(v) == "string" then
      local u = util.to_u64(v, f)
      if u then t[f] = util.u64val(u); return true end
    elseif type(v) == "number" and v >= 0 and v == floor(v) and v < huge then
      return true
    end
    return nil, format("%s must be a whole number >= 0, got %s", f,
      type(v) == "number" and util.fmtnum(v) or shown(v))
  elseif type(v) == kind then
    return true
  end
  return nil, format("%s must be a %s, got %s", f, kind == "name" and "non-empty string" or kind, shown(v))
end

-- N as a number, from a number or a string of digits; nil unless >= 1.
local function count_of(v)
  if type(v) == "string" and v:match("^%d+$") then v = tonumber(v) end
  if type(v) == "number" and v >= 1 and v < huge then return v end
  return nil
end

-- Validate row r in place: fields of the wrong type are dropped (and
-- counted in bad, with the first one described). Returns false for a row
-- with no usable kernel name or N.
local function check_row(r, i, bad)
  local n = count_of(r.n)
  if type(r.kernel) ~= "string" or r.kernel == "" or not n then return false end
  r.n = n
  for f, kind in pairs(KIND) do
    local ok, why = check_field(r, f, kind)
    if not ok then
      r[f] = nil
      bad.count = bad.count + 1
      bad.first = bad.first or format("results[%d].%s", i, why)
    end
  end
  return true
end

-- The fits that are well formed (nil when the file has no list of them),
-- and how many were dropped.
local function check_fits(fits)
  if type(fits) ~= "table" then return nil, 0 end
  local good, dropped = {}, 0
  for _, f in ipairs(fits) do
    local ok = type(f) == "table" and f.kernel ~= nil and f.metric ~= nil
    if ok then
      for k, kind in pairs(FIT_KIND) do
        if not check_field(f, k, kind) then ok = false end
      end
    end
    if ok then good[#good + 1] = f else dropped = dropped + 1 end
  end
  return good, dropped
end

-- The decoded top-level value of path, or nil, err; and a note on a torn tail.
local function decode(path, text)
  if path:match("%.jsonl$") then
    local rows, err, torn = json.decode_lines(text)
    if not rows then return nil, format("%s is not JSON lines (%s)", util.quote_arg(path, 200), err) end
    return { schema = M.SCHEMA, results = rows }, nil, torn
  end
  local v, err = json.decode(text)
  if v == nil then return nil, format("%s is not JSON (%s)", util.quote_arg(path, 200), err) end
  return v
end

local function build(path, text)
  local qp = util.quote_arg(path, 200)
  local v, err, torn = decode(path, text)
  if not v then return nil, err end
  if type(v) ~= "table" or v.schema == nil then
    return nil, format("%s is not an mcpi results file (no schema field; expected \"schema\": \"%s\")", qp, M.SCHEMA)
  end
  if v.schema ~= M.SCHEMA then
    return nil, format("%s: schema %s is not supported (expected '%s')", qp, util.quote_arg(tostring(v.schema), 40), M.SCHEMA)
  end
  if type(v.results) ~= "table" then return nil, format("%s has no results list", qp) end
  -- The file's own notes (what its sweep said: skipped points...) come first;
  -- recorded apart as well, so `mcpi plot` reports only what reading found.
  local rows, summary, notes, file_notes = {}, {}, {}, {}
  for _, n in ipairs(type(v.notes) == "table" and v.notes or {}) do
    if type(n) == "string" then notes[#notes + 1] = n; file_notes[n] = true end
  end
  local function note(cnt, one, many, extra)
    if cnt > 0 then notes[#notes + 1] = format("%d %s%s", cnt, cnt == 1 and one or many, extra or "") end
  end
  local junk, nameless, bad = 0, 0, { count = 0 }
  for i, r in ipairs(v.results) do
    if type(r) ~= "table" then
      junk = junk + 1
    elseif not check_row(r, i, bad) then
      nameless = nameless + 1
    elseif r.row == "summary" then
      summary[#summary + 1] = r
    else
      rows[#rows + 1] = r
    end
  end
  note(nameless, "row without a kernel name or a positive n skipped",
    "rows without a kernel name or a positive n skipped")
  note(junk, "result entry that is not an object skipped", "result entries that are not objects skipped")
  note(bad.count, "field of the wrong type ignored", "fields of the wrong type ignored",
    bad.first and format(" (%s)", bad.first))
  local fits, dropped = check_fits(v.fits)
  note(dropped, "malformed fit ignored", "malformed fits ignored")
  local context = v.context
  if context ~= nil and type(context) ~= "table" then
    notes[#notes + 1] = format("the context is a %s, not an object: ignored", type(context))
    context = nil
  end
  if torn then notes[#notes + 1] = format("%s: %s", qp, torn) end
  return { schema = v.schema, context = context or {}, rows = rows,
    summary = summary, fits = fits or stats.fits(summary), notes = notes,
    file_notes = file_notes, path = path, entries = #v.results }
end

--- Read a results file (JSON, or the .jsonl a sweep streamed) into a table
-- {schema, context, rows, summary, fits, notes, file_notes, path, entries}
-- (mcpi.results.load makes it a results object). Returns it, or nil and an
-- error naming the file and what is wrong. Raises only for misuse.
function M.read(path)
  if type(path) ~= "string" then
    error(format("load: path must be a file name (string), got %s", type(path)), 2)
  end
  local text, err = json.read_file(path)
  if not text then return nil, err end
  local ok, res, berr = pcall(build, path, text)
  if not ok then
    return nil, format("%s cannot be read: %s", util.quote_arg(path, 200), tostring(res))
  end
  return res, berr
end

return M
