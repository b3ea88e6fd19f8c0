--- mcpi.chart: the machinery under mcpi.plot's charts: the palette and
-- markers, the fixed 800x520 layout, number and decade formatting, log axes
-- (log_axis), and a chart object that draws frames, axes, series with CI
-- whiskers, legends and notes as SVG (via mcpi.svg). Nothing here knows
-- about kernels or pi; mcpi.plot decides what to draw.
local svg = require "mcpi.svg"

local type, tostring, pairs, ipairs = type, tostring, pairs, ipairs
local format, sort = string.format, table.sort
local floor, ceil, log10, abs, max, min = math.floor, math.ceil, math.log10, math.abs, math.max, math.min
local huge, pi = math.huge, math.pi

local M = {}

-- A finite number, or nil (nulls, strings, NaN/inf and tables are absent).
local function fin(v)
  if type(v) == "number" and v == v and v ~= huge and v ~= -huge then return v end
  return nil
end
M.fin = fin

-- The colours of mcpi.style (Okabe & Ito's, the light ones darkened so each
-- shows on white); a kernel's pair comes from its name there, by index only
-- for callers that have no name.
M.PALETTE = require("mcpi.style").COLORS
-- Marker shapes (7, coprime with 8 colours, so 56 kernels get distinct pairs).
local MARKERS = {
  { "circle", "M-5 0 A5 5 0 1 0 5 0 A5 5 0 1 0 -5 0 Z" },
  { "square", "M-4.5 -4.5 H4.5 V4.5 H-4.5 Z" },
  { "triangle", "M0 -6 L5.5 4 L-5.5 4 Z" },
  { "diamond", "M0 -6.5 L5 0 L0 6.5 L-5 0 Z" },
  { "triangle-down", "M0 6 L5.5 -4 L-5.5 -4 Z" },
  { "hexagon", "M-5 0 L-2.5 -4.5 L2.5 -4.5 L5 0 L2.5 4.5 L-2.5 4.5 Z" },
  { "star", "M0 -6.5 L1.6 -2.1 L6.2 -2 L2.5 0.8 L3.8 5.3 L0 2.6 L-3.8 5.3 L-2.5 0.8 L-6.2 -2 L-1.6 -2.1 Z" },
}
M.MARKERS = {}
for i, m in ipairs(MARKERS) do M.MARKERS[i] = m[1] end

-- Layout of every chart (pixels); 800 wide, readable at that size.
local W, H = 800, 520
local X0, X1, Y0, Y1 = 92, 598, 58, 432
local LEGEND_X = 616

-- -- Number formatting -------------------------------------------------------

local SUP = "&#8722;"  -- the minus sign, as an XML character reference

-- 10^k as SVG markup: a superscript tspan. Raw markup (no user text in it).
local function pow10_markup(k, mult)
  local e = k < 0 and (SUP .. tostring(-k)) or tostring(k)
  local head = mult and mult ~= 1 and (tostring(mult) .. "&#215;10") or "10"
  return format('%s<tspan dy="-0.55em" font-size="72%%">%s</tspan>', head, e)
end

--- A number with 3 significant digits and an SI prefix: 1.23 G, 456 k, 7.89 m.
function M.si(v)
  if not fin(v) then return "n/a" end
  if v == 0 then return "0" end
  local prefixes = { [-4] = "p", [-3] = "n", [-2] = "\194\181", [-1] = "m", [0] = "",
    [1] = "k", [2] = "M", [3] = "G", [4] = "T", [5] = "P" }
  local e = floor(log10(abs(v)) / 3)
  e = max(-4, min(5, e))
  local m = v / 10 ^ (3 * e)
  local s
  if abs(m) >= 99.95 then s = format("%.0f", m)
  elseif abs(m) >= 9.995 then s = format("%.1f", m)
  else s = format("%.2f", m) end
  return s .. (prefixes[e] ~= "" and (" " .. prefixes[e]) or "")
end

--- A duration in seconds for labels: "12.3 ms", "456 ns", "1.50 s".
function M.duration(s)
  if not fin(s) then return "n/a" end
  local v = M.si(s)
  if v:match("[%a\194\181]$") then return v .. "s" end
  return v .. " s"
