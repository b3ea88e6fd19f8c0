--- mcpi.repl: how the REPL prints values.
local M = {}

local function show1(v)
  local t = type(v)
  if t == "table" then
    local mt = getmetatable(v)
    if mt and mt.__tostring then return tostring(v) end
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. " = " .. tostring(x) end
    return "{ " .. table.concat(parts, ", ") .. " }"
  elseif t == "string" then
    return string.format("%q", v)
  end
  return tostring(v)
end

--- Print each value on the line, tab-separated.
function M.show(...)
  local n = select("#", ...)
  local out = {}
  for i = 1, n do out[i] = show1((select(i, ...))) end
  io.stdout:write(table.concat(out, "\t"), "\n")
end

return M
