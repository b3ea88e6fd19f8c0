--- mcpi.fields: the one spec of what a sweep takes -- each field's name, its
-- `mcpi run` option, kind, range, default and help text -- and the limits and
-- defaults behind them, stated once. Everything that reads those fields
-- derives from this table:
--   mcpi.options     parses command lines into fields and writes the options
--                    part of a command's help (`mcpi run`, scripts/sweep.lua)
--   mcpi.sweep_spec  checks a Lua spec field by field (mcpi.sweep{...})
--   mcpi.measure, mcpi.kernels  the N limits and the default seed
-- A field's two checks share its kind: parse(text) for a command line
-- ("--reps: 0 is below 1 (give a whole number in 1..1000000)") and
-- check(value) for Lua ("sweep: reps must be a whole number in 1..1000000,
-- got 0"), so a range is written in one place and both messages state it.
local util = require "mcpi.util"

local type, ipairs, pairs, tonumber, tostring, format = type, ipairs, pairs, tonumber, tostring, string.format
local floor, min, huge = math.floor, math.min, math.huge

local M = {}

-- -- Limits and defaults -------------------------------------------------------------

M.MAX_N = 2 ^ 53          -- a measured N: n, the estimate and rates stay exact as doubles
M.MAX_KERNEL_N = 2 ^ 63   -- a kernel called directly counts in uint64_t (hits exact to 2^64)
M.MAX_REPS = 1000000
M.MAX_WARMUP = 1000
M.MAX_BUDGET = 7 * 86400  -- a week
M.MAX_POINTS = 1000       -- values of N that logspace and --n-range give at most
M.MAX_N_EXP = 15          -- --n-range and logspace: N up to 10^15
M.DEFAULT_SEED = 1        -- the first repetition's seed everywhere (kernels, measure, sweeps)
M.DEFAULT_N = 1000000     -- `mcpi run` without -n
M.MAX_PROCESSES = 64      -- fresh processes a point may be spread over
M.AUTO_PROCESSES = { 9, 7, 5, 3, 2 }  -- what processes = "auto" tries, most first (mcpi.fresh)

local function threads_max() return require("mcpi.capi").mcpi_threads_max() end
local function processes_max() return M.MAX_PROCESSES end

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
  if a < 0 or b > M.MAX_N_EXP or a > b then
    error(format("logspace: need 0 <= a <= b <= %d, got a=%s b=%s", M.MAX_N_EXP, util.fmtnum(a), util.fmtnum(b)), 2)
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


-- -- Kinds ----------------------------------------------------------------------------
-- kind.check(f, v): v normalised, or nil and "NAME must be WHAT, got V";
-- kind.parse(f, text[, old]): the value from a command line, or nil and why
-- with a hint, for "OPTION: WHY (HINT)"; a kind without parse takes the text.

local function bound(x) if type(x) == "function" then return x() end return x end

local function num_ok(v, lo, hi, whole)
  return type(v) == "number" and v == v and v >= lo and v <= hi and (not whole or v % 1 == 0)
end

local function limit_text(v) return v == 2 ^ 53 and "2^53" or util.fmtnum(v) end

--- A whole number from text: 1000, 1e6, 10^6, 2^20, in lo..hi. Returns the
-- number, or nil and why ("'x' is not a number", "0 is below 1", ...).
function M.whole(text, lo, hi)
  local v = tonumber(text)
  if not v then
    local b, e = text:match("^(%d+)%^(%d+)$")
    if b then v = tonumber(b) ^ tonumber(e) end
  end
  local shown = util.quote_arg(text)
  if not v or v ~= v then return nil, format("%s is not a number", shown) end
  if v ~= floor(v) or v == huge or v == -huge then return nil, format("%s is not a whole number", shown) end
  local plain = #text > 20 and shown or text
  if v < lo then return nil, format("%s is below %s", plain, util.fmtnum(lo)) end
  if v > hi then return nil, format("%s is too large (at most %s)", plain, limit_text(hi)) end
  return v
end

local KINDS = {}
M.KINDS = KINDS

-- "NAME must be WHAT, got V" (V as util.show writes it: a number, a quoted
-- string, or the type).
local function must(f, what, v, shown)
  return format("%s must be %s, got %s", f.name, what, shown or util.show(v))
end

KINDS.whole = {
  desc = function(f) return format("a whole number in %s..%s", limit_text(bound(f.lo)), limit_text(bound(f.hi))) end,
  check = function(f, v)
    if num_ok(v, bound(f.lo), bound(f.hi), true) then return v end
    return nil, must(f, KINDS.whole.desc(f) .. (f.note and format(" (%s)", f.note) or ""), v)
  end,
  parse = function(f, text)
    local v, why = M.whole(text, bound(f.lo), bound(f.hi))
    if not v then return nil, format("%s (give %s%s)", why, KINDS.whole.desc(f), f.note and "; " .. f.note or "") end
    return v
  end,
}

-- Seconds: a number > 0 and at most f.hi.
KINDS.seconds = {
  check = function(f, v)
    if type(v) ~= "number" or not (v > 0) then return nil, must(f, "a number of seconds > 0", v) end
    if v > f.hi then return nil, must(f, format("<= %d seconds (%s)", f.hi, f.hi_text), v) end
    return v
  end,
  parse = function(f, text)
    local v = tonumber(text)
    local eg = format("e.g. %s %s", f.opt, f.example)
    if not v or v ~= v then return nil, format("%s is not a number of seconds (%s)", util.quote_arg(text), eg) end
    local shown = #text > 20 and util.quote_arg(text) or text  -- parsed as a number: one line
    if not (v > 0) then return nil, format("%s must be > 0 seconds (%s)", shown, eg) end
    if v > f.hi then return nil, format("%s is too large (at most %d seconds, %s)", shown, f.hi, f.hi_text) end
    return v
  end,
}

-- A seed: 0 <= seed < 2^64 (number, uint64_t or decimal string).
KINDS.seed = {
  check = function(f, v)
    local u, err = util.to_u64(v, f.name)
    if not u then return nil, err end
    return util.u64val(u)
  end,
  parse = function(f, text)
    local u, err = util.to_u64(text, "it")
    if not u then return nil, err:gsub("^it must be", "must be", 1) .. " (0 <= seed < 2^64)" end
    return util.u64val(u)
  end,
}

-- Sample counts: whole numbers in 1..MAX_N (-n 1e6,1e7); sweep_spec checks
-- a Lua list.
KINDS.counts = {
  parse = function(_, text)
    local list = {}
    for part in (text .. ","):gmatch("([^,]*),") do
      local v, why = M.whole(part, 1, M.MAX_N)
      if not v then return nil, format("%s (give whole numbers >= 1, e.g. -n 1e6,1e7)", why) end
      list[#list + 1] = v
    end
    return list
  end,
}

-- Exponents of 10: --n-range A:B[:STEP] -> logspace(A, B, STEP).
KINDS.exponents = {
  parse = function(_, text)
    local a, b, s = text:match("^([^:]+):([^:]+):?([^:]*)$")
    local lo, hi, step = tonumber(a or ""), tonumber(b or ""), tonumber(s ~= "" and s or "1")
    local shown = util.quote_arg(text)
    if not (lo and hi and step) then
      return nil, format("%s is not A:B or A:B:STEP (exponents of 10, e.g. --n-range 1:9)", shown)
    end
    -- nan fails every comparison, so each test is written to pass only for a good value
    if not (lo >= 0 and hi <= M.MAX_N_EXP and lo <= hi and step > 0 and step < huge) then
      return nil, format("%s needs 0 <= A <= B <= %d and 0 < STEP (finite numbers, e.g. --n-range 1:9)",
        shown, M.MAX_N_EXP)
    end
    if floor((hi - lo) / step + 1e-9) + 1 > M.MAX_POINTS then
      return nil, format("%s gives more than %d values of N (use a larger STEP)", shown, M.MAX_POINTS)
    end
    return M.logspace(lo, hi, step)
  end,
}

-- A file name; false switches an output off (not json: it is the stem).
KINDS.file = {
  check = function(f, v)
    if f.off and v == false then return v end
    if type(v) ~= "string" or v == "" then
      return nil, format("%s must be a file name%s, got %s", f.name, f.off and " or false" or "",
        type(v) == "string" and "''" or tostring(v))
    end
    return v
  end,
}

KINDS.bool = {
  check = function(f, v)
    if type(v) ~= "boolean" then return nil, must(f, "true or false", v) end
    return v
  end,
}

-- Names: a list of strings (a lone string is a list of one); the command
-- line gives them comma-separated, and a repeated option adds to the list.
KINDS.names = {
  check = function(f, v)
    if type(v) == "string" then return { v } end
    if type(v) ~= "table" then return nil, must(f, f.what, nil, type(v)) end
    for i, x in ipairs(v) do
      if type(x) ~= "string" then return nil, format("%s[%d] must be a name, got %s", f.name, i, util.show(x)) end
    end
    return v
  end,
  parse = function(_, text, old)
    local t = old or {}
    for part in text:gmatch("[^,]+") do t[#t + 1] = part end
    return t
  end,
}

-- One value of a Lua type (a kernel name, a function, a table).
local function typed(lua_type)
  return {
    check = function(f, v)
      if type(v) ~= lua_type then return nil, must(f, f.what, nil, type(v)) end
      return v
    end,
  }
end
KINDS.name, KINDS["function"], KINDS.table = typed("string"), typed("function"), typed("table")

-- A count of fresh processes, or "auto" (0 where the command allows it: none).
KINDS.processes = {
  check = function(f, v)
    if v == "auto" or num_ok(v, 1, processes_max(), true) then return v end
    return nil, must(f, format("a whole number in 1..%d or 'auto'", processes_max()), v)
  end,
  parse = function(f, text)
    if text == "auto" then return "auto" end
    local v, why = M.whole(text, 0, processes_max())
    if v == 0 and not f.zero then v, why = nil, "0 is below 1" end
    if not v then return nil, format("%s (give 1..%d fresh processes, or auto)", why, processes_max()) end
    return v
  end,
}

-- -- The fields of a sweep ------------------------------------------------------------
-- name: the spec's key; kind (above) with its range (lo, hi; a function where it
-- depends on the machine); default (applied by sweep_spec.check); opt, arg and
-- help: the `mcpi run` option and its line in the help. An entry with `of`
-- is a second option for field `of` (-n and --n-range both give n). Fields
-- without opt are Lua-only. Fields checked as a whole by sweep_spec (kernels,
-- n, baseline, process_kernels) have no check of their own here.

M.SWEEP = {
  { name = "kernels", kind = "names", what = "a list of kernel names", custom = true },
  { name = "n", kind = "counts", custom = true, opt = "-n", arg = "N[,N...]",
    help = "sample counts (1000, 1e6, 2^20); default 1e6" },
  { of = "n", kind = "exponents", opt = "--n-range", arg = "A:B[:S]",
    help = "N = 10^A, 10^(A+S), ..., 10^B (e.g. 1:9)" },
  { name = "reps", kind = "whole", lo = 1, hi = M.MAX_REPS, opt = "--reps", arg = "R",
    help = "repetitions per point (default: adaptive, 3..30)" },
  { name = "min_reps", kind = "whole", lo = 1, hi = M.MAX_REPS, default = 3 },
  { name = "max_reps", kind = "whole", lo = 1, hi = M.MAX_REPS, default = 30 },
  { name = "warmup", kind = "whole", lo = 0, hi = M.MAX_WARMUP, default = 1, opt = "--warmup", arg = "W",
    help = "warm-up calls per point (default 1)" },
  { name = "seed", kind = "seed", default = M.DEFAULT_SEED, opt = "--seed", arg = "S",
    help = format("base seed, 0 <= S < 2^64 (default %d)", M.DEFAULT_SEED) },
  { name = "threads", kind = "whole", lo = 0, hi = threads_max, note = "0 = online CPUs",
    opt = "--threads", arg = "T", help = "threads for threaded kernels (default and 0: online CPUs)" },
  { name = "budget", kind = "seconds", hi = M.MAX_BUDGET, hi_text = "a week", example = "60",
    opt = "--budget", arg = "SEC", help = "time budget: the plan skips points that do not fit" },
  { name = "point_time", kind = "seconds", hi = M.MAX_BUDGET, hi_text = "a week", default = 0.25 },
  { name = "json", kind = "file", opt = "--json", arg = "DIR/F.json", help = [[
write results (schema mcpi/1) to it, and beside it under
F's stem: F.jsonl (rows as they finish), F.csv, the
charts in F_charts/ (an earlier run's cleared) and the
report F.html]] },
  { name = "jsonl", kind = "file", off = true, opt = "--jsonl", arg = "F",
    help = "stream finished rows to F (one JSON object per line)" },
  { name = "csv", kind = "file", off = true, opt = "--csv", arg = "F", help = "write every row as CSV to F" },
  { name = "bmf", kind = "file", off = true, opt = "--bmf", arg = "F", help = [[
write the summary in Bencher Metric Format to F (latency
in ns and throughput, each with its 95% CI as bounds;
speedup against the baseline with its paired CI)]] },
  { name = "charts", kind = "file", off = true },
  { name = "report", kind = "file", off = true },
  { name = "baseline", kind = "name", what = "a kernel name", custom = true, opt = "--baseline", arg = "K",
    help = "kernel the VS column compares with (default: the first)" },
  { name = "processes", kind = "processes", opt = "--processes", arg = "K", help = [[
spread each point's repetitions over K fresh mcpi
processes (auto: the plan picks K within the budget);
rows carry `process`, the CI resamples processes first]] },
  { name = "process_kernels", kind = "names", what = "a list of kernel names", custom = true },
  { name = "show", kind = "names", what = "a list of field names", opt = "--show", arg = "F[,F...]", help = [[
table columns for these fields: any summary field, or a
metric a decorator adds (median and 95% CI), e.g.
--show jit_interpreted_share,load_other_cores]] },
  { name = "quiet", kind = "bool", opt = "--quiet", value = true, help = "no plan or notes on stderr" },
  { name = "progress", kind = "bool", opt = "--progress", value = true,
    help = "draw the progress bar even when stderr is not a terminal" },
  { of = "progress", kind = "bool", opt = "--no-progress", value = false,
    help = "no progress bar (by default it is shown only on a terminal)" },
  { name = "resamples", kind = "whole", lo = 10, hi = 1000000 },
  { name = "decorate", kind = "function", what = "a function(measured) -> measured" },
  { name = "context", kind = "table", what = "a table of extra context fields" },
}

M.BY_NAME = {}
for _, f in ipairs(M.SWEEP) do
  if f.name then M.BY_NAME[f.name] = f end
  f.field = f.name or f.of
end

--- The field names a sweep spec may have, sorted.
function M.names()
  local t = {}
  for name in pairs(M.BY_NAME) do t[#t + 1] = name end
  table.sort(t)
  return t
end

--- Check value v of field f (a field table or its name). Returns the value
-- (normalised: a lone name becomes a list of one), or nil and
-- "NAME must be WHAT, got V".
function M.check(f, v)
  if type(f) == "string" then f = assert(M.BY_NAME[f], f) end
  return KINDS[f.kind].check(f, v)
end

--- The `mcpi run` options of the fields (and extra option tables), in order.
function M.options()
  local t = {}
  for _, f in ipairs(M.SWEEP) do
    if f.opt then t[#t + 1] = f end
  end
  return t
end

return M
