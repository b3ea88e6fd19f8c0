--- mcpi.cli: the command line. The host calls main(argv) under a protected
-- call; it returns the exit code (or a script's chunk and arguments, which the
-- host calls itself), raises util.usage (exit 2) for bad usage, and lets a
-- script's own error through (the host prints it, exit 1).
-- This file owns the table of commands (COMMANDS: each a spec here, or the
-- module that exports it), running scripts, -e and standard input, help and
-- dispatch. Command modules (mcpi.runcmd, mcpi.plotcmd, mcpi.comparecmd)
-- export their spec and never require this file; -j/-O are mcpi.jitopt's.
local util = require "mcpi.util"

local format, concat = string.format, table.concat
local stdout, stdin = io.stdout, io.stdin
local open, exit = io.open, os.exit

-- Scripts larger than this are refused rather than read into memory
-- (`mcpi script /dev/zero` must not take the machine's memory).
local MAX_SCRIPT = 64 * 1024 * 1024

local M = {}

local PROG = "mcpi"

-- -- Commands ---------------------------------------------------------------

--- Check a command's spec: { args = "usage after the name", summary = "one
-- line", help = "details", run = function(argv, i) -> exit code }, argv[i]
-- being the command's first argument. Returns spec (args defaulted to "").
function M.check_command(name, spec)
  util.check(name, "string", "command name", 2)
  if not name:match("^[%a][%w%-_]*$") then
    error(format("command name must be a word, got %s", util.quote_arg(name)), 2)
  end
  util.check(spec, "table", "command spec", 2)
  util.check(spec.run, "function", "command spec.run", 2)
  util.check(spec.summary, "string", "command spec.summary", 2)
  if spec.args ~= nil then util.check(spec.args, "string", "command spec.args", 2) end
  if spec.help ~= nil then util.check(spec.help, "string", "command spec.help", 2) end
  spec.args = spec.args or ""
  return spec
end

-- A command that takes no arguments got one.
local function unexpected(cmd, a)
  if a ~= nil then
    util.usage(format("%s: unexpected argument %s (usage: mcpi %s)", cmd, util.quote_arg(a), cmd))
  end
end

-- os.exit closes the state by default: finalizers run, lua-cjson frees its
-- buffers (so AddressSanitizer's leak check stays quiet) and `-jp` prints
-- its profile even when a script ends with os.exit.
local function exit_closing(code, close)
  if close == nil then close = true end
  local kernels = package.loaded["mcpi.kernels"]
  if kernels then pcall(kernels.stop_all) end  -- workers quit before the exit
  return exit(code, close)
end

-- Globals a script sees: arg (as in lua: arg[0] is the script) and mcpi.
-- A chunk gets its arguments as `...`, which LuaJIT caps near 8000 values.
local MAX_ARGS = 7000

local function set_script_globals(args, i, name)
  if #args - i + 1 > MAX_ARGS then
    util.usage(format("too many arguments for the script: %d (at most %d; pass a file of them instead)",
      #args - i + 1, MAX_ARGS))
  end
  local a = {}
  a[0] = name
  a[-1] = args[0]
  for j = i, #args do a[j - i + 1] = args[j] end
  _G.arg = a
  _G.mcpi = require "mcpi"
  os.exit = exit_closing
  return a
end

-- The host calls the chunk itself (main returns it with its arguments), so a
-- traceback ends at "in main chunk", as with lua, not inside mcpi.cli.
local function run_chunk(fn, a)
  return fn, a
end

-- A compile error is the experiment's error (exit 1) but, as with lua, it is
-- reported without a traceback into mcpi's own code.
local function compile_error(err)
  require("mcpi.errors").experiment(tostring(err))
end

--- The source text of a script file, or a usage error (exit 2) saying why it
-- cannot be run: missing, unreadable, a directory, binary, too large.
local function read_script(path)
  local shown = util.quote_arg(path)
  local fh, ferr = open(path, "rb")
  if not fh then
    util.usage(format("cannot open script %s: %s", shown,
      (ferr or "unknown error"):gsub("^.-: ", ""):lower()))
  end
  local parts, size = {}, 0
  while true do
    local block, rerr = fh:read(1048576)
    if not block then
      if rerr then
        fh:close()
        util.usage(format("cannot read script %s: %s", shown, rerr:gsub("^.-: ", ""):lower()))
      end
      break
    end
    if #parts == 0 and block:byte(1) == 27 then
      fh:close()
      util.usage(format("cannot run %s: it is LuaJIT bytecode; mcpi runs Lua source only "
        .. "(bytecode is not verified and could crash the host)", shown))
    end
    if block:find("\0", 1, true) then
      fh:close()
      util.usage(format("cannot run %s: it is a binary file, not Lua source", shown))
    end
    size = size + #block
    if size > MAX_SCRIPT then
      fh:close()
      util.usage(format("cannot run %s: larger than %d MiB; is it really a script?",
        shown, MAX_SCRIPT / 1048576))
    end
    parts[#parts + 1] = block
  end
  fh:close()
  local src = concat(parts)
  -- A "#!" first line is skipped, as lua does, keeping line numbers.
  if src:sub(1, 1) == "#" then src = src:gsub("^[^\n]*", "", 1) end
  return src
end

local function load_script(path)
  local src, name
  if path == "-" then
    src, name = stdin:read("*a") or "", "=stdin"
    if src:find("\0", 1, true) or src:byte(1) == 27 then
      util.usage("cannot run standard input: it is binary, not Lua source")
    end
    if src:sub(1, 1) == "#" then src = src:gsub("^[^\n]*", "", 1) end
  else
    src, name = read_script(path), "@" .. path
  end
  local fn, err = loadstring(src, name)
  if not fn then compile_error(err) end
  return fn
end

local CMD_SCRIPT = {
  args = "FILE.lua [ARGS...]",
  summary = "run an experiment script (ARGS in `arg`)",
  help = [[
Runs FILE.lua with the mcpi library loaded as the global `mcpi`. The script's
arguments are in `arg` (arg[0] is the file name) and in `...`, as with `lua`.
FILE may be '-' to read the script from standard input.]],
  run = function(args, i)
    local path = args[i]
    if not path then util.usage("script: missing FILE.lua (usage: mcpi script FILE.lua [ARGS...])") end
    if path == "" then util.usage("script: the file name is empty (usage: mcpi script FILE.lua [ARGS...])") end
    local fn = load_script(path)
    return run_chunk(fn, set_script_globals(args, i + 1, path))
  end,
}

local CMD_REPL = {
  args = "",
  summary = "interactive prompt with the library loaded",
  help = [[
An interactive prompt with `mcpi` loaded: line editing and history
(~/.mcpi_history, or $MCPI_HISTORY), an expression's values printed,
incomplete chunks continued on the next line. Ctrl-C interrupts a running
measurement and returns to the prompt; Ctrl-D exits. With standard input not
a terminal, it reads statements from the pipe and prints their values, and
exits 1 if any statement failed (`mcpi repl < session.lua`).]],
  run = function(args, i)
    unexpected("repl", args[i])
    set_script_globals(args, i, "repl")
    local host = require "mcpi.host"
    local banner = format("mcpi %s (%s) -- try mcpi.kernels.names(); Tab completes, Ctrl-D exits\n",
      require("mcpi")._VERSION:match("[%d%.]+"), jit.version)
    local failed, interactive = host.repl(banner)
    if failed > 0 and not interactive then return 1 end
    return 0
  end,
}

local CMD_LIST = {
  args = "",
  summary = "kernels, their backend, stream and availability",
  run = function(args, i)
    unexpected("list", args[i])
    local list = require("mcpi.kernels").list()
    local w = 6
    for _, k in ipairs(list) do w = math.max(w, #k.name) end
    stdout:write(format("%-" .. w .. "s  %-7s  %-10s  %-11s  %s\n",
      "KERNEL", "BACKEND", "STREAM", "AVAILABLE", "DESCRIPTION"))
    for _, k in ipairs(list) do
      local why = k.why and (" [" .. tostring(k.why) .. (k.hint and ("; to enable: " .. tostring(k.hint)) or "") .. "]")
      stdout:write(format("%-" .. w .. "s  %-7s  %-10s  %-11s  %s%s\n", k.name, k.backend,
        k.stream, k.available and "yes" or "no", k.description, why or ""))
    end
    return 0
  end,
}

local function version_text()
  local ffi = require "ffi"
  local C = require "mcpi.capi"
  return format("mcpi %s (commit %s)\n%s\ncompiler: %s\ncflags: %s\n",
    ffi.string(C.mcpi_build_version()), ffi.string(C.mcpi_build_commit()),
    jit.version, ffi.string(C.mcpi_build_compiler()), ffi.string(C.mcpi_build_cflags()))
end

local CMD_VERSION = {
  args = "",
  summary = "mcpi version, git commit, LuaJIT version, compiler",
  run = function(args, i)
    unexpected("version", args[i])
    stdout:write(version_text())
    return 0
  end,
}

-- -- The table of commands, in the order help lists them ---------------------
-- An entry: a spec defined above, or the module that exports it (field
-- `export`, default COMMAND), loaded on first use.

local COMMANDS = {
  { name = "script", spec = CMD_SCRIPT },
  { name = "repl", spec = CMD_REPL },
  { name = "list", spec = CMD_LIST },
  { name = "version", spec = CMD_VERSION },
  { name = "help" },  -- its spec is below (it reads this table)
  { name = "run", module = "mcpi.runcmd" },
  { name = "plot", module = "mcpi.plotcmd", export = "PLOT" },
  { name = "report", module = "mcpi.plotcmd", export = "REPORT" },
  { name = "compare", module = "mcpi.comparecmd" },
}
local BY_NAME, NAMES = {}, {}
for _, e in ipairs(COMMANDS) do BY_NAME[e.name] = e; NAMES[#NAMES + 1] = e.name end

--- The spec of command name, or nil when there is none in this build (a
-- command module that fails to load otherwise is a bug worth its traceback).
function M.get(name)
  local e = BY_NAME[name]
  if not e then return nil end
  if not e.spec and e.module then
    local ok, mod = pcall(require, e.module)
    if not ok then
      if type(mod) == "string" and mod:find("module '" .. e.module .. "' not found", 1, true) then return nil end
      error(mod, 0)
    end
    e.spec = M.check_command(e.name, mod[e.export or "COMMAND"])
  end
  return e.spec
end

local function usage_text()
  local lines = {
    format("usage: %s [-jCMD[=ARG]] [-OOPT] COMMAND [ARGS...]", PROG),
    format("       %s [-jCMD[=ARG]] [-OOPT] -e 'CODE' [ARGS...]", PROG),
    "",
    "commands:",
  }
  for _, name in ipairs(NAMES) do
    local c = M.get(name)
    local head = name .. (c.args ~= "" and (" " .. c.args) or "")
    if #head > 34 then  -- a long synopsis gets its own line
      lines[#lines + 1] = "  " .. head
      lines[#lines + 1] = format("  %-34s %s", "", c.summary)
    else
      lines[#lines + 1] = format("  %-34s %s", head, c.summary)
    end
  end
  lines[#lines + 1] = format("  %-34s %s", "-e CODE [ARGS...]", "run a chunk of Lua (mcpi loaded, ARGS in `arg`)")
  lines[#lines + 1] = format("  %-34s %s", "FILE.lua [ARGS...] | -", "same as `script` (- reads standard input)")
  lines[#lines + 1] = ""
  lines[#lines + 1] = "options (before the command, as in luajit):"
  lines[#lines + 1] = "  -jCMD[=ARG]   LuaJIT's jit.* control: -jv, -jdump[=OPTS], -jp[=OPTS], -jbc,"
  lines[#lines + 1] = "                -joff, -jon, -jflush (see 'mcpi help -j')"
  lines[#lines + 1] = "  -O[OPT]       LuaJIT optimiser: -O3, -O0, -Ohotloop=10, -O-fold, -O+sink ..."
  lines[#lines + 1] = "  -h, --help    this text;  mcpi help COMMAND for one command"
  lines[#lines + 1] = "  -v, --version same as `mcpi version`"
  lines[#lines + 1] = ""
  lines[#lines + 1] = "With no command on a terminal, mcpi opens the REPL; with a pipe on"
  lines[#lines + 1] = "standard input, it runs that input as a script."
  lines[#lines + 1] = ""
  lines[#lines + 1] = "environment:"
  lines[#lines + 1] = "  MCPI_LUA_PATH=DIR  load the library from DIR (e.g. lua/) before the embedded copy"
  lines[#lines + 1] = "  MCPI_SIMD=PATH     force a SIMD path: scalar, avx2, avx512"
  lines[#lines + 1] = "  MCPI_HISTORY=FILE  REPL history file (default ~/.mcpi_history; empty: none)"
  lines[#lines + 1] = "  MCPI_MPI=1|0       use MPI ranks (default: under mpirun); MCPI_MPI_TIMEOUT=SEC"
  lines[#lines + 1] = "  MCPI_OCL_DEVICE=P:D  ocl.philox's OpenCL platform and device (default: first GPU)"
  lines[#lines + 1] = "  MCPI_DLDIR=DIR     run-time loaded libraries (default: obj/dl beside mcpi)"
  lines[#lines + 1] = ""
  lines[#lines + 1] = "exit codes: 0 ok, 1 error in the experiment, 2 usage error, 130 interrupted."
  return concat(lines, "\n") .. "\n"
end

local HELP_E = "usage: mcpi -e 'CODE' [ARGS...]\n\nRuns CODE with mcpi loaded; ARGS in `arg` and `...`."

local CMD_HELP = {
  args = "[COMMAND]",
  summary = "this text, or one command's",
  run = function(args, i)
    local name = args[i]
    if not name then stdout:write(usage_text()); return 0 end
    unexpected("help " .. name, args[i + 1])
    if name == "-j" or name == "-O" then stdout:write(require("mcpi.jitopt").HELP, "\n"); return 0 end
    if name == "-e" then stdout:write(HELP_E, "\n"); return 0 end
    local c = M.get(name)
    if not c then
      util.usage(format("help: unknown command %s%s", util.quote_arg(name),
        util.did_you_mean(name, NAMES, "see 'mcpi --help'")))
    end
    stdout:write(format("usage: %s %s%s\n\n%s\n", PROG, name,
      c.args ~= "" and (" " .. c.args) or "", c.summary))
    if c.help then stdout:write("\n", c.help, "\n") end
    return 0
  end,
}
BY_NAME.help.spec = CMD_HELP

-- -- main ---------------------------------------------------------------------

local OPTIONS = { "-e", "-j", "-O", "-h", "--help", "-v", "--version", "-" }

-- The options before the command (-j, -O, -h, -v, --). Returns the index of
-- the first argument after them, or nil and an exit code (help, version).
local function host_options(argv)
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a:sub(1, 2) == "-j" or a:sub(1, 2) == "-O" then
      i = i + require("mcpi.jitopt").apply(a, argv[i + 1]) - 1
    elseif a == "-h" or a == "--help" then
      stdout:write(usage_text())
      return nil, 0
    elseif a == "--version" or a == "-v" then
      stdout:write(version_text())
      return nil, 0
    elseif a == "--" then
      return i + 1
    else
      break
    end
    i = i + 1
  end
  return i
end

-- Lua to run rather than a command: nothing (a terminal: the REPL; a pipe:
-- a script), "-" (standard input) or -e CODE. Returns what main returns,
-- or nothing when argv[i] is a command.
local function run_lua(argv, i)
  local name = argv[i]
  if name == nil then
    if require("mcpi.host").isatty(0) then return CMD_REPL.run(argv, i) end
    return run_chunk(load_script("-"), set_script_globals(argv, i + 1, "stdin"))
  end
  if name == "-" then
    return run_chunk(load_script("-"), set_script_globals(argv, i + 1, "-"))
  end
  if name == "-e" then
    local code = argv[i + 1]
    if code == nil then util.usage("-e needs an argument: mcpi -e 'CODE' [ARGS...]") end
    if code:byte(1) == 27 then
      util.usage("-e: the chunk is LuaJIT bytecode; mcpi runs Lua source only "
        .. "(bytecode is not verified and could crash the host)")
    end
    local fn, err = loadstring(code, "=(command line)")
    if not fn then compile_error(err) end
    return run_chunk(fn, set_script_globals(argv, i + 2, "-e"))
  end
end

-- The command argv[i] names, or a usage error saying what it might be.
local function find_command(argv, i)
  local name = argv[i]
  if name:sub(1, 1) == "-" then
    util.usage(format("unknown option %s%s", util.quote_arg(name),
      util.did_you_mean(name, OPTIONS, "see 'mcpi --help'")))
  end
  local c = M.get(name)
  if c then return c end
  if name:match("%.lua$") then return CMD_SCRIPT, true end  -- `mcpi file.lua` as with lua
  local hint = "see 'mcpi --help'"
  local fh = open(name, "r")
  if fh then
    fh:close()
    hint = format("to run the file: mcpi script %s", util.quote_arg(name))
  end
  util.usage(format("unknown command %s%s", util.quote_arg(name), util.did_you_mean(name, NAMES, hint)))
end

--- Entry point: argv[0] is the program, argv[1..] its arguments. Returns the
-- exit code, or a chunk and its argument list for the host to call.
function M.main(argv)
  -- Under mpirun (or MCPI_MPI=1) ranks other than 0 serve rank 0, then
  -- exit; mcpi.mpi loads only then, so a plain start stays small.
  local getenv = os.getenv
  if getenv("OMPI_COMM_WORLD_SIZE") or getenv("PMI_SIZE") or getenv("PMIX_RANK")
     or getenv("MCPI_MPI") then
    local mpi = require "mcpi.mpi"
    if mpi.launched() then
      local code = mpi.start()
      if code then return code end
    end
  end
  local i, code = host_options(argv)
  if not i then return code end
  local fn, a = run_lua(argv, i)
  if fn ~= nil then return fn, a end
  local c, is_file = find_command(argv, i)
  local rc, ca = c.run(argv, is_file and i or i + 1)
  if rc == nil then return 0 end
  return rc, ca
end

return M
