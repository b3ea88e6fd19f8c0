--- mcpi.style: one colour and marker per kernel NAME, the same in every chart
-- and every run. Built-in kernels have a fixed pair; any other name gets a
-- pair from a hash of the name (FNV-1a), so it too is stable. Within one
-- chart no two kernels share both colour and marker: a later name (in name
-- order) that collides moves to the next free marker, then colour.
--   local st = style.assign({"c.scalar", "user.k"})  -- name -> {color, marker}
-- Colours: Okabe & Ito's palette with the light ones (yellow #F0E442,
-- orange, sky blue, pink) replaced by darker tones, so every colour has at
-- least 3:1 contrast on white (WCAG 2.1's figure for graphics).
local bit = require "bit"

local ipairs, sort, format = ipairs, table.sort, string.format

local M = {}

M.COLORS = { "#0072B2", "#D55E00", "#009E73", "#AA3377", "#9A6B00", "#5A3FA0", "#000000", "#2A7F9E" }
M.MARKERS = { "circle", "square", "triangle", "diamond", "triangle-down", "hexagon", "star" }

-- Built-ins: colour index, marker index. The nine kernels of the study all
-- differ in colour but one pair (lua.interp and c.threads share black,
-- with different markers; they sit at opposite ends of every comparison).
M.FIXED = {
  ["lua.interp"] = { 7, 1 }, ["lua.jit"] = { 5, 2 }, ["lua.philox"] = { 3, 3 },
  ["lua.array"] = { 4, 4 }, ["c.scalar"] = { 8, 5 }, ["c.avx2"] = { 2, 6 },
  ["c.avx512"] = { 1, 7 }, ["c.simd"] = { 6, 1 }, ["c.threads"] = { 7, 4 },
  ["c.auto"] = { 2, 2 }, ["py.cpython"] = { 7, 3 }, ["py.numba"] = { 5, 5 },
  ["py.numba_par"] = { 5, 6 }, ["py.numba_random"] = { 5, 7 }, ["py.numpy"] = { 4, 2 },
  ["py.jax"] = { 6, 3 }, ["py.jax_random"] = { 6, 5 }, ["py.tf"] = { 2, 4 },
  ["py.triton"] = { 1, 2 }, ["ocl.philox"] = { 3, 6 }, ["cuda.philox"] = { 3, 2 },
}

local function fnv1a(s)
  local h = 0x811c9dc5
  for i = 1, #s do
    h = bit.bxor(h, s:byte(i))
    h = bit.tobit(h * 0x01000193 % 0x100000000)
  end
  return h % 0x100000000
end

--- The pair of one name on its own: {color = "#rrggbb", marker = index, ci, mi}.
function M.of(name)
  local f = M.FIXED[name]
  local ci, mi
  if f then ci, mi = f[1], f[2]
  else
    local h = fnv1a(name)
    ci, mi = h % #M.COLORS + 1, math.floor(h / 256) % #M.MARKERS + 1
  end
  return { color = M.COLORS[ci], marker = mi, ci = ci, mi = mi }
end

--- Styles for the kernels of one chart: name -> {color, marker}; pairs as of()
-- except that a collision moves the later name (name order) on.
function M.assign(names)
  local sorted = {}
  for i, n in ipairs(names) do sorted[i] = n end
  sort(sorted, function(a, b)  -- built-ins keep their pair first
    local fa, fb = M.FIXED[a] ~= nil, M.FIXED[b] ~= nil
    if fa ~= fb then return fa end
    return a < b
  end)
  local used, out = {}, {}
  local nc, nm = #M.COLORS, #M.MARKERS
  for _, n in ipairs(sorted) do
    local s = M.of(n)
    local ci, mi = s.ci, s.mi
    for step = 0, nc * nm - 1 do
      local c = (s.ci - 1 + math.floor((s.mi - 1 + step) / nm)) % nc + 1
      local m = (s.mi - 1 + step) % nm + 1
      if not used[c * 100 + m] then ci, mi = c, m; break end
    end
    used[ci * 100 + mi] = true
    out[n] = { color = M.COLORS[ci], marker = mi, ci = ci, mi = mi }
  end
  return out
end

--- Contrast ratio of a colour "#rrggbb" against white (WCAG 2.1).
function M.contrast(hex)
  local function lin(c)
    c = c / 255
    return c <= 0.03928 and c / 12.92 or ((c + 0.055) / 1.055) ^ 2.4
  end
  local r, g, b = tonumber(hex:sub(2, 3), 16), tonumber(hex:sub(4, 5), 16), tonumber(hex:sub(6, 7), 16)
  local l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
  return 1.05 / (l + 0.05)
end

return M
