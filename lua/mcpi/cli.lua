--- mcpi.cli: the command line. The host calls main(argv) under a protected
-- call; it returns the exit code (or a script's chunk and arguments, which the
-- host calls itself), raises util.usage (exit 2) for bad usage, and lets a
-- script's own error through (the host prints it, exit 1).
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

-- name -> { args = "usage after the name", summary = "one line",
--           help = "details", run = function(args, i) -> exit code }
-- args is argv; the command's own arguments start at args[i].
local commands = {}
local order = {}

--- Add a command (other modules add theirs: run, plot, report).
-- spec = { args = "usage after the name", summary = "one line", help = "details",
-- run = function(argv, i) -> exit code }; argv[i] is the command's first argument.
function M.command(name, spec)
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
  if not commands[name] then order[#order + 1] = name end
  commands[name] = spec
end

--- Split "--opt=value" into "--opt", "value".
local function split_opt(a)
  local k, v = a:match("^(%-%-[^=]+)=(.*)$")
  if k then return k, v end
  return a, nil
end
M.split_opt = split_opt

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

M.command("script", {
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
})

M.command("repl", {
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
})

M.command("list", {
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
})

local function version_text()
  local ffi = require "ffi"
  local C = require "mcpi.capi"
  return format("mcpi %s (commit %s)\n%s\ncompiler: %s\ncflags: %s\n",
    ffi.string(C.mcpi_build_version()), ffi.string(C.mcpi_build_commit()),
    jit.version, ffi.string(C.mcpi_build_compiler()), ffi.string(C.mcpi_build_cflags()))
end

M.command("version", {
  args = "",
  summary = "mcpi version, git commit, LuaJIT version, compiler",
  run = function(args, i)
    unexpected("version", args[i])
    stdout:write(version_text())
    return 0
  end,
})

-- Commands that live in other modules register themselves when loaded.
local external = { run = "mcpi.runcmd", plot = "mcpi.plot", report = "mcpi.report",
  compare = "mcpi.compare" }
local external_order = { "run", "plot", "report", "compare" }

-- Load the module behind an external command. A module that is not in this
-- build makes the command unknown; one that is there but fails to load is a
-- bug worth its traceback.
local function load_external(name)
  local mod = external[name]
  if not mod or commands[name] then return end
  local ok, err = pcall(require, mod)
  if not ok then
    if type(err) == "string" and err:find("module '" .. mod .. "' not found", 1, true) then
      external[name] = nil
      return
    end
    error(err, 0)
  end
end

--- Load the modules that add commands (for help and dispatch).
function M.load_commands()
  for _, name in ipairs(external_order) do load_external(name) end
end

local function usage_text()
  M.load_commands()
  local lines = {
    format("usage: %s [-jCMD[=ARG]] [-OOPT] COMMAND [ARGS...]", PROG),
    format("       %s [-jCMD[=ARG]] [-OOPT] -e 'CODE' [ARGS...]", PROG),
    "",
    "commands:",
  }
  for _, name in ipairs(order) do
    local c = commands[name]
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

local JIT_HELP = [==[
-j options pass through to LuaJIT's jit.* modules, as with `luajit -j`:
  -jv[=FILE]           one line per trace compiled or aborted (jit.v)
  -jdump[=OPTS[,FILE]] bytecode, IR and x86-64 machine code of each trace
                       (jit.dump; OPTS e.g. +rs, tbimsx; see LuaJIT's docs)
  -jp[=OPTS[,FILE]]    sampling profiler (jit.p; OPTS e.g. f, l, vl, Fl, 3)
  -jbc                 list the bytecode of what runs (jit.bc)
  -joff, -jon          turn the JIT compiler off or on (off = the interpreter)
  -jflush              flush compiled traces
-O options set the optimiser: -O3 (default) -O0 -O1 -O2, -O+FLAG/-O-FLAG
  (fold cse dce narrow loop abc sink fuse), -OPARAM=N (hotloop, maxtrace, ...).
Several may be given, and arguments are separated by commas:
  mcpi -jdump=+rs,dump.txt -Ohotloop=10 script bench.lua]==]

local HELP_TOPICS = { ["-j"] = JIT_HELP, ["-O"] = JIT_HELP,
  ["-e"] = "usage: mcpi -e 'CODE' [ARGS...]\n\nRuns CODE with mcpi loaded; ARGS in `arg` and `...`." }

M.command("help", {
  args = "[COMMAND]",
  summary = "this text, or one command's",
  run = function(args, i)
    local name = args[i]
    if not name then stdout:write(usage_text()); return 0 end
    unexpected("help " .. name, args[i + 1])
    if HELP_TOPICS[name] then stdout:write(HELP_TOPICS[name], "\n"); return 0 end
    M.load_commands()
    local c = commands[name]
    if not c then
      util.usage(format("help: unknown command %s%s", util.quote_arg(name),
        util.did_you_mean(name, order, "see 'mcpi --help'")))
    end
    stdout:write(format("usage: %s %s%s\n\n%s\n", PROG, name,
      c.args ~= "" and (" " .. c.args) or "", c.summary))
    if c.help then stdout:write("\n", c.help, "\n") end
    return 0
  end,
})

-- -- LuaJIT options (-j, -O), as luajit.c does them --------------------------

-- "a,b,c" -> "a", "b", "c" (luajit.c splits option arguments on commas).
local function split_commas(s)
  local t = {}
  if s == "" then return t end
  for part in (s .. ","):gmatch("([^,]*),") do t[#t + 1] = part end
  return t
end

local JIT_CMDS = { "v", "dump", "p", "bc", "on", "off", "flush" }

local function jit_cmd(opt)
  local cmd, arg = opt:match("^([%w_]+)=?(.*)$")
  if not cmd then
    util.usage(format("bad -j option %s (try -jv, -jdump, -jp, -joff; see 'mcpi help -j')",
      util.quote_arg("-j" .. opt)))
  end
  if cmd == "on" or cmd == "off" or cmd == "flush" then
    if arg ~= "" then util.usage(format("-j%s takes no argument, got %s", cmd, util.quote_arg(arg))) end
    jit[cmd]()
    return
  end
  local ok, mod = pcall(require, "jit." .. cmd)
  if not ok or type(mod) ~= "table" or type(mod.start) ~= "function" then
    util.usage(format("unknown -j option %s%s", util.quote_arg("-j" .. cmd),
      util.did_you_mean(cmd, JIT_CMDS, "try -jv, -jdump, -jp, -joff; see 'mcpi help -j'")))
  end
  local ok2, err = pcall(mod.start, unpack(split_commas(arg)))
  if not ok2 then
    util.usage(format("bad -j option %s: %s", util.quote_arg("-j" .. opt),
      tostring(err):gsub("^.-:%d+: ", "")))
  end
end

-- Machine-code area sizes (KiB) LuaJIT honours: an area it cannot place
-- within the +-2 GiB reach of its jumps makes it retry forever (sizemcode
-- 1048576 hangs at the first trace on x86-64; 524288 was the largest seen to
-- work), so larger values are refused here.
M.MAX_SIZEMCODE = 262144

local function jit_opt(opt)
  for _, part in ipairs(split_commas(opt)) do
    local v = part:match("^sizemcode=(.*)$")
    local n = v and tonumber(v)
    if n and not (n >= 1 and n <= M.MAX_SIZEMCODE) then
      util.usage(format("bad -O option %s: sizemcode must be in 1..%d (KiB per machine-code area; "
        .. "LuaJIT cannot place larger areas) (see 'mcpi help -O')", util.quote_arg("-O" .. opt),
        M.MAX_SIZEMCODE))
    end
  end
  local ok, err = pcall(jit.opt.start, unpack(split_commas(opt)))
  if not ok then
    util.usage(format("bad -O option %s: %s (see 'mcpi help -O')", util.quote_arg("-O" .. opt),
      tostring(err):gsub("^.-:%d+: ", "")))
  end
end

-- -- main ---------------------------------------------------------------------

local OPTIONS = { "-e", "-j", "-O", "-h", "--help", "-v", "--version", "-" }

--- The -O and -jon/-joff/-jflush options mcpi was started with, in order
-- (fresh processes are started with the same).
M.jit_args = {}

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
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a:sub(1, 2) == "-j" then
      local opt = a:sub(3)
      if opt == "" then
        i = i + 1
        opt = argv[i] or util.usage("-j needs an argument, e.g. -jv or -jdump (see 'mcpi help -j')")
      end
      jit_cmd(opt)
      -- fresh processes (mcpi.fresh) get the JIT's state, not its output
      if opt == "on" or opt == "off" or opt == "flush" then M.jit_args[#M.jit_args + 1] = "-j" .. opt end
    elseif a:sub(1, 2) == "-O" then
      jit_opt(a:sub(3))
      M.jit_args[#M.jit_args + 1] = a
    elseif a == "-h" or a == "--help" then
      stdout:write(usage_text())
      return 0
    elseif a == "--version" or a == "-v" then
      stdout:write(version_text())
      return 0
    elseif a == "--" then
      i = i + 1
      break
    else
      break
    end
    i = i + 1
  end

  local name = argv[i]
  if name == nil then
    if require("mcpi.host").isatty(0) then
      return commands.repl.run(argv, i)
    end
    local fn = load_script("-")
    return run_chunk(fn, set_script_globals(argv, i + 1, "stdin"))
  end

  if name == "-" then
    local fn = load_script("-")
    return run_chunk(fn, set_script_globals(argv, i + 1, "-"))
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

  if name:sub(1, 1) == "-" then
    util.usage(format("unknown option %s%s", util.quote_arg(name),
      util.did_you_mean(name, OPTIONS, "see 'mcpi --help'")))
  end

  load_external(name)
  local c = commands[name]
  if not c then
    if name:match("%.lua$") then  -- `mcpi file.lua` as with lua
      return commands.script.run(argv, i)
    end
    M.load_commands()
    local hint = "see 'mcpi --help'"
    local fh = open(name, "r")
    if fh then
      fh:close()
      hint = format("to run the file: mcpi script %s", util.quote_arg(name))
    end
    util.usage(format("unknown command %s%s", util.quote_arg(name),
      util.did_you_mean(name, order, hint)))
  end
  local code, a = c.run(argv, i + 1)
  if code == nil then return 0 end
  return code, a
end

return M