end

--- s cut to at most n characters (UTF-8 aware), with an ellipsis when cut.
function M.truncate(s, n)
  local count, cut = 0, nil
  for i = 1, #s do
    local b = s:byte(i)
    if b < 0x80 or b >= 0xC0 then
      count = count + 1
      if count == n then cut = i end
    end
  end
  if count <= n then return s end
  return s:sub(1, cut - 1) .. "\226\128\166"
end

-- -- Axes --------------------------------------------------------------------

--- A log10 axis over [vmin, vmax] (both > 0) mapped onto pixels [p0, p1]:
-- returns { lo, hi (log10 of the domain), map(v) -> pixel, ticks = {{value,
-- pos, label (markup), major}} }. The domain spans at least one decade and is
-- padded by 4% so points never sit on the frame. Ticks are at decades; when
-- fewer than two decades fall inside, 2x and 5x ticks are labelled too; when
-- more than 10, every second (or third...) decade is labelled.
function M.log_axis(vmin, vmax, p0, p1)
  if not (fin(vmin) and fin(vmax) and vmin > 0 and vmax > 0) then
    error("plot.log_axis: vmin and vmax must be positive finite numbers", 2)
  end
  if vmin > vmax then vmin, vmax = vmax, vmin end
  local lo, hi = log10(vmin), log10(vmax)
  if hi - lo < 1 then
    local c = (lo + hi) / 2
    lo, hi = c - 0.5, c + 0.5
  end
  local pad = (hi - lo) * 0.04
  lo, hi = lo - pad, hi + pad
  local ax = { lo = lo, hi = hi, p0 = p0, p1 = p1 }
  local span = hi - lo
  function ax.map(v)
    return p0 + (log10(v) - lo) / span * (p1 - p0)
  end
  local ticks = {}
  local klo, khi = ceil(lo - 1e-9), floor(hi + 1e-9)
  local ndec = khi - klo + 1
  local step = 1
  if ndec > 10 then step = ceil(ndec / 9) end
  for k = floor(lo), ceil(hi) do
    for m = 1, 9 do
      local v = m * 10 ^ k
      local lv = log10(v)
      if lv >= lo - 1e-9 and lv <= hi + 1e-9 then
        local labelled = (m == 1 and k % step == 0) or (ndec < 2 and (m == 2 or m == 5))
        if m == 1 or labelled or ndec <= 8 then
          ticks[#ticks + 1] = { value = v, pos = ax.map(v), major = labelled or m == 1,
            label = labelled and pow10_markup(k, m) or nil, k = k, m = m }
        end
      end
    end
  end
  ax.ticks = ticks
  return ax
end

-- -- Drawing helpers ---------------------------------------------------------

