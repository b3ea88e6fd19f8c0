--- tests/harness.lua: a small table-driven test library for the Lua tests.
-- Each tests/lua/test_*.lua runs in its own ./mcpi process:
--   local T = dofile("tests/harness.lua")
--   T.test("name", function() T.eq(1 + 1, 2) end)
--   T.done()   -- prints "file: N passed, N failed", exits 1 on failure
local M = {}

local passed, failed = 0, 0
local file = (arg and arg[0] or "?"):match("([^/]+)%.lua$") or "?"

local function fmt(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

--- Run fn as one test; a Lua error or failed assertion fails it.
function M.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
  else
    failed = failed + 1
    io.stdout:write(string.format("FAIL %s: %s\n  %s\n", file, name,
      tostring(err):gsub("\n", "\n  ")))
  end
end

--- Fail unless a == b (compared with ==, so 64-bit cdata compare by value).
function M.eq(a, b, what)
  if not (a == b) then
    error(string.format("%sexpected %s, got %s", what and (what .. ": ") or "", fmt(b), fmt(a)), 2)
  end
end

--- Fail unless |a - b| <= tol.
function M.near(a, b, tol, what)
  if not (math.abs(a - b) <= tol) then
    error(string.format("%sexpected %s +- %s, got %s", what and (what .. ": ") or "",
      fmt(b), fmt(tol), fmt(a)), 2)
  end
end

--- Fail unless v is truthy.
function M.ok(v, what)
  if not v then error("expected true" .. (what and (": " .. what) or ""), 2) end
  return v
end

--- Fail unless fn(...) raises an error whose message matches pattern (plain find).
function M.raises(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error matching " .. fmt(pattern) .. ", got none", 2) end
  local msg = type(err) == "table" and tostring(err.msg or err) or tostring(err)
  if not msg:find(pattern, 1, true) then
    error(string.format("expected an error containing %s, got %s", fmt(pattern), fmt(msg)), 2)
  end
  return msg
end

--- Run one test per row: fn(row) for each row of rows; name is name_fn(row).
function M.rows(name, rows, fn)
  for i, row in ipairs(rows) do
    M.test(string.format("%s #%d", name, i), function() fn(row) end)
  end
end

--- Print the summary line and exit (1 if anything failed).
function M.done()
  io.stdout:write(string.format("%s: %d passed, %d failed\n", file, passed, failed))
  io.stdout:flush()
  os.exit(failed == 0 and 0 or 1, true)  -- close the state: modules free their buffers (ASan)
end

return M
