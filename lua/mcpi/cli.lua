--- mcpi.cli: the command line. The host calls main(argv) under a protected
-- call; it returns the exit code, raises util.usage (exit 2) for bad usage,
-- and lets a script's own error through (the host prints it, exit 1).
local util = require "mcpi.util"

local format, concat = string.format, table.concat
local stderr, stdout = io.stderr, io.stdout

local M = {}

local PROG = "mcpi"

-- -- Commands ---------------------------------------------------------------

-- name -> { args = "usage after the name", summary = "one line",
--           help = "details", run = function(args, i) -> exit code }
-- args is argv; the command's own arguments start at args[i].
local commands = {}
local order = {}

--- Add a command (other modules add theirs: run, plot, report).
function M.command(name, spec)
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

-- Globals a script sees: arg (as in lua: arg[0] is the script) and mcpi.
local function set_script_globals(args, i, name)
  local a = {}
  a[0] = name
  a[-1] = args[0]
  for j = i, #args do a[j - i + 1] = args[j] end
  _G.arg = a
  _G.mcpi = require "mcpi"
  return a
end

local function run_chunk(fn, a)
  fn(unpack(a, 1, #a))
  return 0
end

local function load_script(path)
  local fn, err
  if path == "-" then
    fn, err = loadstring(io.stdin:read("*a"), "=stdin")
  else
    local fh, ferr = io.open(path, "r")
    if not fh then
      util.usage(format("cannot open script '%s': %s", path,
        (ferr or ""):gsub("^[^:]*: ", "")))
    end
    fh:close()
    fn, err = loadfile(path)
  end
  if not fn then error(err, 0) end  -- a syntax error is the experiment's error
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
a terminal, it reads statements from the pipe and prints their values.]],
  run = function(args, i)
    if args[i] then util.usage(format("repl: unexpected argument '%s'", args[i])) end
    set_script_globals(args, i, "repl")
    local host = require "mcpi.host"
    local banner = format("mcpi %s (%s) -- `mcpi.kernels.names()`, Ctrl-D to exit\n",
      require("mcpi")._VERSION:match("[%d%.]+"), jit.version)
    host.repl(banner)
    return 0
  end,
})

