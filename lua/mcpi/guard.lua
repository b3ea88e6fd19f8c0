--- mcpi.guard: loaded by the host before anything else; closes the doors
-- through which plain Lua could crash the host or lose output.
--   * Code is loaded as source only: load, loadstring, loadfile, dofile and
--     require's file loader refuse LuaJIT bytecode, which LuaJIT does not
--     verify (malformed bytecode can crash the process).
--   * Coroutines resumed inside one another nest on the C stack; past
--     MAX_RESUME_DEPTH, coroutine.resume fails (and coroutine.wrap raises)
--     with "C stack overflow" instead of the process dying of SIGSEGV.
--   * os.exit checks that standard output was written: output lost exits 1.
local type, select, error, rawget = type, select, error, rawget
local raw_load, raw_loadfile = load, loadfile
local raw_resume, raw_create = coroutine.resume, coroutine.create
local raw_exit = os.exit

local M = {}

M.MAX_RESUME_DEPTH = 1000
M.BYTECODE = "cannot load LuaJIT bytecode: mcpi runs Lua source only (bytecode is not verified and could crash the host)"

local function loader(chunk, name, env)
  if type(chunk) == "string" and chunk:byte(1) == 27 then return nil, M.BYTECODE end
  local fn, err = raw_load(chunk, name, "t", env)
  if not fn and type(err) == "string" and (err:find("binary", 1, true) or err:find("wrong mode", 1, true)) then
    return nil, M.BYTECODE
  end
  return fn, err
end

--- Load bytecode the library made itself (string.dump of a function in this
-- process: measure.private_copy), never from outside.
function M.load_dumped(code, name)
  return raw_load(code, name, "b")
end

function load(chunk, name, mode, env) return loader(chunk, name, env) end
loadstring = load

function loadfile(path, mode, env)
  local fn, err = raw_loadfile(path, "t", env)
  if not fn and type(err) == "string" and (err:find("binary", 1, true) or err:find("wrong mode", 1, true)) then
    return nil, (path or "stdin") .. ": " .. M.BYTECODE
  end
  return fn, err
end

function dofile(path)
  local fn, err = loadfile(path)
  if not fn then error(err, 2) end
  return fn()
end

-- require's second searcher (Lua files on package.path), source only.
if type(package.loaders) == "table" and package.searchpath then
  package.loaders[2] = function(name)
    local path, err = package.searchpath(name, package.path)
    if not path then return err end
    local fn, lerr = loadfile(path)
    if not fn then
      error(("error loading module '%s' from file '%s':\n\t%s"):format(name, path, lerr), 0)
    end
    return fn
  end
end

-- -- Coroutines ------------------------------------------------------------------

local depth = 0

local function resumed(...)
  depth = depth - 1
  return ...
end

function coroutine.resume(co, ...)
  if type(co) ~= "thread" then return raw_resume(co, ...) end
  if depth >= M.MAX_RESUME_DEPTH then
    return false, ("C stack overflow: coroutines resumed inside one another more than %d deep")
      :format(M.MAX_RESUME_DEPTH)
  end
  depth = depth + 1
  return resumed(raw_resume(co, ...))
end
local resume = coroutine.resume

local function unwrap(ok, ...)
  if ok then return ... end
  error((...), 0)
end

function coroutine.wrap(f)
  local co = raw_create(f)
  return function(...) return unwrap(resume(co, ...)) end
end

-- -- Exit ----------------------------------------------------------------------------

os.exit = function(code, close)
  local ok, err = require("mcpi.host").stdout_check()
  if not ok then
    io.stderr:write("mcpi: ", err, "\n")
    if code == nil or code == true or code == 0 then code = 1 end
  end
  return raw_exit(code, close)
end

return M
