--- mcpi.util: argument checking, usage errors and "did you mean" for the
-- library and CLI; uint64 conversions, number formatting for messages, and
-- group (items by a field, in order of first appearance).
local ffi = require "ffi"

local type, tostring, tonumber, floor = type, tostring, tonumber, math.floor
local format, min = string.format, math.min

local M = {}

local errors = require "mcpi.errors"

--- Raise a usage error: the host prints "mcpi: MSG" and exits with code 2
-- (mcpi.errors.usage; kept here for the callers that know it from util).
M.usage = errors.usage

--- True if err is a usage error (mcpi.errors kind "usage").
M.is_usage = errors.is_usage

--- Raise the error the host reports as "mcpi: interrupted" with exit code 130.
M.interrupted = errors.interrupted

local function valid_utf8(s)
  local i, n = 1, #s
  while i <= n do
    local c = s:byte(i)
    local len = c < 0x80 and 1 or (c >= 0xC2 and c < 0xE0) and 2 or (c >= 0xE0 and c < 0xF0) and 3
      or (c >= 0xF0 and c < 0xF5) and 4 or nil
    if not len or i + len - 1 > n then return false end
    for j = i + 1, i + len - 1 do
      local b = s:byte(j)
      if b < 0x80 or b > 0xBF then return false end
    end
    i = i + len
  end
  return true
end

