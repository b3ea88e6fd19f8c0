-- Charts that cannot mislead (issue 9.3): a colour and marker per kernel
-- name, stable across charts and runs and never shared in one chart;
-- colours visible on white; coincident series drawn once and labelled; the
-- front compares like with like and labels each N once; speed-ups on a
-- linear axis; marked points ringed.
local T = dofile("tests/harness.lua")
local plot = require "mcpi.plot"
local style = require "mcpi.style"
local results = require "mcpi.results"

local PHILOX = { "c.scalar", "c.avx2", "c.avx512", "c.simd", "c.threads", "lua.philox", "lua.array" }
local RANDOM = { "lua.jit", "lua.interp" }

-- A results object: kernels over N = 1e3, 1e5, 1e7; the philox kernels
-- draw the same hits per (N, seed); reps differ per kernel (3 or 8), as the
-- adaptive plan gives them; speed factor by position.
local function make(names, opts)
  opts = opts or {}
  local rows, summary = {}, {}
  for i, k in ipairs(names) do
    local philox = k:match("^c%.") or k == "lua.philox" or k == "lua.array"
    local reps = (i % 2 == 0) and 8 or 3
    for _, n in ipairs{ 1e3, 1e5, 1e7 } do
      local runs = {}
      for r = 0, reps - 1 do
        local seed = 1 + r
        local u = ((seed * 7919 + n) % 1000) / 1000 - 0.5
        if not philox then u = ((seed * 104729 + n + 397 * i) % 997) / 997 - 0.5 end
        local hits = math.floor(n * math.pi / 4 + u * 2 * math.sqrt(n))
        local est = 4 * hits / n
        local row = { row = "rep", kernel = k, stream = philox and "philox" or "lua-random", n = n,
          seed = seed, rep = r, hits = hits, estimate = est, abs_err = math.abs(est - math.pi),
          seconds = (1e-7 + n * 1e-9 * i) * (1 + 0.01 * r), threads = 1 }
        row.samples_per_s = n / row.seconds
        rows[#rows + 1] = row
        runs[#runs + 1] = row
      end
      local s = results.summary_row(runs, nil, { seed = 1 })
      if opts.mark and k == opts.mark and n == 1e5 then s.jit_mark, s.jit_note = "interpreted", opts.note end
      summary[#summary + 1] = s
    end
  end
  return results.new{ schema = "mcpi/1", rows = rows, summary = summary, fits = results.fits(summary) }
end

local function charts_of(res)
  local list = assert(plot.charts(res, { baseline = "c.scalar" }))
  local by = {}
  for _, c in ipairs(list) do by[c.name] = c.svg end
  return by
end

-- kernel -> "colour marker" of every series or bar in a chart's SVG.
local function styles_in(svgtext)
  local out = {}
  for kind, attrs, body in svgtext:gmatch('<g class="(%a+)" ([^>]*)>(.-)</g>') do
    if kind == "series" or kind == "bar" then
      local k = attrs:match('data%-kernel="([^"]+)"')
      local m, fill = body:match('<use xlink:href="#[^"]-%-m(%d+)"[^>]-fill="(#%x+)"')
      if not m then m = body:match('<use[^>]-%-m(%d+)"'); fill = body:match('fill="(#%x+)"') end
      if k and m and not out[k] then out[k] = fill .. " " .. m end
    end
  end
  return out
end

local ALL = {}
for _, k in ipairs(PHILOX) do ALL[#ALL + 1] = k end
for _, k in ipairs(RANDOM) do ALL[#ALL + 1] = k end

T.test("no two kernels in one chart share colour and marker (every chart kind)", function()
  local by = charts_of(make(ALL))
  for _, name in ipairs{ "time_all.svg", "error_all.svg", "throughput.svg", "front.svg" } do
    local seen, n = {}, 0
    for k, st in pairs(styles_in(by[name])) do
      T.ok(not seen[st], name .. ": " .. k .. " shares " .. st .. " with " .. tostring(seen[st]))
      seen[st] = k
      n = n + 1
    end
    T.ok(n >= 2, name .. " has series")
  end
  -- hashed names that collide are moved apart
  local names = {}
  for i = 1, 50 do names[i] = "user.k" .. i end  -- 56 pairs in all
  local st, seen = style.assign(names), {}
  for _, n in ipairs(names) do
    local key = st[n].color .. st[n].marker
    T.ok(not seen[key], "assign: " .. n .. " collides with " .. tostring(seen[key]))
    seen[key] = n
  end
end)

T.test("a kernel's colour and marker are stable across two kernel sets", function()
  local a = styles_in(charts_of(make(ALL))["time_all.svg"])
  local b = styles_in(charts_of(make({ "lua.jit", "user.mine", "c.scalar" }))["time_all.svg"])
  local c = styles_in(charts_of(make({ "user.mine", "lua.philox", "c.scalar", "lua.jit" }))["time_all.svg"])
  T.eq(b["lua.jit"], a["lua.jit"], "lua.jit")
  T.eq(b["c.scalar"], a["c.scalar"], "c.scalar")
  T.eq(c["lua.philox"], a["lua.philox"], "lua.philox")
  T.eq(c["user.mine"], b["user.mine"], "a user kernel, by its name's hash")
end)

T.test("every colour shows on white (contrast >= 3:1), no #F0E442", function()
  for _, c in ipairs(style.COLORS) do
    T.ok(style.contrast(c) >= 3, c .. " contrast " .. style.contrast(c))
  end
  local by = charts_of(make(ALL))
  for name, text in pairs(by) do
    T.ok(not text:upper():find("#F0E442", 1, true), name .. " uses #F0E442")
  end
end)

T.test("coincident series: drawn once, labelled with every name, and why", function()
  local text = charts_of(make(ALL))["error_all.svg"]
  local groups = 0
  for attrs in text:gmatch('<g class="series" ([^>]*)>') do
    groups = groups + 1
    local ks = attrs:match('data%-kernels="([^"]+)"')
    if ks and ks:find(" ") then
      for _, k in ipairs(PHILOX) do T.ok(ks:find(k, 1, true), "group holds " .. k) end
    end
  end
  T.eq(groups, 3, "one series for the 7 philox kernels, one each for lua.jit and lua.interp")
  T.ok(text:find("coincide exactly (the same samples", 1, true), "note says why")
  for _, k in ipairs(PHILOX) do T.ok(text:find(k, 1, true), k .. " named") end
end)

T.test("front: like with like (same seeds per N), each N labelled once", function()
  local text = charts_of(make(ALL))["front.svg"]
  local count = {}
  local labels = text:match('<g class="front%-labels">(.-)</g>')
  for n in labels:gmatch('data%-n="([^"]+)"') do
    count[n] = (count[n] or 0) + 1
  end
  local any = false
  for n, c in pairs(count) do any = true; T.eq(c, 1, "N = " .. n .. " labelled once") end
  T.ok(any, "labels")
  -- the philox kernels' error at one N is one value (3 common seeds), not 3 vs 8 reps
  local ys = {}
  for attrs in text:gmatch('<use ([^>]*data%-n="1000"[^>]*)>') do
    local y = attrs:match('data%-y="([^"]+)"')
    if y then ys[y] = true end
  end
  local distinct = 0
  for _ in pairs(ys) do distinct = distinct + 1 end
  T.eq(distinct, 3, "three error values at N = 1000: philox, lua.jit, lua.interp")
end)

T.test("throughput: a linear axis, bar lengths proportional to samples/s", function()
  local text = charts_of(make(ALL))["throughput.svg"]
  T.ok(text:find('<g class="axis x"[^>]*data%-scale="linear"'), "linear axis")
  local w = {}
  for attrs, body in text:gmatch('<g class="bar" ([^>]*)>(.-)</g>') do
    w[attrs:match('data%-kernel="([^"]+)"')] = { tonumber(attrs:match('data%-value="([^"]+)"')),
      tonumber(body:match('<rect[^>]-width="([%d.]+)"')) }
  end
  local a, b = w["c.scalar"], w["lua.interp"]
  T.near(a[2] / b[2], a[1] / b[1], 0.02 * a[1] / b[1], "width ratio = value ratio")
end)

T.test("marked points are ringed, with a legend entry and a note", function()
  local text = charts_of(make(ALL, { mark = "lua.jit" }))["time_all.svg"]
  local rings = 0
  for _ in text:gmatch('class="mark"') do rings = rings + 1 end
  T.eq(rings, 1)
  T.ok(text:find('class="mark" [^>]*data%-kernel="lua.jit" data%-n="100000"'), "the right point")
  T.ok(text:find("1 point ringed", 1, true), "note")
  local named = charts_of(make(ALL, { mark = "lua.jit", note = "lua.jit at N=1e5: 97% interpreted" }))
  T.ok(named["time_lua.jit.svg"]:find("note: ringed: lua.jit at N=1e5: 97% interpreted", 1, true),
    "a chart with one or two marked points names them")
end)

if os.getenv("DUMP_SVG") then
  for name, text in pairs(charts_of(make(ALL, { mark = "lua.jit" }))) do
    local fh = io.open(os.getenv("DUMP_SVG") .. "/" .. name, "w"); fh:write(text); fh:close()
  end
end
T.done()
