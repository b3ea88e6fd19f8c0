--- mcpi.jitopt: LuaJIT's -j and -O options, as luajit.c does them
-- (`mcpi -jv`, `-jdump=+rs`, `-jp`, `-joff`, `-O3`, `-Ohotloop=10`), their
-- help text, and the ones that change the JIT's state (M.args), which fresh
-- processes (mcpi.fresh) are started with. Loaded only when such an option
-- is given (or a fresh process is started).
local util = require "mcpi.util"

local format, unpack = string.format, unpack

local M = {}

--- The -O and -jon/-joff/-jflush options mcpi was started with, in order.
M.args = {}

M.HELP = [==[
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

-- "a,b,c" -> "a", "b", "c" (luajit.c splits option arguments on commas).
local function split_commas(s)
  local t = {}
  if s == "" then return t end
  for part in (s .. ","):gmatch("([^,]*),") do t[#t + 1] = part end
  return t
end

local JIT_CMDS = { "v", "dump", "p", "bc", "on", "off", "flush" }

--- -jCMD[=ARG]: start a jit.* module (v, dump, p, bc) or turn the JIT on,
-- off or flush it. Bad options raise util.usage (exit 2).
function M.command(opt)
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

--- -OOPT[,OPT...]: set the optimiser (jit.opt.start). Bad options raise
-- util.usage (exit 2).
function M.optimise(opt)
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


--- Apply one host option: a (e.g. "-jv", "-Ohotloop=10") and, for a bare
-- "-j", its argument next. Returns how many arguments it used (1 or 2).
function M.apply(a, next_arg)
  local used = 1
  if a:sub(1, 2) == "-j" then
    local opt = a:sub(3)
    if opt == "" then
      used = 2
      opt = next_arg or util.usage("-j needs an argument, e.g. -jv or -jdump (see 'mcpi help -j')")
    end
    M.command(opt)
    -- fresh processes get the JIT's state, not its output
    if opt == "on" or opt == "off" or opt == "flush" then M.args[#M.args + 1] = "-j" .. opt end
  else
    M.optimise(a:sub(3))
    M.args[#M.args + 1] = a
  end
  return used
end

return M
