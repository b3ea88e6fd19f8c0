--- tests/fuzz/api.lua: calls every public function of the library with wrong
-- arguments, and loads mutated results files, in this process.
--   mcpi script tests/fuzz/api.lua SECONDS SEED
-- A call may succeed or raise; what it raises must be an mcpi.errors object
-- or a one-line message that points at this file (the caller's line), never
-- into mcpi's own files. mcpi.load must never raise on a file, and every
-- method of what it returns must work. Prints "fuzz-api: N inputs, N failures"
-- and the first failures; exits 1 on any failure.
local seconds, seed = tonumber(arg[1] or 10), tonumber(arg[2] or 1)
math.randomseed(seed)
local random = math.random
local ffi = require "ffi"
local errors = require "mcpi.errors"
local HERE = "tests/fuzz/api.lua"

local tmp = os.getenv("FUZZ_TMP") or os.tmpname() .. ".d"
os.execute("mkdir -p '" .. tmp .. "'")
ffi.cdef "int chdir(const char *path);"
local cwd = io.popen("pwd"):read("*l")

local failures, tried, shown = 0, 0, 0
local by_what = {}
local function failed(what, detail)
  failures = failures + 1
  local key = what:gsub(" with %d+ wrong", " with some wrong")
  by_what[key] = (by_what[key] or 0) + 1
  if by_what[key] > 1 then return end
  if shown < 40 then
    shown = shown + 1
    io.stdout:write("FAIL fuzz-api: ", what, "\n  ", (errors.message(detail):gsub("\n", "\n  ")), "\n")
  end
end

-- -- Values ----------------------------------------------------------------------
local bad_mt = { __index = function() error("a user's __index failed") end,
  __tostring = function() error("a user's __tostring failed") end }
local POOL = {
  function() return nil end, function() return true end, function() return false end,
  function() return 0 end, function() return -1 end, function() return 0.5 end,
  function() return 0 / 0 end, function() return math.huge end, function() return -math.huge end,
  function() return 2 ^ 64 end, function() return 1e300 end, function() return 7 end, function() return 3 end,
  function() return "" end, function() return "x" end, function() return "c.scalar" end,
  function() return "a\nb" end, function() return ("z"):rep(5000) end, function() return "nan" end,
  function() return "\0\1\255" end, function() return "no/such/dir/x" end, function() return "/proc/no/such" end,
  function() return {} end, function() return { 1, 2, "x" } end, function() return { n = "x", kernel = 5 } end,
  function() return { 0 / 0, 1 } end, function() return setmetatable({}, bad_mt) end,
  function() return function() end end, function() return print end,
  function() return ffi.new("uint64_t", 5) end, function() return io.stdout end,
  function() return coroutine.create(function() end) end,
}
local function value() return POOL[random(#POOL)]() end

-- One error is acceptable if it is an errors object or a one-line string at
-- this file's line.
local function acceptable(e)
  if errors.kind(e) then
    return type(rawget(e, "msg")) == "string", "errors object"  -- the host prints it on one line
  end
  if type(e) ~= "string" then return false, "error value is a " .. type(e) end
  if e:find("\n") then return false, "more than one line" end
  if e:sub(1, #HERE + 1) ~= HERE .. ":" then return false, "not at the caller's line" end
  return true
end

-- Functions that write where they are told, run for a long time or change
-- the process are left out (they are exercised elsewhere).
local SKIP = { ["mcpi.sweep.run"] = true, ["mcpi.cli.main"] = true, ["mcpi.repl.show"] = true,
  ["mcpi.kernels.simd_force"] = true, ["mcpi.context.collect"] = true,
  ["mcpi.context.overheads"] = true, ["mcpi.measure.calibrate"] = true }
-- The documented public API (README: Lua API); modules' internals that are
-- exported for their own tests (chart.*, plot.chart_*, philox.*) are not.
local API = {
  -- (util.check raises level frames above its own caller by design: left out)
  ["mcpi.util"] = { "usage", "interrupted", "to_u64", "did_you_mean", "suggest",
    "quote_arg", "distance", "u64str", "fmtnum", "show" },
  ["mcpi.stats"] = { "mean", "median", "quantile", "sd", "mad", "rms", "bootstrap_ci", "outliers",
    "loglog_fit", "affine_fit", "t_quantile", "sigma_theory", "sorted", "range", "summarize", "rng" },
  ["mcpi.json"] = { "encode", "decode", "decode_lines", "read_file", "lines", "write_file", "object" },
  ["mcpi.output"] = { "table", "csv", "time", "count", "rate" },
  ["mcpi.results"] = { "new", "load", "fits", "summary_row", "rep_row" },
  ["mcpi.errors"] = { "new", "raise", "usage", "data", "experiment", "kind", "message", "is_usage",
    "is_interrupt" },
  ["mcpi.writer"] = { "write_file", "check", "mkdir", "kind", "journal" },
  ["mcpi.loader"] = { "load" },
  ["mcpi.decorators"] = { "timed", "accuracy", "throughput", "repeat", "jitstats" },
  ["mcpi.kernels"] = { "register", "get", "find", "names", "list" },
  ["mcpi.sweep"] = { "logspace", "check" },
  ["mcpi.plot"] = { "write", "charts", "read", "save", "mkdir", "collect" },
  ["mcpi.report"] = { "write", "html" },
  ["mcpi.measure"] = { "kernel" },
}
local targets = {}
for name, fns in pairs(API) do
  local mod = require(name)
  for _, k in ipairs(fns) do
    if type(mod[k]) == "function" and not SKIP[name .. "." .. k] then
      targets[#targets + 1] = { name .. "." .. k, mod[k] }
    end
  end
end
table.sort(targets, function(a, b) return a[1] < b[1] end)
for _, m in ipairs{ "mcpi.plot", "mcpi.report", "mcpi.chart", "mcpi.svg", "mcpi.context" } do require(m) end
-- files the calls write land in a scratch directory (modules are loaded by now)
assert(ffi.C.chdir(tmp) == 0, "chdir " .. tmp)

-- A call that runs past CALL_LIMIT seconds is a hang: the count hook fires in
-- interpreted code (the JIT is off here, so every Lua loop is interpreted).
local CALL_LIMIT = 2
jit.off()
local function limited(f, ...)
  local deadline = os.clock() + CALL_LIMIT
  debug.sethook(function()
    if os.clock() > deadline then debug.sethook(); error("fuzz: HANG (over " .. CALL_LIMIT .. " s)", 2) end
  end, "", 10000)
  local r = { pcall(f, ...) }
  debug.sethook()
  return unpack(r, 1, table.maxn(r))
end

local function call_one()
  local t = targets[random(#targets)]
  local args, n = {}, random(0, 3)
  for i = 1, n do args[i] = value() end
  tried = tried + 1
  -- not a tail call: the frame of this file stays on the stack as the caller
  local ok, e = limited(function() local r = { t[2](unpack(args, 1, n)) }; return r end)
  if not ok then
    local good, why = acceptable(e)
    if type(e) == "string" and e:find("fuzz: HANG", 1, true) then good, why = false, "hang" end
    if not good then
      local shown_args = {}
      for i = 1, n do
        local a = args[i]
        shown_args[i] = type(a) == "string" and string.format("%q", a:sub(1, 20)) or
          (type(a) == "number" or type(a) == "boolean") and tostring(a) or type(a)
      end
      failed(t[1] .. " with " .. n .. " wrong argument(s): " .. why,
        errors.message(e) .. "\n(" .. table.concat(shown_args, ", ") .. ")")
    end
  end
end

-- -- Results files ----------------------------------------------------------------
local fixtures = {}
for _, f in ipairs{ "plot_known.json", "plot_measured.json", "plot_missing.json", "plot_nan.json",
  "plot_one.json" } do
  local fh = io.open(cwd .. "/tests/data/" .. f, "rb")
  if fh then fixtures[#fixtures + 1] = fh:read("*a"); fh:close() end
end

local function mutate_text(s)
  local k = random(4)
  if k == 1 then return s:sub(1, random(0, #s)) end                  -- torn
  if k == 2 then                                                     -- byte flips
    for _ = 1, random(1, 5) do
      local i = random(#s)
      s = s:sub(1, i - 1) .. string.char(random(0, 255)) .. s:sub(i + 1)
    end
    return s
  end
  if k == 3 then                                                     -- a field's value swapped
    local vals = { '"x"', "-1", "1e999", "true", "null", "{}", "[]", "5e-324", '"18446744073709551616"', "0" }
    local i = 0
    local target = random(1, 60)
    return (s:gsub('("[%w_]+":)([^,}%]]+)', function(key, v)
      i = i + 1
      if i == target then return key .. vals[random(#vals)] end
    end))
  end
  local lines = {}                                                   -- as a .jsonl
  for line in s:gmatch("[^\n]+") do
    if line:match("^,?{") then lines[#lines + 1] = (line:gsub("^,", ""):gsub(",$", "")) end
  end
  return table.concat(lines, "\n"):sub(1, -random(1, 20))
end

local function use(res)
  local plot, report = require "mcpi.plot", require "mcpi.report"
  res:table(); res:summary(); tostring(res); res:json(); res:csv("/dev/null")
  local t = plot.as_table(res)
  t.entries = res.entries
  if plot.check(t) then
    local charts = plot.charts(t)
    if charts then report.html(t) end
  end
end

local function file_one()
  local text = mutate_text(fixtures[random(#fixtures)])
  local path = random(2) == 1 and "m.json" or "m.jsonl"
  local fh = assert(io.open(path, "wb")); fh:write(text); fh:close()
  tried = tried + 1
  local ok, res, err = limited(mcpi.load, path)
  if not ok then failed("mcpi.load raised on a mutated file", res); return end
  if res == nil then
    if type(err) ~= "string" or err:find("\n") then failed("mcpi.load: bad error", err) end
    return
  end
  local uok, uerr = limited(use, res)
  if not uok then
    failed("a method failed on a loaded object", uerr)
    os.execute("mkdir -p '" .. cwd .. "/results/fuzz'")  -- results/ is ignored by git
    local keep = io.open(cwd .. "/results/fuzz/failed-" .. seed .. "-" .. failures .. "." .. path:match("[^.]+$"), "wb")
    if keep then keep:write(text); keep:close() end
  end
end

local clock = os.clock
local stop = clock() + seconds
while clock() < stop do
  if random(3) == 1 then file_one() else call_one() end
end
ffi.C.chdir(cwd)
os.execute("rm -rf '" .. tmp .. "'")
local keys = {}
for k in pairs(by_what) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.stdout:write(string.format("  %5d  %s\n", by_what[k], k)) end
io.stdout:write(string.format("fuzz-api: %d inputs, %d failures (seed %d, %g s, %d functions)\n",
  tried, failures, seed, seconds, #targets))
os.exit(failures == 0 and 0 or 1)
