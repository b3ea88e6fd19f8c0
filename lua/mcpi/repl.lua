--- mcpi.repl: how the REPL prints values and completes names.
-- The C loop (src/repl.c) calls show(...) with a statement's results and
-- complete(word) for the Tab key; both are plain Lua so they can be tested
-- without a terminal.
local ffi = require "ffi"

local type, tostring, tonumber, pairs, select = type, tostring, tonumber, pairs, select
local getmetatable, rawget, pcall = getmetatable, rawget, pcall
local format, rep, concat, sort = string.format, string.rep, table.concat, table.sort
local floor, huge = math.floor, math.huge
local string_lib, getupvalue = string, debug.getupvalue

local M = {}

--- Limits of the printer (tables are summarised past them).
M.limits = {
  items = 50,     -- array items and other keys shown per table
  depth = 5,      -- nesting shown before a table becomes {...}
  width = 78,     -- a table that fits on one line this wide stays on one
  string = 200,   -- strings nested in tables are cut to this many bytes
}

local KEYWORDS = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
  "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
  "true", "until", "while",
}
local is_keyword = {}
for _, k in ipairs(KEYWORDS) do is_keyword[k] = true end

local function is_ident(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil and not is_keyword[s]
end

local function quote(s, cut)
  local extra = ""
  if cut and #s > cut then
    extra = format("...(%d bytes)", #s)
    s = s:sub(1, cut)
  end
  return (format("%q", s):gsub("\\\n", "\\n"):gsub("\r", "\\r"):gsub("%z", "\\0")) .. extra
end

--- A number as Lua would read it back: integers plainly, others with the
-- fewest digits (up to 17) that round-trip.
function M.number(v)
  if v ~= v then return "nan" end
  if v == huge then return "inf" end
  if v == -huge then return "-inf" end
  if v == floor(v) and v > -2 ^ 53 and v < 2 ^ 53 then return format("%d", v) end
  for digits = 14, 17 do
    local s = format("%." .. digits .. "g", v)
    if tonumber(s) == v then return s end
  end
  return format("%.17g", v)
end

local function scalar(v, cut)
  local t = type(v)
  if t == "string" then return quote(v, cut) end
  if t == "number" then return M.number(v) end
  if t == "cdata" and (ffi.istype("uint64_t", v) or ffi.istype("int64_t", v)) then
    return (tostring(v):gsub("U?LL$", ""))
  end
  return nil
end

local function safe_tostring(v)
  local ok, s = pcall(tostring, v)
  if ok and type(s) == "string" then return s end
  return format("<%s: __tostring failed: %s>", type(v), tostring(s))
end

local function key_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    if ta == "number" then return true end
    if tb == "number" then return false end
    return ta < tb
  end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local render

local function render_table(t, depth, seen, indent)
  local mt = getmetatable(t)
  if type(mt) == "table" and rawget(mt, "__tostring") then return safe_tostring(t) end
  if seen[t] then return "<cycle>" end
  local L = M.limits
  if depth >= L.depth then return "{...}" end
  seen[t] = true
  local items, more = {}, 0
  -- The array part: 1..n without keys.
  local n = 0
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  for i = 1, n do
    if i > L.items then more = n - L.items; break end
    items[#items + 1] = render(rawget(t, i), depth + 1, seen, indent .. "  ")
  end
  local keys = {}
  for k in pairs(t) do
    if not (type(k) == "number" and k >= 1 and k <= n and k == floor(k)) then
      keys[#keys + 1] = k
    end
  end
  pcall(sort, keys, key_order)
  for i, k in ipairs(keys) do
    if i > L.items then more = more + #keys - L.items; break end
    local ks = is_ident(k) and k or ("[" .. (scalar(k, L.string) or safe_tostring(k)) .. "]")
    items[#items + 1] = ks .. " = " .. render(rawget(t, k), depth + 1, seen, indent .. "  ")
  end
  seen[t] = nil
  if more > 0 then items[#items + 1] = format("... (%d more)", more) end
  if #items == 0 then return "{}" end
  local one = "{ " .. concat(items, ", ") .. " }"
  if #one + #indent <= L.width and not one:find("\n", 1, true) then return one end
  -- Several short items share a line (long arrays of numbers stay compact);
  -- an item that spans lines gets lines of its own.
  local lines, cur = {}, nil
  local room = L.width - #indent - 2
  for i, item in ipairs(items) do
    local piece = item .. (i < #items and "," or "")
    if item:find("\n", 1, true) or #piece > room then
      if cur then lines[#lines + 1] = cur; cur = nil end
      lines[#lines + 1] = piece
    elseif cur and #cur + 1 + #piece <= room then
      cur = cur .. " " .. piece
    else
      if cur then lines[#lines + 1] = cur end
      cur = piece
    end
  end
  if cur then lines[#lines + 1] = cur end
  return "{\n" .. indent .. "  " .. concat(lines, "\n" .. indent .. "  ") .. "\n" .. indent .. "}"
end

render = function(v, depth, seen, indent)
  local s = scalar(v, depth > 0 and M.limits.string or nil)
  if s then return s end
  if type(v) == "table" then return render_table(v, depth, seen, indent) end
  return safe_tostring(v)
end

--- The text the REPL prints for one value: strings quoted, numbers exact,
-- 64-bit cdata as plain digits, tables readably (nesting, cycles, long arrays
-- cut), objects with __tostring (results tables) as their own text.
function M.format(v)
  return render(v, 0, {}, "")
end

--- Print each value, tab-separated (one per line when any spans lines).
function M.show(...)
  local n = select("#", ...)
  local out, multi = {}, false
  for i = 1, n do
    out[i] = M.format((select(i, ...)))
    if out[i]:find("\n", 1, true) then multi = true end
  end
  io.stdout:write(concat(out, multi and "\n" or "\t"), "\n")
  io.stdout:flush()
end

-- Keys a table offers for completion: its own, those of an __index table,
-- and the lazily loaded names of a module whose __index function keeps them
-- in an upvalue called `lazy` (the `mcpi` module does).
local function keys_of(t, out)
  if type(t) == "string" then t = string_lib end
  if type(t) ~= "table" then return end
  for k in pairs(t) do if is_ident(k) then out[k] = true end end
  local mt = getmetatable(t)
  if type(mt) ~= "table" then return end
  local idx = rawget(mt, "__index")
  if type(idx) == "table" and idx ~= t then
    for k in pairs(idx) do if is_ident(k) then out[k] = true end end
  elseif type(idx) == "function" then
    for i = 1, 20 do
      local name, val = getupvalue(idx, i)
      if not name then break end
      if name == "lazy" and type(val) == "table" then
        for k in pairs(val) do if is_ident(k) then out[k] = true end end
      end
    end
  end
end

--- Completions of word (e.g. "mcpi.ker", "string.fo", "s:up", "pri"):
-- full words that extend it, sorted. Never raises.
function M.complete(word)
  if type(word) ~= "string" then return {} end
  local path, sep, part = word:match("^(.-)([%.:])([%w_]*)$")
  local t
  if path then
    t = _G
    for name in (path .. "."):gmatch("([^%.:]*)[%.:]") do
      if not is_ident(name) then return {} end
      local ok, v = pcall(function() return t[name] end)
      if not ok then return {} end
      t = v
      if type(t) == "string" then t = string_lib end
      if type(t) ~= "table" then return {} end
    end
  else
    t, sep, part, path = _G, "", word, ""
  end
  local keys = {}
  keys_of(t, keys)
  if sep == "" then for _, k in ipairs(KEYWORDS) do keys[k] = true end end
  local out = {}
  for k in pairs(keys) do
    if k:sub(1, #part) == part then out[#out + 1] = path .. sep .. k end
  end
  sort(out)
  return out
end

return M
