--- mcpi.json: JSON that loses nothing. lua-cjson 2.1.0 caps number precision
-- at 14 digits, so mcpi encodes with its own small writer (numbers as %.17g,
-- strings escaped by cjson, 64-bit integers above 2^53 as decimal strings,
-- NaN/inf as null with the field named in the object's "nonfinite" array)
-- and decodes with cjson.safe, restoring those non-finite fields.
local ffi = require "ffi"
local cjson = require "cjson.safe"

local type, pairs, ipairs, tostring, format = type, pairs, ipairs, tostring, string.format
local sort, concat = table.sort, table.concat
local getmetatable, setmetatable, huge = getmetatable, setmetatable, math.huge
local istype = ffi.istype

local M = {}

local OBJECT = {}  -- metatable marking a table as a JSON object even when empty
local TWO53 = 2 ^ 53

--- Mark t (default: a new table) to encode as a JSON object, even when empty.
function M.object(t)
  return setmetatable(t or {}, OBJECT)
end

local function is_array(t)
  if getmetatable(t) == OBJECT then return false end
  local n = #t
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then return false end
  end
  return true
end

local function nonfinite_kind(v)
  if v ~= v then return "nan" end
  if v == huge then return "inf" end
  if v == -huge then return "-inf" end
  return nil
end

--- The JSON text of a number: %.17g (round-trips every double); nil for NaN/inf.
function M.number(v)
  if nonfinite_kind(v) then return nil end
  if v == 0 then return "0" end  -- also turns -0 into 0
  return format("%.17g", v)
end

local function u64text(v)
  local neg = istype("int64_t", v) and v < 0
  local s = tostring(v):gsub("U?LL$", "")
  if (neg and v >= -TWO53) or (not neg and v <= TWO53) then return s end
  return '"' .. s .. '"'
end

local encode_value

-- cjson escapes "/" as "\/"; since it escapes every "/" and every "\", a
-- "\/" in its output is always that escape, so undoing it is exact.
local function string_text(s)
  return (cjson.encode(s):gsub("\\/", "/"))
end

local function encode_object(t, order, out, path)
  local keys, seen = {}, {}
  if order then
    for _, k in ipairs(order) do
      if t[k] ~= nil then keys[#keys + 1] = k; seen[k] = true end
    end
  end
  local rest = {}
  for k in pairs(t) do
    if type(k) ~= "string" then
      error(format("cannot encode %s: object key %s is a %s, not a string", path,
        tostring(k), type(k)), 0)
    end
    if not seen[k] and k ~= "nonfinite" and k ~= "nonfinite_values" then rest[#rest + 1] = k end
  end
  sort(rest)
  for _, k in ipairs(rest) do keys[#keys + 1] = k end
  local nonfinite, kinds
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    local v = t[k]
    if i > 1 then out[#out + 1] = "," end
    out[#out + 1] = string_text(k)
    out[#out + 1] = ":"
    local kind = type(v) == "number" and nonfinite_kind(v)
    if kind then
      out[#out + 1] = "null"
      nonfinite = nonfinite or {}
      nonfinite[#nonfinite + 1] = k
      if kind ~= "nan" then kinds = kinds or {}; kinds[k] = kind end
    else
      encode_value(v, nil, out, path .. "." .. k)
    end
  end
  if nonfinite then
    out[#out + 1] = (#keys > 0 and "," or "") .. '"nonfinite":'
    encode_value(nonfinite, nil, out, path)
    if kinds then
      out[#out + 1] = ',"nonfinite_values":'
      encode_value(kinds, nil, out, path)
    end
  end
  out[#out + 1] = "}"
end

encode_value = function(v, order, out, path)
  local t = type(v)
  if t == "string" then
    out[#out + 1] = string_text(v)
  elseif t == "number" then
    out[#out + 1] = M.number(v) or "null"
  elseif t == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif t == "nil" or v == cjson.null then
    out[#out + 1] = "null"
  elseif t == "cdata" and (istype("uint64_t", v) or istype("int64_t", v)) then
    out[#out + 1] = u64text(v)
  elseif t == "table" then
    if is_array(v) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        encode_value(v[i], nil, out, path .. "[" .. i .. "]")
      end
      out[#out + 1] = "]"
    else
      encode_object(v, order, out, path)
    end
  else
    error(format("cannot encode %s: a %s has no JSON form", path, t), 0)
  end
end

--- Encode v as compact JSON text. order (optional) lists object keys to write
-- first, in that order; other keys follow sorted. Raises error(msg, 2) for a
-- value JSON cannot hold (function, userdata, non-string key).
function M.encode(v, order)
  local out = {}
  local ok, err = pcall(encode_value, v, order, out, "value")
  if not ok then error(err, 2) end
  return concat(out)
end

local NAN = 0 / 0
local RESTORE = { nan = NAN, inf = huge, ["-inf"] = -huge }

local function restore(v)
  if type(v) ~= "table" then return v end
  local nonfinite = v.nonfinite
  if type(nonfinite) == "table" then
    local kinds = type(v.nonfinite_values) == "table" and v.nonfinite_values or {}
    for _, k in ipairs(nonfinite) do
      if type(k) == "string" and (v[k] == cjson.null or v[k] == nil) then
        v[k] = RESTORE[kinds[k]] or NAN
      end
    end
    v.nonfinite, v.nonfinite_values = nil, nil
  end
  local n = #v
  for k, x in pairs(v) do
    if x == cjson.null then
      -- In an array null stands for a non-finite number; in an object, absence.
      if type(k) == "number" and k >= 1 and k <= n then v[k] = NAN else v[k] = nil end
    elseif type(x) == "table" then
      restore(x)
    end
  end
  return v
end

--- Decode JSON text. Returns the value, or nil and a message saying where the
-- text is malformed. Fields listed in an object's "nonfinite" array come back
-- as NaN (or +-inf as recorded); null elsewhere in an object is absent.
function M.decode(text)
  if type(text) ~= "string" then
    error(format("json text must be a string, got %s", type(text)), 2)
  end
  local v, err = cjson.decode(text)
  if v == nil and err then return nil, err end
  return restore(v)
end

-- -- Files ----------------------------------------------------------------------

local function reason(err)
  return (tostring(err or "unknown error"):gsub("^.*: ", ""))
end

--- Write text to path: mcpi.writer.write_file (a regular file replaced
-- atomically, a device or pipe written through). Returns true, or nil and
-- "cannot write 'PATH': reason".
function M.write_file(path, text)
  if type(path) ~= "string" or path == "" then
    error(format("path must be a non-empty string, got %s", type(path) == "string" and "''" or type(path)), 2)
  end
  return require("mcpi.writer").write_file(path, text)
end

--- Read a whole file. Returns its text, or nil and "cannot read 'PATH': reason".
function M.read_file(path)
  if type(path) ~= "string" then error(format("path must be a string, got %s", type(path)), 2) end
  local fh, err = io.open(path, "rb")
  local shown = require("mcpi.util").quote_arg(path, 200)
  if not fh then return nil, format("cannot read %s: %s", shown, reason(err)) end
  local text, rerr = fh:read("*a")
  fh:close()
  if not text then return nil, format("cannot read %s: %s", shown, reason(rerr)) end
  return text
end

local Lines = {}
Lines.__index = Lines

--- Append one value as a line of JSON (one write, checked). Returns true, or
-- nil and the error (the file stays usable for what was written before).
function Lines:write(v, order)
  if not self.journal then return nil, self.err or format("'%s' is closed", self.path) end
  local ok, err = self.journal:add(v, M.encode(v, order) .. "\n", {})
  if not ok then self.err = err; return nil, err end
  self.count = self.journal.count
  return true
end

--- Close the file; returns true or nil, err.
function Lines:close()
  if not self.journal then return true end
  local j = self.journal
  self.journal = nil
  return j:close()
end

--- Open path for JSON lines (truncated, or appended to if append is true),
-- locked against other mcpi processes (mcpi.writer's journal). Returns an
-- object with :write(v, order) and :close(), or nil, err.
function M.lines(path, append)
  if type(path) ~= "string" or path == "" then
    error(format("path must be a non-empty string, got %s", type(path) == "string" and "''" or type(path)), 2)
  end
  local j, err = require("mcpi.writer").journal(path, append)
  if not j then return nil, err end
  return setmetatable({ journal = j, path = path, count = 0 }, Lines)
end

--- Decode every line of a JSON-lines text. Returns the list of values and,
-- when the text ends in a torn line (no newline and not JSON: a write cut by
-- a full disk, SIGKILL or power loss), nil and a note saying so: every
-- complete line is kept. A complete line that is not JSON is corruption:
-- nil and "line N: error".
function M.decode_lines(text)
  if type(text) ~= "string" then
    error(format("decode_lines: text must be a string, got %s", type(text)), 2)
  end
  local out, i, pos, len = {}, 0, 1, #text
  while pos <= len do
    local nl = text:find("\n", pos, true)
    local line = text:sub(pos, (nl or len + 1) - 1)
    i = i + 1
    if line:find("%S") then
      local v, err = M.decode(line)
      if v == nil then
        if not nl then
          return out, nil, format("line %d is torn (%d bytes without a newline, not JSON: "
            .. "the write was cut short); the %d complete line%s before it kept", i, #line,
            #out, #out == 1 and "" or "s")
        end
        return nil, format("line %d: %s", i, err)
      end
      out[#out + 1] = v
    end
    pos = (nl or len) + 1
  end
  return out
end

return M
