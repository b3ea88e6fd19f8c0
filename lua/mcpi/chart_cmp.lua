--- mcpi.chart_cmp: the charts that compare kernels: throughput at the
-- largest common N with speed-ups, and the accuracy-vs-time front.
local svg = require "mcpi.svg"
local chart = require "mcpi.chart"
local util = require "mcpi.util"

local tostring, pairs, ipairs = tostring, pairs, ipairs
local format, concat, sort = string.format, table.concat, table.sort
local floor, log10, abs, max, min, huge = math.floor, math.log10, math.abs, math.max, math.min, math.huge

local M = {}

-- the chart machinery (mcpi.chart), N as text (mcpi.series), the error metric (mcpi.chart_n)
local style_of, new_chart, positive, bounds = chart.style_of, chart.new_chart, chart.positive, chart.bounds
local has, numattr, plural = chart.has, chart.numattr, chart.plural
local si, truncate, log_axis = chart.si, chart.truncate, chart.log_axis
local X0, X1, Y0, Y1 = chart.X0, chart.X1, chart.Y0, chart.Y1
local ntext = require("mcpi.series").ntext
local error_metric = require("mcpi.chart_n").error_metric

-- throughput value has; nil when there is none (then each kernel's largest).
function M.common_n(S)
  local count, nk = {}, 0
  for _, k in ipairs(S.kernels) do
    local any = false
    for _, p in ipairs(k.points) do
      if positive(p.sps) then count[p.n] = (count[p.n] or 0) + 1; any = true end
    end
    if any then nk = nk + 1 end
  end
  local best
  for n, c in pairs(count) do
    if c == nk and (not best or n > best) then best = n end
  end
  return best
end

--- Choose the throughput baseline: opts.baseline (must be in S), else
-- lua.interp when present, else the slowest kernel. Returns name or nil, err.
function M.baseline(S, rows, want)
  local names = {}
  for _, r in ipairs(rows) do names[#names + 1] = r.name end
  if want ~= nil then
    for _, r in ipairs(rows) do if r.name == want then return want end end
    return nil, format("baseline '%s' has no throughput value in these results%s", tostring(want),
      util.did_you_mean(tostring(want), names, "kernels: " .. concat(names, ", ")))
  end
  for _, r in ipairs(rows) do if r.name == "lua.interp" then return r.name end end
  local slow
  for _, r in ipairs(rows) do if not slow or r.sps < slow.sps then slow = r end end
  return slow and slow.name
end

-- One throughput value per kernel: {name, index, n, sps}, fastest first.
function M.throughput_rows(S)
  local cn = M.common_n(S)
  local rows = {}
  for _, k in ipairs(S.kernels) do
    local best
    for _, p in ipairs(k.points) do
      if positive(p.sps) and (cn == nil or p.n == cn) and (not best or p.n > best.n) then best = p end
    end
    if best then rows[#rows + 1] = { name = k.name, index = k.index, style = k.style, n = best.n, sps = best.sps, p = best } end
  end
  sort(rows, function(a, b) return a.sps > b.sps end)
  return rows, cn
end

--- A linear axis from 0 to vmax over pixels [p0, p1]: ticks at a step of
-- 1, 2 or 5 times a power of ten, about five of them. Ratios of bar lengths
-- on it are ratios of the values, so a speed-up reads as what it is.
function M.linear_axis(vmax, p0, p1)
  local raw = vmax / 5
  local e = floor(log10(raw))
  local step = 10 ^ e
  for _, m in ipairs{ 1, 2, 5, 10 } do
    if m * 10 ^ e >= raw then step = m * 10 ^ e; break end
  end
  local hi = step * math.ceil(vmax * 1.02 / step)
  local ax = { lo = 0, hi = hi, p0 = p0, p1 = p1, ticks = {} }
  function ax.map(v) return p0 + v / hi * (p1 - p0) end
  for i = 0, math.floor(hi / step + 0.5) do
    local v = i * step
    ax.ticks[#ax.ticks + 1] = { value = v, pos = ax.map(v), major = true, label = si(v) }
  end
  return ax
end

local function draw_linear_axis(d, xa, bx0, bx1)
  d:open("g", { class = "grid", stroke = "#e4e4e4" })
  for _, t in ipairs(xa.ticks) do d:el("line", { x1 = t.pos, y1 = Y0, x2 = t.pos, y2 = Y1 }) end
  d:close()
  d:el("line", { x1 = bx0, y1 = Y0, x2 = bx0, y2 = Y1, stroke = "#444" })
  d:el("line", { x1 = bx0, y1 = Y1, x2 = bx1, y2 = Y1, stroke = "#444" })
  d:open("g", { class = "axis x", ["data-scale"] = "linear", ["data-lo"] = "0",
    ["data-hi"] = format("%.17g", xa.hi), ["data-p0"] = bx0, ["data-p1"] = bx1 })
  for _, t in ipairs(xa.ticks) do
    d:open("g", { class = "tick", ["data-value"] = format("%.17g", t.value), ["data-pos"] = t.pos })
    d:el("line", { x1 = t.pos, y1 = Y1, x2 = t.pos, y2 = Y1 + 6, stroke = "#444" })
    d:el("text", { x = t.pos, y = Y1 + 24, ["text-anchor"] = "middle" }, t.label)
    d:close()
  end
  d:close()
  d:el("text", { x = (bx0 + bx1) / 2, y = Y1 + 50, ["text-anchor"] = "middle", class = "lab" },
    "throughput (samples/s, linear scale: bar lengths compare as the speed-ups do)")
end

local function ratio_text(v)
  return v >= 100 and format("%.0f", v) or v >= 10 and format("%.1f", v) or format("%.2f", v)
end

-- The label at a bar's end: samples/s and the speed-up, with its 95% CI
-- where the summary row carries one (mcpi compare's speedup_lo/hi) against
-- this baseline, else the plain ratio of medians.
local function bar_label(r, base, speed, cn)
  local label = format("%s samples/s", si(r.sps))
  if r.name == base then
    label = label .. "  (baseline)"
  elseif r.p and r.p.speedup and r.p.baseline == base then
    label = label .. format("  \195\151%s", ratio_text(r.p.speedup))
    if r.p.speedup_lo and r.p.speedup_hi then
      label = label .. format(" (%s\226\128\147%s)", ratio_text(r.p.speedup_lo), ratio_text(r.p.speedup_hi))
    end
  elseif speed then
    label = label .. format("  \195\151%s", ratio_text(speed))
  end
  if not cn then label = label .. format("  at N=%s", ntext(r.n)) end
  return label
end

--- Throughput (samples/s) per kernel as horizontal bars on a linear axis,
-- each with its speed-up over the baseline written at its end.
function M.chart_throughput(S, opts)
  opts = opts or {}
  local rows, cn = M.throughput_rows(S)
  local base, berr = M.baseline(S, rows, opts.baseline)
  if opts.baseline ~= nil and not base then return nil, berr end
  local sub
  if cn then
    sub = format("median samples/s at N = %s, the largest N all kernels ran; speed-up over %s",
      ntext(cn), tostring(base))
  else
    sub = format("median samples/s at each kernel's largest N (no N common to all); speed-up over %s",
      tostring(base))
  end
  local c = new_chart(opts.id or "tp", "Throughput per kernel", #rows > 0 and sub or nil)
  if #rows == 0 then
    c:empty("no finite throughput values in these results")
    return c:finish()
  end
  local bx0, bx1 = 150, 520
  local vmax, bsps = -huge, nil
  for _, r in ipairs(rows) do
    vmax = max(vmax, r.sps)
    if r.name == base then bsps = r.sps end
  end
  local xa = M.linear_axis(vmax, bx0, bx1)
  local d = c.d
  local slot = min(46, (Y1 - Y0 - 16) / #rows)
  local top = Y0 + (Y1 - Y0 - slot * #rows) / 2
  local bh = slot * 0.62
  -- many kernels: smaller labels so neighbours do not overlap
  local fs = min(14, max(8, slot * 0.75))
  local fstyle = fs < 14 and format("font-size:%spx", svg.num(fs)) or nil
  draw_linear_axis(d, xa, bx0, bx1)
  for i, r in ipairs(rows) do
    local style = r.style or style_of(r.index)
    local yc = top + (i - 0.5) * slot
    local xe = xa.map(r.sps)
    local speed = bsps and r.sps / bsps
    d:open("g", { class = "bar", ["data-kernel"] = r.name, ["data-value"] = numattr(r.sps),
      ["data-n"] = numattr(r.n), ["data-speedup"] = numattr(speed) })
    d:el("rect", { x = bx0, y = yc - bh / 2, width = max(1, xe - bx0), height = bh, fill = style.color,
      ["fill-opacity"] = 0.9 })
    c:marker(bx0 - 12, yc, style, { class = "key" })
    d:el("text", { x = bx0 - 22, y = yc + fs * 0.35, ["text-anchor"] = "end", class = "lab", style = fstyle },
      truncate(r.name, 16))
    d:el("text", { x = xe + 8, y = yc + fs * 0.35, class = "lab speedup", style = fstyle },
      bar_label(r, base, speed, cn))
    d:close()
  end
  return c:finish()
end

-- Points not dominated by another (less or equal time AND error, one strictly).
local function pareto(pts)
  sort(pts, function(a, b) if a.x ~= b.x then return a.x < b.x end return a.y < b.y end)
  local front, best = {}, huge
  for _, p in ipairs(pts) do
    if p.y < best then front[#front + 1] = p; best = p.y end
  end
  return front
end
M.pareto = pareto

--- The front: error vs time for every (kernel, N) point, log-log; the Pareto
-- front (no point is both faster and more accurate) drawn as a step line.
function M.chart_front(S, opts)
  opts = opts or {}
  local field, what = error_metric(S)
  local c = new_chart(opts.id or "fr", "Accuracy vs time: the trade-off front",
    field and format("one point per kernel and N: %s%s vs median time; lower left is better", what,
      field == "rms_common" and " (seeds common to all at that N)" or ""))
  if not field then
    c:empty("no finite |error| values in these results")
    return c:finish()
  end
  local all, pts, zero = {}, {}, 0
  for _, k in ipairs(S.kernels) do
    local s = {}
    for _, p in ipairs(k.points) do
      local x, y = p.t, p[field]
      if x and y then
        if positive(x) and positive(y) then
          local q = { x = x, y = y, n = p.n, kernel = k.name, index = k.index }
          s[#s + 1] = q
          pts[#pts + 1] = q
        else
          zero = zero + 1
        end
      end
    end
    sort(s, function(a, b) return a.x < b.x end)
    all[#all + 1] = { k = k, pts = s }
  end
  if #pts == 0 then
    c:empty("no point has both a finite time and a positive |error|")
    return c:finish()
  end
  local xb = bounds(pts, "x", "x")
  local yb = bounds(pts, "y", "y")
  c:axes(log_axis(xb.min, xb.max, X0, X1), log_axis(yb.min, yb.max, Y1, Y0),
    "time per call (s)", format("%s (absolute, of pi)", what))
  local xa, ya = c.xa, c.ya
  local front = pareto(pts)
  local step = {}
  for i, p in ipairs(front) do
    local x, y = xa.map(p.x), ya.map(p.y)
    if i > 1 then step[#step + 1] = { x, step[#step][2] } end
    step[#step + 1] = { x, y }
  end
  c.d:open("g", { class = "front" })
  c:line(step, { stroke = "#888888", ["stroke-width"] = 7, ["stroke-opacity"] = 0.35,
    ["stroke-linejoin"] = "round" })
  c.d:close()
  for _, s in ipairs(all) do
    if #s.pts > 0 then
      local style = s.k.style or style_of(s.k.index)
      c:draw_series(s.pts, style, s.k.name, { metric = "front", line = false })
      c:add_legend({ kind = "marker", style = style, label = s.k.name })
    end
  end
  c.d:open("g", { class = "front-labels" })
  -- Labels go below-left of their point (by definition of the front no
  -- point lies there), or above-right where that would leave the plot. One
  -- that would overlap the previous label is left out; each N once, at its
  -- first (fastest) point on the front.
  local last, labelled = nil, {}
  for _, p in ipairs(front) do
    local x, y, anchor = xa.map(p.x) - 6, ya.map(p.y) + 15, "end"
    if x < X0 + 40 or y > Y1 - 2 then x, y, anchor = xa.map(p.x) + 8, ya.map(p.y) - 8, "start" end
    if not labelled[p.n] and not (last and abs(x - last[1]) < 44 and abs(y - last[2]) < 14) then
      labelled[p.n] = true
      c.d:el("text", { x = x, y = y, class = "note", ["text-anchor"] = anchor,
        ["data-n"] = numattr(p.n) }, "N=" .. ntext(p.n))
      last = { x, y }
    end
  end
  c.d:close()
  c:add_legend({ kind = "line", color = "#888888", width = 7, label = "Pareto front" })
  if zero > 0 then c:note(format("%s with |error| = 0 or time <= 0 not shown (log scale)", plural(zero, "point"))) end
  return c:finish()
end

return M
