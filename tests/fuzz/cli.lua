--- tests/fuzz/cli.lua: random command lines and REPL sessions, each in a
-- fresh mcpi process.   mcpi script tests/fuzz/cli.lua MCPI SECONDS SEED
-- Asserts: no death by a signal, no PANIC, exit status in {0, 1, 2, 130}; a
-- usage error (2) is one line "mcpi: ..." without a traceback; a data error
-- from plot/report/run (1) has no traceback. Prints "fuzz-cli: N inputs, N
-- failures"; exits 1 on any failure.
local MCPI, seconds, seed = arg[1], tonumber(arg[2] or 10), tonumber(arg[3] or 1)
math.randomseed(seed)
local random = math.random
local cwd = io.popen("pwd"):read("*l")
local tmp = os.tmpname() .. ".d"
os.execute("mkdir -p '" .. tmp .. "/dir' && : > '" .. tmp .. "/file' && ln -s file '" .. tmp .. "/link'")

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function pick(t) return t[random(#t)] end

-- copies in the scratch directory: plot and report write beside their input
local DATA = {}
for _, f in ipairs{ "plot_known.json", "plot_missing.json", "plot_nan.json", "plot_notjson.json",
    "plot_badschema.json", "plot_norows.json" } do
  os.execute(string.format("cp %s/tests/data/%s %s/%s", cwd, f, tmp, f))
  DATA[#DATA + 1] = f
end
local VALUES = { "1", "0", "-1", "1e6", "2^20", "nan", "inf", "-inf", "1e400", "0x10", "", " ",
  "1:3", "nan:1", "0:1:1e-300", "1:2:0.5", "15:15:1e-300", "a\nb", ("9"):rep(400), ("x"):rep(3000),
  "c.scalar", "c.smid", "lua.jit", "'quoted'", "\27LJ", "%s%d", "--", "-", "=",
  tmp .. "/out.json", tmp .. "/dir", tmp .. "/dir/", tmp .. "/link", tmp .. "/file/sub",
  "/dev/null", "/dev/full", tmp .. "/no/such/x.csv", "/proc/x" }
local OPTS = { "-n", "--n-range", "--reps", "--seed", "--threads", "--budget", "--json", "--csv",
  "--jsonl", "--baseline", "--warmup", "--quiet", "--progress", "--no-progress", "-o", "--output",
  "--title", "-h", "--help", "--bogus", "-x" }
local HEADS = { { "run", "c.scalar" }, { "run" }, { "plot" }, { "report" }, { "list" }, { "version" },
  { "help" }, { "lsit" }, { "script" }, { "-e" }, { "-joff" }, { "-jbogus" }, { "-Osizemcode=99999999" },
  { "-O3" }, { "-Obogus" }, { "--version" }, { "-" }, { "repl" }, { "nope.lua" } }

local function command_line()
  local argv = {}
  for _, a in ipairs(pick(HEADS)) do argv[#argv + 1] = a end
  local head = argv[1]
  if head == "plot" or head == "report" then argv[#argv + 1] = tmp .. "/" .. pick(DATA) end
  for _ = 1, random(0, 4) do
    if random(2) == 1 then argv[#argv + 1] = pick(OPTS) end
    argv[#argv + 1] = pick(VALUES)
  end
  if head == "run" then  -- bounded: whatever N was asked for, the plan fits a second
    for _, a in ipairs{ "--budget", "1", "--no-progress" } do argv[#argv + 1] = a end
  end
  return argv
end

local SNIPPETS = { "1 + 1", "x = 5", "x", "return x, nil, 3", "local t = {} t[1] = t return t",
  "error('boom')", "error({})", "error(setmetatable({}, {__index = function(t) error(t) end}))",
  "error(setmetatable({}, {__tostring = function() error('no') end}))", "error(nil)", "error{kind='usage'}",
  "for i = 1, 10 do", "end", "function f(", "))", "mcpi.kernels.get('c.scalar').fn(1000, 1)",
  "mcpi.sweep(setmetatable({}, {__index = function(t) error(t) end}))", "mcpi.kernel({})",
  "local co; co = function() return coroutine.wrap(co)() end co()", "local function f() return f() + 1 end f()",
  "loadstring(string.dump(function() end))", "string.rep('x', 1e6)", "mcpi.util.check('string', {})",
  "mcpi.stats.mean(print)", "\27LJ\2", "=mcpi.logspace(1, 3)", "mcpi.load('/nonexistent.json')",
  "mcpi.load(5)", "print(('\\0'):rep(3))", "os.exit(3)", "mcpi.results.new(5)", "--[[ open comment" }

local function session()
  local lines = {}
  for _ = 1, random(1, 6) do lines[#lines + 1] = pick(SNIPPETS) end
  return table.concat(lines, "\n") .. "\n"
end

local failures, tried, shown = 0, 0, 0
local function failed(what, argv_text, rc, err)
  failures = failures + 1
  if shown < 20 then
    shown = shown + 1
    io.stdout:write(string.format("FAIL fuzz-cli: %s (exit %s)\n  %s\n  stderr: %s\n", what, tostring(rc),
      argv_text:sub(1, 300), err:sub(1, 400):gsub("\n", "\n  ")))
  end
end

local function slurp(p) local f = io.open(p, "rb"); local s = f and f:read("*a") or ""; if f then f:close() end return s end

local function check(argv_text, rc, err, repl)
  tried = tried + 1
  if err:find("PANIC", 1, true) then return failed("PANIC", argv_text, rc, err) end
  if rc == 137 then return failed("hang (killed after 20 s)", argv_text, rc, err) end
  if rc >= 128 and rc ~= 130 then return failed("death by a signal", argv_text, rc, err) end
  if not (rc == 0 or rc == 1 or rc == 2 or rc == 130 or (repl and rc == 3)) then
    return failed("exit status outside {0,1,2,130}", argv_text, rc, err)
  end
  if rc == 2 and not repl then
    if not err:match("^mcpi: [^\n]*\n$") then return failed("usage error not one line", argv_text, rc, err) end
  end
  if rc == 1 and not repl and not argv_text:find("-e", 1, true) and not argv_text:find("script", 1, true)
      and err:find("stack traceback", 1, true) then
    return failed("traceback for a data error", argv_text, rc, err)
  end
end

local clock, start = os.time, os.time()
local out, errf = tmp .. "/stdout", tmp .. "/stderr"
while os.time() - start < seconds do
  local cmd, text, repl
  if random(4) == 1 then
    local input = tmp .. "/session.lua"
    local f = io.open(input, "wb"); f:write(session()); f:close()
    text = "repl < " .. slurp(input):gsub("\n", "; ")
    cmd = string.format("timeout -s KILL 20 %s repl < %s", q(MCPI), q(input))
    repl = true
  else
    local argv = command_line()
    local parts = {}
    for i, a in ipairs(argv) do parts[i] = q(a) end
    text = table.concat(parts, " ")
    cmd = string.format("cd %s && timeout -s KILL 20 %s %s < /dev/null", q(tmp), q(MCPI), text)
  end
  local status = os.execute(cmd .. " > " .. q(out) .. " 2> " .. q(errf))
  local rc = status % 256 == 0 and math.floor(status / 256) or 128 + status % 128
  check(text, rc, slurp(errf), repl)
end
os.execute("rm -rf " .. q(tmp))
io.stdout:write(string.format("fuzz-cli: %d inputs, %d failures (seed %d, %g s)\n", tried, failures, seed, seconds))
os.exit(failures == 0 and 0 or 1)