--- A user-supplied string quoted for a message: 'like this', control bytes
-- (and every byte >= 0x80 unless the string is valid UTF-8) escaped as \xNN,
-- cut to about max bytes (default 60) so garbage cannot flood the terminal.
function M.quote_arg(s, max)
  if type(s) ~= "string" and type(s) ~= "number" then s = "(" .. type(s) .. ")" end
  s = tostring(s)
  if max ~= nil and (type(max) ~= "number" or not (max >= 1 and max < math.huge)) then
    M.blame(format("quote_arg: max must be a number >= 1, got %s", type(max)))
  end
  max = max or 60
  local cut = ""
  if #s > max then
    cut = format("...(%d bytes)", #s)
    s = s:sub(1, max)
    while #s > 0 and s:byte(-1) >= 0x80 and s:byte(-1) < 0xC0 do s = s:sub(1, -2) end
    if #s > 0 and s:byte(-1) >= 0xC0 then s = s:sub(1, -2) end
  end
  local hi = valid_utf8(s) and "[%c\\']" or "[%c\\'\128-\255]"
  s = s:gsub(hi, function(c)
    if c == "\\" then return "\\\\" end
    if c == "'" then return "\\'" end
    return format("\\x%02X", c:byte())
  end)
  return "'" .. s .. "'" .. cut
end

--- A value for an error message, never raising and always one line: a number
-- as fmtnum, a string quoted and cut (quote_arg), anything else its type.
function M.show(v)
  if type(v) == "number" then return M.fmtnum(v) end
  if type(v) == "string" then return M.quote_arg(v) end
  return type(v)
end

--- Edit distance between two strings of at most 1000 bytes (insertions,
-- deletions, substitutions and transpositions of neighbours each cost 1),
-- for "did you mean".
function M.distance(a, b)
  if type(a) ~= "string" or type(b) ~= "string" then
    M.blame(format("distance: a and b must be strings, got %s and %s", type(a), type(b)))
  end
  -- quadratic in time and memory: a typo finder, not a diff (suggest() skips
  -- names over 200 bytes before it gets here)
  if #a > 1000 or #b > 1000 then
    M.blame(format("distance: strings of at most 1000 bytes, got %d and %d", #a, #b))
  end
  local la, lb = #a, #b
  local d = {}
  for i = 0, la do d[i] = { [0] = i } end
  for j = 0, lb do d[0][j] = j end
  for i = 1, la do
    local ca = a:byte(i)
    for j = 1, lb do
      local cb = b:byte(j)
      local v = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ca == cb and 0 or 1))
      if i > 1 and j > 1 and ca == b:byte(j - 1) and a:byte(i - 1) == cb then
        v = min(v, d[i - 2][j - 2] + 1)
      end
      d[i][j] = v
    end
  end
  return d[la][lb]
end

--- The candidate closest to name, if it is close enough to be a typo; else nil.
function M.suggest(name, candidates)
  if type(name) ~= "string" then
    error(format("suggest: name must be a string, got %s", type(name)), 2)
  end
  if type(candidates) ~= "table" then
    error(format("suggest: candidates must be a list of strings, got %s", type(candidates)), 2)
  end
  if #name > 200 then return nil end  -- no typo is that long
  local best, bestd = nil, math.huge
  for _, c in ipairs(candidates) do
    if type(c) == "string" then
      local d = M.distance(name, c)
      if d < bestd then best, bestd = c, d end
    end
  end
  if best and bestd <= math.max(1, floor(#name / 3)) then return best end
  return nil
end

--- " (did you mean 'x'?)" or "" -- for error messages.
function M.did_you_mean(name, candidates, extra)
  if type(name) ~= "string" then
    error(format("did_you_mean: name must be a string, got %s", type(name)), 2)
  end
  if type(candidates) ~= "table" then
    error(format("did_you_mean: candidates must be a list of strings, got %s", type(candidates)), 2)
  end
  if extra ~= nil and type(extra) ~= "string" then
    error(format("did_you_mean: extra must be a string, got %s", type(extra)), 2)
  end
  local s = M.suggest(name, candidates)
  if s and extra then return format(" (did you mean '%s'? %s)", s, extra) end
  if s then return format(" (did you mean '%s'?)", s) end
  if extra then return format(" (%s)", extra) end
  return ""
end

local getinfo = debug.getinfo

-- A frame of mcpi's own library (or C): not where a user's misuse is.
local function library_frame(info)
  if info.what == "C" then return true end
  local src = info.source or ""
  return src:match("mcpi/[%w_]+%.lua$") ~= nil or src:match("^=mcpi") ~= nil
end

--- Raise msg (one line) at the first stack level outside mcpi's library: the
-- user's line that called into it. For misuse the library finds deep inside
-- (a measured function of the user's that returned nil, found by a decorator
-- three calls down), where error(msg, 2) would point into mcpi's own files.
function M.blame(msg)
  if type(msg) ~= "string" then error(format("blame: msg must be a string, got %s", type(msg)), 2) end
  local level = 2
  while true do
    local info = getinfo(level, "S")
    if info == nil then level = 2; break end
    if not library_frame(info) then break end
    level = level + 1
  end
  error(msg, level)
end

--- Check that v has Lua type t (or one of "t1|t2"); raise error(msg, level+1) if not.
function M.check(v, t, name, level)
  if type(t) ~= "string" then
    error(format("check: t must be a type name like 'number' or 'string|table', got %s", type(t)), 2)
  end
  if type(name) ~= "string" then
    error(format("check: name must be a string naming the argument, got %s", type(name)), 2)
  end
  if level ~= nil and (type(level) ~= "number" or level < 1 or level % 1 ~= 0) then
    error(format("check: level must be a whole number >= 1, got %s", tostring(level)), 2)
  end
  local tv = type(v)
  for want in t:gmatch("[^|]+") do
    if tv == want then return v end
  end
  error(format("%s must be a %s, got %s", name, t:gsub("|", " or "), tv), (level or 2) + 1)
end

local U64 = ffi.typeof("uint64_t")
local TWO53 = 2 ^ 53

--- Convert a count or seed to uint64_t: a non-negative integer number, a
-- uint64_t/int64_t cdata, or a string of decimal digits. Returns nil, err on bad input.
function M.to_u64(v, what, max)
  if what ~= nil and type(what) ~= "string" then M.blame(format("to_u64: what must be a string, got %s", type(what))) end
  if max ~= nil and not (type(max) == "number" and max >= 0 and max < 2 ^ 64) then
    M.blame(format("to_u64: max must be a number in 0..2^64, got %s", type(max)))
  end
  what = what or "value"
  local t = type(v)
  local u
  if t == "number" then
    if v ~= v then return nil, what .. " must be a number, got NaN" end
    if v < 0 then return nil, format("%s must be >= 0, got %s", what, M.fmtnum(v)) end
    if v ~= floor(v) or v == math.huge then
      return nil, format("%s must be a whole number, got %s", what, M.fmtnum(v))
    end
    if v >= 2 ^ 64 then return nil, format("%s must be < 2^64, got %s", what, M.fmtnum(v)) end
    u = U64(v)
  elseif t == "cdata" and (ffi.istype("uint64_t", v) or ffi.istype("int64_t", v)) then
    if ffi.istype("int64_t", v) and v < 0 then
      return nil, format("%s must be >= 0, got %s", what, tostring(v):gsub("LL$", ""))
    end
    u = U64(v)
  elseif t == "string" and v:match("^%d+$") and #v <= 20 then
    u = U64(0)
    for i = 1, #v do
      local nu = u * 10 + (v:byte(i) - 48)
      if nu / 10 ~= u then return nil, format("%s must be < 2^64, got %s", what, M.quote_arg(v)) end
      u = nu
    end
  else
    return nil, format("%s must be a non-negative integer, got %s", what,
      t == "string" and M.quote_arg(v) or t)
  end
  if max and u > U64(max) then
    return nil, format("%s must be <= %s, got %s", what, M.u64str(U64(max)), M.u64str(u))
  end
  return u
end

--- Decimal digits of a uint64_t cdata (no ULL suffix).
function M.u64str(u)
  if type(u) ~= "number" and type(u) ~= "cdata" then
    M.blame(format("u64str: u must be a number or uint64_t, got %s", type(u)))
  end
  return (tostring(U64(u)):gsub("U?LL$", ""))
end

--- A uint64_t as a Lua number when exact (<= 2^53), else kept as cdata.
function M.u64val(u)
  if u <= TWO53 then return tonumber(u) end
  return U64(u)
end

--- Format a number for messages: integers without exponent noise, others %.6g.
function M.fmtnum(v)
  if type(v) ~= "number" then return tostring(v) end
  if v == floor(v) and math.abs(v) < 1e15 then return format("%d", v) end
  return format("%.6g", v)
end

--- Items of list grouped by item[field]: returns groups (value -> items in
-- list order) and the values in the order they first appear.
function M.group(list, field)
  local by, order = {}, {}
  for _, item in ipairs(list) do
    local v = item[field]
    local g = by[v]
    if not g then g = {}; by[v] = g; order[#order + 1] = v end
    g[#g + 1] = item
  end
  return by, order
end

return M