M.command("list", {
  args = "",
  summary = "kernels, their backend, stream and availability",
  run = function(args, i)
    if args[i] then util.usage(format("list: unexpected argument '%s'", args[i])) end
    local list = require("mcpi.kernels").list()
    local w = 6
    for _, k in ipairs(list) do w = math.max(w, #k.name) end
    stdout:write(format("%-" .. w .. "s  %-7s  %-10s  %-11s  %s\n",
      "KERNEL", "BACKEND", "STREAM", "AVAILABLE", "DESCRIPTION"))
    for _, k in ipairs(list) do
      stdout:write(format("%-" .. w .. "s  %-7s  %-10s  %-11s  %s%s\n", k.name, k.backend,
        k.stream, k.available and "yes" or "no", k.description,
        k.why and (" [" .. k.why .. "]") or ""))
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
    if args[i] then util.usage(format("version: unexpected argument '%s'", args[i])) end
    stdout:write(version_text())
    return 0
  end,
})

local function usage_text()
  local lines = {
    format("usage: %s [-jCMD[=ARG]]... COMMAND [ARGS...]", PROG),
    format("       %s -e 'CODE' [ARGS...]", PROG),
    "",
    "commands:",
  }
  for _, name in ipairs(order) do
    local c = commands[name]
    local head = name .. (c.args ~= "" and (" " .. c.args) or "")
    lines[#lines + 1] = format("  %-34s %s", head, c.summary)
  end
  lines[#lines + 1] = format("  %-34s %s", "-e CODE [ARGS...]", "run a chunk of Lua (mcpi loaded)")
  lines[#lines + 1] = ""
  lines[#lines + 1] = "options (before the command, as in luajit):"
  lines[#lines + 1] = "  -jCMD[=ARG]   LuaJIT's jit.* control: -jv, -jdump[=opts], -jp[=opts], -joff, -jon, -jflush"
  lines[#lines + 1] = "  -O[OPT]       LuaJIT optimiser: -O3, -O0, -Ohotloop=10, -O-fold ..."
  lines[#lines + 1] = "  -h, --help    this text;  mcpi help COMMAND for one command"
  lines[#lines + 1] = ""
  lines[#lines + 1] = "With no command on a terminal, mcpi opens the REPL; with a pipe on"
  lines[#lines + 1] = "standard input, it runs that input as a script."
  lines[#lines + 1] = "Environment: MCPI_LUA_PATH=DIR loads the library from DIR (e.g. lua/)"
  lines[#lines + 1] = "before the embedded copy; MCPI_SIMD=scalar|avx2|avx512 forces a SIMD path."
  lines[#lines + 1] = "Exit codes: 0 ok, 1 error in the experiment, 2 usage error, 130 interrupted."
  return concat(lines, "\n") .. "\n"
end

M.command("help", {
  args = "[COMMAND]",
  summary = "this text, or one command's",
  run = function(args, i)
    local name = args[i]
    if not name then stdout:write(usage_text()); return 0 end
    M.load_commands()
    local c = commands[name]
    if not c then
      util.usage(format("help: unknown command '%s'%s", name,
        util.did_you_mean(name, order, "see 'mcpi --help'")))
    end
    stdout:write(format("usage: %s %s%s\n\n%s\n", PROG, name,
      c.args ~= "" and (" " .. c.args) or "", c.summary))
    if c.help then stdout:write("\n", c.help, "\n") end
    return 0
  end,
})

-- Commands that live in other modules register themselves when loaded.
local external = { run = "mcpi.runcmd", plot = "mcpi.plot", report = "mcpi.report" }
local external_order = { "run", "plot", "report" }

--- Load the modules that add commands (for help and dispatch).
function M.load_commands()
  for _, name in ipairs(external_order) do
    if not commands[name] then
      local ok = pcall(require, external[name])
      if not ok then external[name] = nil end
    end
  end
end

-- -- LuaJIT options (-j, -O), as luajit.c does them --------------------------

local function jit_cmd(opt)
  local cmd, arg = opt:match("^([%w_]+)=?(.*)$")
  if not cmd then util.usage(format("bad -j option '-j%s'", opt)) end
  if jit[cmd] and type(jit[cmd]) == "function" and (cmd == "on" or cmd == "off" or cmd == "flush") then
    jit[cmd]()
    return
  end
  local ok, mod = pcall(require, "jit." .. cmd)
  if not ok or type(mod) ~= "table" or type(mod.start) ~= "function" then
    util.usage(format("unknown -j option '-j%s'%s", cmd,
      util.did_you_mean(cmd, { "v", "dump", "p", "bc", "on", "off", "flush" },
        "try -jv, -jdump, -jp, -joff")))
  end
  if arg ~= "" then mod.start(arg) else mod.start() end
end

local function jit_opt(opt)
  local ok, err = pcall(jit.opt.start, opt ~= "" and opt or nil)
  if not ok then
    util.usage(format("bad -O option '-O%s': %s", opt, tostring(err):gsub("^.-:%d+: ", "")))
  end
end

-- -- main ---------------------------------------------------------------------

--- Entry point: argv[0] is the program, argv[1..] its arguments. Returns the exit code.
function M.main(argv)
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a:sub(1, 2) == "-j" then
      local opt = a:sub(3)
      if opt == "" then
        i = i + 1
        opt = argv[i] or util.usage("-j needs an argument, e.g. -jv or -jdump")
      end
      jit_cmd(opt)
    elseif a:sub(1, 2) == "-O" then
      jit_opt(a:sub(3))
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
    local ffi = require "ffi"
    pcall(ffi.cdef, "int isatty(int fd);")
    if ffi.C.isatty(0) == 1 then
      return commands.repl.run(argv, i)
    end
    return run_chunk(load_script("-"), set_script_globals(argv, i, "stdin"))
  end

  if name == "-e" then
    local code = argv[i + 1]
    if code == nil then util.usage("-e needs an argument: mcpi -e 'CODE'") end
    local fn, err = loadstring(code, "=(command line)")
    if not fn then error(err, 0) end
    return run_chunk(fn, set_script_globals(argv, i + 2, "-e"))
  end

  if name:sub(1, 1) == "-" then
    util.usage(format("unknown option '%s'%s", name,
      util.did_you_mean(name, { "-e", "-j", "-O", "-h", "--help", "--version" }, "see 'mcpi --help'")))
  end

  if not commands[name] and external[name] then
    require(external[name])
  end
  local c = commands[name]
  if not c then
    if name:match("%.lua$") then  -- `mcpi file.lua` as with lua
      return commands.script.run(argv, i)
    end
    M.load_commands()
    local names = {}
    for _, n in ipairs(order) do names[#names + 1] = n end
    util.usage(format("unknown command '%s'%s", name,
      util.did_you_mean(name, names, "see 'mcpi --help'")))
  end
  return c.run(argv, i + 1) or 0
end

return M
