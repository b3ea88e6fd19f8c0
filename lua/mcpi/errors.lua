--- mcpi.errors: the one exit protocol. An error that should end mcpi with a
-- given status, one line and no traceback, is a table {kind = K, msg = "..."}:
--   usage        exit 2    a bad command line, option or argument to a command
--   data         exit 1    a results file that cannot be read, or output that
--                          cannot be written (results lost)
--   experiment   exit 1    the experiment failed in a way that needs no
--                          traceback (a script that does not compile)
--   interrupted  exit 130  SIGINT (128 + the signal for SIGTERM, SIGHUP)
-- The host (src/main.c) reads the field `kind` raw and never the text; any
-- other error value is the experiment's error: exit 1 with a traceback.
-- Inside Lua the objects print as their message (tostring, e.msg).
local type, rawget, tostring, format, setmetatable = type, rawget, tostring, string.format, setmetatable

local M = {}

--- Exit status per kind (interrupted: 130 for SIGINT).
M.EXIT = { usage = 2, data = 1, experiment = 1, interrupted = 130 }

local Error = {}
Error.__index = Error
Error.__tostring = function(e) return rawget(e, "msg") end

-- A string quoted on one line, cut at 40 bytes, control bytes and quotes
-- escaped (this module sits under mcpi.util, so it does not use quote_arg).
local function one_line(s)
  return "'" .. s:sub(1, 40):gsub("[%z\1-\31\127'\\]", function(c) return format("\\%d", c:byte()) end) .. "'"
end

-- The object, with misuse reported level frames up (at the caller's line).
local function make(kind, msg, fn, level)
  if type(kind) ~= "string" or not M.EXIT[kind] then
    error(format("errors.%s: kind must be one of usage, data, experiment, interrupted; got %s", fn,
      type(kind) == "string" and one_line(kind) or type(kind)), level + 1)
  end
  if type(msg) ~= "string" then
    error(format("errors.%s: msg must be a string, got %s", fn, type(msg)), level + 1)
  end
  return setmetatable({ kind = kind, msg = msg, exit = M.EXIT[kind] }, Error)
end

--- A new error object of kind with message msg (a string).
function M.new(kind, msg)
  local e = make(kind, msg, "new", 2)  -- not a tail call: the caller's frame stays
  return e
end

--- Raise an error of kind (never returns).
function M.raise(kind, msg)
  error(make(kind, msg, "raise", 2), 0)
end

--- Raise a usage error: "mcpi: MSG", exit 2.
function M.usage(msg) error(make("usage", msg, "usage", 2), 0) end

--- Raise a data error: "mcpi: MSG", exit 1, no traceback.
function M.data(msg) error(make("data", msg, "data", 2), 0) end

--- Raise an experiment error without traceback: "mcpi: MSG", exit 1.
function M.experiment(msg) error(make("experiment", msg, "experiment", 2), 0) end

--- Raise the interruption: "mcpi: interrupted", exit 130. It also tells the
-- signal handler the interruption has been delivered, so a critical section
-- that ends later does not raise it a second time.
function M.interrupted()
  local ok, C = pcall(require, "mcpi.capi")
  if ok then C.mcpi_signal_delivered() end
  error(make("interrupted", "interrupted", "interrupted", 2), 0)
end

--- The kind of error value e (read raw, so a user's table with metamethods
-- cannot fail here), or nil for any other value.
function M.kind(e)
  if type(e) ~= "table" then return nil end
  local k = rawget(e, "kind")
  if type(k) == "string" and M.EXIT[k] then return k end
  return nil
end

function M.is_usage(e) return M.kind(e) == "usage" end
function M.is_interrupt(e) return M.kind(e) == "interrupted" end

--- One line of text for any error value; never raises.
function M.message(e)
  if M.kind(e) then
    local m = rawget(e, "msg")
    return type(m) == "string" and m or "(error without a message)"
  end
  if type(e) == "string" or type(e) == "number" then return tostring(e) end
  return format("(error object is a %s value)", type(e))
end

return M