local function style_of(index)
  local c = M.PALETTE[(index - 1) % #M.PALETTE + 1]
  local m = (index - 1) % #MARKERS + 1
  return { color = c, marker = m }
end
M.style_of = style_of

-- A chart under construction: the document, its id prefix and legend entries.
local Chart = {}
Chart.__index = Chart

local function new_chart(id, title, subtitle)
  local d = svg.doc(W, H, { title = title, class = "mcpi-chart" })
  local c = setmetatable({ d = d, id = id, legend = {}, notes = {} }, Chart)
  d:open("defs")
  for i, m in ipairs(MARKERS) do
    d:el("path", { id = id .. "-m" .. i, d = m[2] })
  end
  d:open("clipPath", { id = id .. "-clip" })
  d:el("rect", { x = X0, y = Y0, width = X1 - X0, height = Y1 - Y0 })
  d:close()
  d:close()
  -- Scoped under the root's class: inlined into HTML, a <style> applies to
  -- the whole page.
  d:raw('<style>.mcpi-chart text{fill:#222;font-size:13px}.mcpi-chart .lab{font-size:14px}'
    .. '.mcpi-chart .title{font-size:18px;font-weight:bold}.mcpi-chart .sub{font-size:12px;fill:#555}'
    .. '.mcpi-chart .note{font-size:11.5px;fill:#555}</style>')
  d:el("rect", { x = 0, y = 0, width = W, height = H, fill = "#ffffff" })
  d:el("text", { x = X0, y = 26, class = "title" }, title)
  if subtitle then d:el("text", { x = X0, y = 45, class = "sub" }, subtitle) end
  return c
end

-- Grid, frame, ticks and axis labels for a log-log plot.
function Chart:axes(xa, ya, xlabel, ylabel)
  local d = self.d
  self.xa, self.ya = xa, ya
  d:open("g", { class = "grid", stroke = "#e4e4e4", ["stroke-width"] = 1 })
  for _, t in ipairs(xa.ticks) do
    if t.major then d:el("line", { x1 = t.pos, y1 = Y0, x2 = t.pos, y2 = Y1 }) end
  end
  for _, t in ipairs(ya.ticks) do
    if t.major then d:el("line", { x1 = X0, y1 = t.pos, x2 = X1, y2 = t.pos }) end
  end
  d:close()
  d:el("rect", { x = X0, y = Y0, width = X1 - X0, height = Y1 - Y0, fill = "none",
    stroke = "#444", ["stroke-width"] = 1, class = "frame" })
  d:open("g", { class = "axis x", ["data-scale"] = "log", ["data-lo"] = format("%.17g", 10 ^ xa.lo),
    ["data-hi"] = format("%.17g", 10 ^ xa.hi), ["data-p0"] = xa.p0, ["data-p1"] = xa.p1 })
  for _, t in ipairs(xa.ticks) do
    local len = t.major and 6 or 3
    d:open("g", { class = "tick", ["data-value"] = format("%.17g", t.value), ["data-pos"] = t.pos })
    d:el("line", { x1 = t.pos, y1 = Y1, x2 = t.pos, y2 = Y1 + len, stroke = "#444" })
    if t.label then
      d:el("text", { x = t.pos, y = Y1 + 24, ["text-anchor"] = "middle" }, nil, t.label)
    end
    d:close()
  end
  d:close()
  d:open("g", { class = "axis y", ["data-scale"] = "log", ["data-lo"] = format("%.17g", 10 ^ ya.lo),
    ["data-hi"] = format("%.17g", 10 ^ ya.hi), ["data-p0"] = ya.p0, ["data-p1"] = ya.p1 })
  for _, t in ipairs(ya.ticks) do
    local len = t.major and 6 or 3
    d:open("g", { class = "tick", ["data-value"] = format("%.17g", t.value), ["data-pos"] = t.pos })
    d:el("line", { x1 = X0 - len, y1 = t.pos, x2 = X0, y2 = t.pos, stroke = "#444" })
    if t.label then
      d:el("text", { x = X0 - 9, y = t.pos + 5, ["text-anchor"] = "end" }, nil, t.label)
    end
    d:close()
  end
  d:close()
  d:el("text", { x = (X0 + X1) / 2, y = Y1 + 50, ["text-anchor"] = "middle", class = "lab" }, xlabel)
  d:el("text", { x = 0, y = 0, ["text-anchor"] = "middle", class = "lab",
    transform = format("translate(20 %s) rotate(-90)", svg.num((Y0 + Y1) / 2)) }, ylabel)
end

-- A marker at pixel (x, y); attrs carry the data values for readers and tests.
function Chart:marker(x, y, style, a)
  a = a or {}
  a["xlink:href"] = "#" .. self.id .. "-m" .. style.marker
  a.x, a.y = x, y
  a.fill = a.fill or style.color
  a.stroke = a.stroke or (style.color == "#000000" and "#ffffff" or "#ffffff")
  a["stroke-width"] = a["stroke-width"] or 0.8
  a.class = a.class or "pt"
  self.d:el("use", a)
end

-- A polyline through pixel points (only when there are two or more).
function Chart:line(pix, a)
  if #pix < 2 then return end
  a = a or {}
  a.d = svg.path(pix)
  a.fill = "none"
  self.d:el("path", a)
end

-- Vertical whisker from lo to hi (pixel y) at pixel x, with caps.
function Chart:whisker(x, ylo, yhi, color, a)
  a = a or {}
  a.d = format("M%s %s V%s M%s %s H%s M%s %s H%s", svg.num(x), svg.num(ylo), svg.num(yhi),
    svg.num(x - 4), svg.num(ylo), svg.num(x + 4), svg.num(x - 4), svg.num(yhi), svg.num(x + 4))
  a.stroke = color
  a["stroke-width"] = 1.4
  a.fill = "none"
  a.class = a.class or "ci"
  self.d:el("path", a)
end

-- Legend entry kinds: "marker" (style), "line" (color, dash), "whisker", "dot".
function Chart:add_legend(entry)
  self.legend[#self.legend + 1] = entry
end

function Chart:draw_legend()
  local n = #self.legend
  if n == 0 then return end
  local d = self.d
  local rowh = 22
  local fit = floor((H - Y0 - 30) / rowh)
  if n > fit then  -- more kernels than rows: the last row says how many are left out
    local more = n - fit + 1
    for i = n, fit, -1 do self.legend[i] = nil end
    self.legend[fit] = { kind = "none", label = format("\226\128\166 and %d more", more) }
    n = fit
  end
  local h = n * rowh + 12
  d:open("g", { class = "legend" })
  d:el("rect", { x = LEGEND_X, y = Y0, width = W - LEGEND_X - 8, height = h, fill = "#ffffff",
    stroke = "#bbbbbb", rx = 3 })
  for i, e in ipairs(self.legend) do
    local y = Y0 + 6 + (i - 0.5) * rowh
    local x = LEGEND_X + 22
    if e.kind == "marker" then
      if e.line then
        d:el("line", { x1 = x - 14, y1 = y, x2 = x + 14, y2 = y, stroke = e.style.color,
          ["stroke-width"] = 1.8, ["stroke-dasharray"] = e.dash })
      end
      self:marker(x, y, e.style, { class = "legend-pt", fill = e.hollow and "#ffffff" or nil,
        stroke = e.hollow and e.style.color or nil, ["stroke-width"] = e.hollow and 1.6 or nil })
    elseif e.kind == "line" then
      d:el("line", { x1 = x - 14, y1 = y, x2 = x + 14, y2 = y, stroke = e.color,
        ["stroke-width"] = e.width or 1.8, ["stroke-dasharray"] = e.dash })
    elseif e.kind == "whisker" then
      self:whisker(x, y - 7, y + 7, e.color, { class = "legend-ci" })
    elseif e.kind == "dot" then
      d:el("circle", { cx = x - 5, cy = y - 2, r = 2, fill = e.color, ["fill-opacity"] = 0.45 })
      d:el("circle", { cx = x + 4, cy = y + 2, r = 2, fill = e.color, ["fill-opacity"] = 0.45 })
    elseif e.kind == "ring" then
      d:el("circle", { cx = x, cy = y, r = 8, fill = "none", stroke = "#C00000", ["stroke-width"] = 1.6 })
    elseif e.kind == "band" then
      d:el("rect", { x = x - 14, y = y - 6, width = 28, height = 12, fill = e.color, ["fill-opacity"] = 0.3 })
    end
    local label = M.truncate(e.label, 20)
    d:el("text", { x = LEGEND_X + 44, y = y + 4.5 }, label)
  end
  d:close()
end

function Chart:note(s)
  self.notes[#self.notes + 1] = s
end

-- A message in the middle of the plot area (a chart with nothing to show).
function Chart:empty(msg)
  self.d:el("rect", { x = X0, y = Y0, width = X1 - X0, height = Y1 - Y0, fill = "#fafafa",
    stroke = "#444" })
  self.d:el("text", { x = (X0 + X1) / 2, y = (Y0 + Y1) / 2, ["text-anchor"] = "middle",
    class = "lab empty" }, msg)
end

-- A note cut into lines of at most `width` characters, at spaces.
local function wrap(text, width)
  local lines, line = {}, ""
  for word in text:gmatch("%S+") do
    if line ~= "" and #line + 1 + #word > width then lines[#lines + 1] = line; line = "  " .. word
    else line = line == "" and word or (line .. " " .. word) end
  end
  if line ~= "" then lines[#lines + 1] = line end
  return lines
end

M.NOTE_WIDTH = 120  -- characters per note line (11.5 px type on 800 px)

function Chart:finish()
  if self.marked then
    self:add_legend({ kind = "ring", label = "marked point" })
    if self.marked <= 2 and #self.mark_notes == self.marked then
      for _, n in ipairs(self.mark_notes) do self:note("ringed: " .. n) end
    else
      self:note(format("%d point%s ringed: JIT state (interpreted, aborts, compiling) or other "
        .. "load while measured; the notes of the table and report say which", self.marked,
        self.marked == 1 and "" or "s"))
    end
  end
  self:draw_legend()
  local lines = {}
  for _, s in ipairs(self.notes) do
    for _, l in ipairs(wrap("note: " .. s, M.NOTE_WIDTH)) do lines[#lines + 1] = l end
  end
  -- Notes below the axis label; the chart grows when they need the room.
  local y = H - 8 - (#lines - 1) * 15
  if y < Y1 + 68 then
    y = Y1 + 68
    local h = y + (#lines - 1) * 15 + 10
    local d = self.d
    d.parts[1] = d.parts[1]:gsub('height="' .. H .. '"', 'height="' .. h .. '"', 1)
      :gsub('viewBox="0 0 ' .. W .. " " .. H .. '"', 'viewBox="0 0 ' .. W .. " " .. h .. '"', 1)
    d:el("rect", { x = 0, y = H, width = W, height = h - H, fill = "#ffffff" })
  end
  for _, l in ipairs(lines) do
    self.d:el("text", { x = 12, y = y, class = "note" }, l)
    y = y + 15
  end
  return self.d:finish()
end

-- Values > 0 (finite) go on a log axis; others are counted.
-- Plottable on a log axis: positive, and far enough from the ends of the
-- doubles that padding the axis (v / 3, 10^(log v - pad)) stays positive and
-- finite (a subnormal 5e-324 would underflow to 0).
local function positive(v) return type(v) == "number" and v >= 1e-300 and v <= 1e300 end

-- Bounds over a list of {x, y, lo, hi} pixel-free points.
local function bounds(pts, field_lo, field_hi, acc)
  acc = acc or { min = huge, max = -huge }
  for _, p in ipairs(pts) do
    for _, f in ipairs({ field_lo, field_hi }) do
      local v = p[f]
      if positive(v) then
        if v < acc.min then acc.min = v end
        if v > acc.max then acc.max = v end
      end
    end
  end
  return acc
end

local function has(acc) return acc.min <= acc.max end

-- Scale the data points of one series: returns list of {x=, y=, lo=, hi=, n=}
-- with positive finite x and y, and how many were dropped for y <= 0.
local function series(points, xf, yf, lof, hif)
  local out, zero = {}, 0
  for _, p in ipairs(points) do
    local x, y = p[xf], p[yf]
    if x and y then
      if positive(x) and positive(y) then
        local lo, hi = lof and p[lof], hif and p[hif]
        if not (positive(lo) and positive(hi)) then lo, hi = nil, nil end
        out[#out + 1] = { x = x, y = y, lo = lo, hi = hi, n = p.n,
          mark = (p.jit_mark or p.noise_ring) and { p.jit_mark, p.noise_ring, p.jit_note } or nil }
      else
        zero = zero + 1
      end
    end
  end
  sort(out, function(a, b) return a.x < b.x end)
  return out, zero
end

local function numattr(v) return v and format("%.17g", v) or nil end

-- Draw one data series: line, whiskers, markers (with data-* attributes).
function Chart:draw_series(pts, style, kernel, opts)
  opts = opts or {}
  local xa, ya = self.xa, self.ya
  local d = self.d
  d:open("g", { class = "series", ["data-kernel"] = kernel, ["data-metric"] = opts.metric,
    ["data-kernels"] = opts.kernels })
  if opts.line ~= false then
    local pix = {}
    for i, p in ipairs(pts) do pix[i] = { xa.map(p.x), ya.map(p.y) } end
    self:line(pix, { stroke = style.color, ["stroke-width"] = 1.8, ["stroke-dasharray"] = opts.dash,
      ["stroke-opacity"] = 0.85 })
  end
  for _, p in ipairs(pts) do
    if p.lo and p.hi then
      self:whisker(xa.map(p.x), ya.map(p.lo), ya.map(p.hi), style.color,
        { ["data-lo"] = numattr(p.lo), ["data-hi"] = numattr(p.hi) })
    end
  end
  for _, p in ipairs(pts) do
    self:marker(xa.map(p.x), ya.map(p.y), style, {
      ["data-x"] = numattr(p.x), ["data-y"] = numattr(p.y), ["data-n"] = numattr(p.n),
      fill = opts.hollow and "#ffffff" or nil, stroke = opts.hollow and style.color or nil,
      ["stroke-width"] = opts.hollow and 1.6 or nil,
    })
    if p.mark then self:mark_ring(xa.map(p.x), ya.map(p.y), kernel, p) end
  end
  d:close()
end

--- A red ring around a marked point (mcpi.jitstate, mcpi.noise): the chart
-- gets a legend entry and a note counting them once.
function Chart:mark_ring(x, y, kernel, p)
  local why = {}
  if p.mark[1] then why[#why + 1] = "JIT: " .. p.mark[1] end
  if p.mark[2] then why[#why + 1] = "other load" end
  self.d:el("circle", { cx = x, cy = y, r = 9, fill = "none", stroke = "#C00000",
    ["stroke-width"] = 1.6, class = "mark", ["data-kernel"] = kernel, ["data-n"] = numattr(p.n),
    ["data-why"] = table.concat(why, "; ") })
  self.marked = (self.marked or 0) + 1
  self.mark_notes = self.mark_notes or {}
  if p.mark[3] then self.mark_notes[#self.mark_notes + 1] = p.mark[3] end
end

-- Faint dots for individual repetitions (x = n, ys = list of values).
function Chart:draw_reps(points, field, color)
  local xa, ya = self.xa, self.ya
  local d = self.d
  local any, zero = false, 0
  d:open("g", { class = "reps", fill = color, ["fill-opacity"] = 0.4 })
  for _, p in ipairs(points) do
    local vals = p[field]
    if #vals > 1 then
      for _, v in ipairs(vals) do
        if positive(v) then
          d:el("circle", { cx = xa.map(p.n), cy = ya.map(v), r = 2 })
          any = true
        else
          zero = zero + 1
        end
      end
    end
  end
  d:close()
  return any, zero
end

-- A reference line y = f(x) over the x domain (or [xmin, xmax] of it),
-- clipped to the plot area.
function Chart:curve(f, a, xmin, xmax)
  local xa = self.xa
  local pix = {}
  local steps = 40
  local lo, hi = xa.lo, xa.hi
  if positive(xmin) and positive(xmax) and xmin < xmax then
    lo, hi = max(lo, log10(xmin)), min(hi, log10(xmax))
  end
  for i = 0, steps do
    local lx = lo + (hi - lo) * i / steps
    local y = f(10 ^ lx)
    if positive(y) then pix[#pix + 1] = { xa.map(10 ^ lx), self.ya.map(y) } end
  end
  a = a or {}
  a["clip-path"] = format("url(#%s-clip)", self.id)
  self:line(pix, a)
end

local function plural(n, word)
  return format("%d %s%s", n, word, n == 1 and "" or "s")
end

-- For mcpi.plot.
M.style_of = style_of
M.new_chart = new_chart
M.positive = positive
M.bounds = bounds
M.has = has
M.series = series
M.numattr = numattr
M.plural = plural
M.X0 = X0
M.X1 = X1
M.Y0 = Y0
M.Y1 = Y1
M.W = W
M.H = H
M.LEGEND_X = LEGEND_X
M.pow10_markup = pow10_markup

return M
