-- The engine: embedded library, the C API through ffi.C, no global leaks.
local T = dofile("tests/harness.lua")
local ffi = require "ffi"

local MCPI = os.getenv("MCPI") or "./mcpi"

-- Output and exit status of a shell command.
local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)\n$"))
  return out:gsub("rc=%d+\n$", ""), rc
end

T.test("ffi.C reaches exported symbols", function()
  local C = require "mcpi.capi"
  T.ok(C.mcpi_clock_ns() > 0, "clock")
  T.ok(C.mcpi_clock_resolution_ns() >= 1, "clock resolution")
  C.mcpi_clock_noop()
  T.eq(ffi.string(C.mcpi_build_version()), "0.1.0")
  T.ok(#ffi.string(C.mcpi_build_commit()) > 0, "commit")
  T.ok(ffi.string(C.mcpi_build_compiler()):find("gcc") or ffi.string(C.mcpi_build_compiler()):find("clang"), "compiler")
  T.eq(C.mcpi_signal_pending(), 0)
  T.eq(ffi.string(C.mcpi_strerror(C.MCPI_EINVAL)), "argument out of range")
end)

T.test("every function declared in mcpi.h resolves through ffi.C", function()
  local C = require "mcpi.capi"
  local src = require "mcpi.cdef"
  local n, missing = 0, {}
  for line in src:gmatch("[^\n]+") do
    local name = line:match("^MCPI_API[^(]-([%w_]+)%s*%(")
    if name then
    n = n + 1
    local ok = pcall(function() return C[name] end)
    if not ok then missing[#missing + 1] = name end
    end
  end
  T.ok(n >= 15, "found " .. n .. " declarations")
  T.eq(table.concat(missing, ","), "")
end)

T.test("the embedded header is src/mcpi.h itself", function()
  local fh = assert(io.open("src/mcpi.h", "rb"))
  local text = fh:read("*a")
  fh:close()
  T.ok(require("mcpi.cdef") == text, "mcpi.cdef differs from src/mcpi.h (rebuild?)")
end)

T.test("library modules leak no globals (a _G write trap while requiring each)", function()
  local names = {}
  local p = assert(io.popen("ls lua/mcpi"))
  for f in p:lines() do
    local m = f:match("^(.+)%.lua$")
    if m then names[#names + 1] = m == "init" and "mcpi" or "mcpi." .. m end
  end
  p:close()
  T.ok(#names >= 6, "modules found: " .. #names)
  -- A fresh process: the trap is set before anything but the host's own
  -- modules loads, and those are loaded again under it.
  local code = [[
    setmetatable(_G, { __newindex = function(_, k) error("global write: " .. tostring(k), 2) end,
                       __index = function(_, k) error("global read of undefined " .. tostring(k), 2) end })
    package.loaded["mcpi.cli"], package.loaded["mcpi.util"], package.loaded["mcpi"] = nil, nil, nil
    for name in (...):gmatch("%S+") do require(name) end
    io.write("ok")]]
  local out, rc = sh(string.format("%s -e '%s' '%s'", MCPI, code:gsub("'", "'\\''"), table.concat(names, " ")))
  T.eq(out, "ok")
  T.eq(rc, 0)
end)

T.test("MCPI_LUA_PATH puts a directory ahead of the embedded library", function()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir .. "/mcpi") == 0)
  local fh = assert(io.open("lua/mcpi/util.lua"))
  local src = fh:read("*a")
  fh:close()
  fh = assert(io.open(dir .. "/mcpi/util.lua", "w"))
  fh:write((src:gsub("\nreturn M%s*$", "\nM.override_marker = 'from " .. dir .. "'\nreturn M\n")))
  fh:close()
  local probe = "print(require('mcpi.util').override_marker, #require('mcpi.kernels').names() > 0)"
  local out, rc = sh(string.format("MCPI_LUA_PATH=%s %s -e %q", dir, MCPI, probe))
  T.eq(out, "from " .. dir .. "\ttrue\n", "override loaded, other modules still embedded")
  T.eq(rc, 0)
  out = sh(string.format("env -u MCPI_LUA_PATH %s -e %q", MCPI, probe))
  T.eq(out, "nil\ttrue\n", "embedded copy without the variable")
  -- A broken module in the override directory is an error naming the file.
  fh = assert(io.open(dir .. "/mcpi/kernels.lua", "w"))
  fh:write("local x = = 1\n")
  fh:close()
  out, rc = sh(string.format("MCPI_LUA_PATH=%s %s -e %q", dir, MCPI, probe))
  T.eq(rc, 1)
  T.ok(out:find(dir .. "/mcpi/kernels.lua:1:", 1, true), out)
  os.execute("rm -rf " .. dir)
end)

T.test("startup loads only what it needs (mcpi -e '' stays fast)", function()
  local out = sh(MCPI .. [[ -e 'local n = 0 for k in pairs(package.loaded) do if k:match("^mcpi") then n = n + 1 end end print(n)']])
  -- mcpi, mcpi.cli, mcpi.util, mcpi.host, plus mcpi.guard (the host's
  -- source-only loading and coroutine limit) and mcpi.errors (issue 11)
  T.ok(tonumber(out) and tonumber(out) <= 6, "mcpi modules loaded at startup: " .. out)
end)

T.test("os.exit closes the state (finalizers run)", function()
  local out, rc = sh(MCPI .. [[ -e 'local p = newproxy(true) getmetatable(p).__gc = function() io.write("gc ran") end _G.p = p os.exit(5)']])
  T.eq(out, "gc ran")
  T.eq(rc, 5)
end)

T.test("cli.check_command checks its arguments", function()
  local cli = require "mcpi.cli"
  T.raises("command name must be a string, got nil", cli.check_command)
  T.raises("command name must be a word", cli.check_command, "two words", {})
  T.raises("command spec must be a table, got string", cli.check_command, "x", "y")
  T.raises("command spec.run must be a function, got nil", cli.check_command, "x", { summary = "s" })
  T.raises("command spec.summary must be a string, got nil", cli.check_command, "x", { run = print })
  T.raises("command spec.args must be a string, got number", cli.check_command, "x", { run = print, summary = "s", args = 1 })
  -- every command in cli's table has a spec that passes the check
  for _, name in ipairs{ "script", "repl", "list", "version", "help", "run", "plot", "report", "compare" } do
    T.ok(cli.get(name), name)
  end
  T.eq(cli.get("nonesuch"), nil)
end)

T.test("command modules export their spec and leave the command line alone", function()
  -- requiring a command module (or the library it drives) as a library adds
  -- nothing to the CLI and does not load mcpi.cli
  local out = sh(MCPI .. [[ -e 'package.loaded["mcpi.cli"] = nil
    for _, m in ipairs{ "mcpi.runcmd", "mcpi.plotcmd", "mcpi.comparecmd", "mcpi.plot", "mcpi.report", "mcpi.compare" } do require(m) end
    io.write(tostring(package.loaded["mcpi.cli"]))']])
  T.eq(out, "nil")
end)


T.test("the library's modules require each other one way (no cycles)", function()
  -- arrows run cli -> commands -> library; a cycle (even through a lazy
  -- require inside a function) means two files share one concept
  local deps, names = {}, {}
  local ls = io.popen("ls lua/mcpi/*.lua")
  for path in ls:lines() do
    local name = path:match("([%w_]+)%.lua$")
    local text = assert(io.open(path)):read("*a")
    deps[name] = {}
    for dep in text:gmatch('require[%s%(]*"mcpi%.([%w_]+)"') do
      if dep ~= name then deps[name][dep] = true end
    end
    names[#names + 1] = name
  end
  ls:close()
  T.ok(#names > 40, "modules found: " .. #names)
  local state, cycle = {}, nil
  local function visit(m, path)
    if state[m] == "done" or cycle then return end
    if state[m] == "open" then cycle = table.concat(path, " -> ") .. " -> " .. m; return end
    state[m] = "open"
    path[#path + 1] = m
    for d in pairs(deps[m] or {}) do visit(d, path) end
    path[#path] = nil
    state[m] = "done"
  end
  table.sort(names)
  for _, m in ipairs(names) do visit(m, {}) end
  T.eq(cycle, nil, "require cycle")
end)

T.done()
