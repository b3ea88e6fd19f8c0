--- mcpi.svg: a small SVG writer -- XML escaping, compact numbers, elements,
-- and a document that collects them. The chart code (mcpi.plot) builds on it;
-- it knows nothing about charts.
--   local d = svg.doc(800, 500)
--   d:el("circle", { cx = 10, cy = 20, r = 3, fill = "#0072B2" })
--   d:open("g", { class = "axis" }) ... d:close()
--   local text = d:finish()
local type, tostring, pairs, ipairs = type, tostring, pairs, ipairs
local format, concat, sort = string.format, table.concat, table.sort
local floor, huge = math.floor, math.huge

local M = {}

local ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--- Escape a string for XML text or a double-quoted attribute. Control
-- characters XML 1.0 forbids are dropped; invalid UTF-8 bytes become U+FFFD,
-- so whatever a results file holds, the document stays well-formed.
function M.escape(s)
  if type(s) ~= "string" then
    if type(s) == "number" then return M.num(s) end
    error(format("svg.escape: expected a string, got %s", type(s)), 2)
  end
  s = s:gsub("[%z\1-\8\11\12\14-\31\127]", "")
  if s:find("[\128-\255]") then
    -- keep well-formed UTF-8 sequences, replace stray bytes
    local out, i, n = {}, 1, #s
    while i <= n do
      local c = s:byte(i)
      local len = c < 0x80 and 1 or (c >= 0xC2 and c <= 0xDF) and 2
        or (c >= 0xE0 and c <= 0xEF) and 3 or (c >= 0xF0 and c <= 0xF4) and 4 or 0
      local ok = len > 0 and i + len - 1 <= n
      for j = i + 1, i + len - 1 do
        if not ok then break end
        local cj = s:byte(j)
        if cj < 0x80 or cj > 0xBF then ok = false end
      end
      if ok then
        out[#out + 1] = s:sub(i, i + len - 1)
        i = i + len
      else
        out[#out + 1] = "\239\191\189"
        i = i + 1
      end
    end
    s = concat(out)
  end
  return (s:gsub("[&<>\"']", ESC))
end

--- Format a coordinate or size compactly: at most 2 decimals, no trailing
-- zeros, no "-0"; non-finite numbers raise an error (they would make the SVG
-- invalid, so they are a bug in the caller).
function M.num(v)
  if type(v) ~= "number" then error(format("svg.num: expected a number, got %s", type(v)), 2) end
  if v ~= v or v == huge or v == -huge then
    error(format("svg.num: non-finite coordinate %s", tostring(v)), 2)
  end
  local r = floor(v * 100 + 0.5) / 100
  if r == floor(r) and r > -1e15 and r < 1e15 then
    if r == 0 then return "0" end
    return format("%d", r)
  end
  local s = format("%.2f", r):gsub("0+$", ""):gsub("%.$", "")
  if s == "-0" then return "0" end
  return s
end

-- Attributes in a fixed order (sorted by name), so output is reproducible and
-- diffs of charts stay small. Numbers go through num(); false/nil are skipped.
local function attrs(a)
  if not a then return "" end
  local keys = {}
  for k, v in pairs(a) do
    if v ~= nil and v ~= false then keys[#keys + 1] = k end
  end
  sort(keys)
  local out = {}
  for i, k in ipairs(keys) do
    local v = a[k]
    if type(v) == "number" then v = M.num(v)
    elseif v == true then v = k
    else v = M.escape(tostring(v)) end
    out[i] = format(' %s="%s"', k, v)
  end
  return concat(out)
end
M.attrs = attrs

--- One element as a string: element("rect", {x=1}) -> '<rect x="1"/>';
-- text (escaped) or raw (trusted markup, e.g. tspans) becomes its content.
function M.element(name, a, text, raw)
  if type(name) ~= "string" or not name:match("^[%a_][%w_:%-]*$") then
    error(format("svg.element: bad element name %s", tostring(name)), 2)
  end
  if text == nil and raw == nil then
    return format("<%s%s/>", name, attrs(a))
  end
  return format("<%s%s>%s%s</%s>", name, attrs(a), text ~= nil and M.escape(text) or "",
    raw or "", name)
end

--- A path "d" from a list of {x, y} points: "M x y L x y ...".
function M.path(points)
  local out = {}
  for i, p in ipairs(points) do
    out[i] = format("%s%s %s", i == 1 and "M" or "L", M.num(p[1]), M.num(p[2]))
  end
  return concat(out, " ")
end

local Doc = {}
Doc.__index = Doc

--- A new document width x height pixels; opts.title becomes <title> (the
-- accessible name), opts.class the root's class.
function M.doc(width, height, opts)
  if type(width) ~= "number" or type(height) ~= "number" or width <= 0 or height <= 0 then
    error("svg.doc: width and height must be positive numbers", 2)
  end
  opts = opts or {}
  local d = setmetatable({ parts = {}, stack = {}, width = width, height = height }, Doc)
  d.parts[1] = format('<svg xmlns="http://www.w3.org/2000/svg" ' ..
    'xmlns:xlink="http://www.w3.org/1999/xlink"%s>',
    attrs({ width = width, height = height, viewBox = format("0 0 %s %s", M.num(width), M.num(height)),
      class = opts.class, role = "img",
      ["font-family"] = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif" }))
  if opts.title then d.parts[2] = M.element("title", nil, opts.title) end
  return d
end

--- Append an element (see element()).
function Doc:el(name, a, text, raw)
  self.parts[#self.parts + 1] = M.element(name, a, text, raw)
  return self
end

--- Open a container element; close() ends it.
function Doc:open(name, a)
  self.parts[#self.parts + 1] = format("<%s%s>", name, attrs(a))
  self.stack[#self.stack + 1] = name
  return self
end

--- Close the innermost open element.
function Doc:close()
  local name = self.stack[#self.stack]
  if not name then error("svg: close() without open()", 2) end
  self.stack[#self.stack] = nil
  self.parts[#self.parts + 1] = format("</%s>", name)
  return self
end

--- Append trusted markup as is.
function Doc:raw(s)
  self.parts[#self.parts + 1] = s
  return self
end

--- Close what is open and return the document text (without an XML
-- declaration, so it can be inlined into HTML as well as saved).
function Doc:finish()
  while #self.stack > 0 do self:close() end
  return concat(self.parts, "\n") .. "\n</svg>\n"
end

return M
