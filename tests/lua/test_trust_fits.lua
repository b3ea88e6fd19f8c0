-- Honest fits (issue 9.4): none from fewer than 3 points, no negative fixed
-- cost printed as a value, R2 and intervals only where they mean something.
local T = dofile("tests/harness.lua")
local results = require "mcpi.results"
local output = require "mcpi.output"
local stats = require "mcpi.stats"
local plot = require "mcpi.plot"

local function srow(k, n, t) return { row = "summary", kernel = k, n = n, seconds_median = t, rms_err = 1.64 / math.sqrt(n) } end

T.test("no fit from two N", function()
  local fits = results.fits{ srow("k.a", 10, 1e-6), srow("k.a", 1e6, 1e-3) }
  T.eq(#fits, 0)
end)

T.test("a negative free t0 is held at 0 and never printed as a value", function()
  -- time grows faster than N: the free affine fit gives t0 < 0
  local rows = {}
  for _, n in ipairs{ 10, 100, 1000, 1e4, 1e5 } do rows[#rows + 1] = srow("k.neg", n, 1e-9 * n ^ 1.1) end
  local free = stats.affine_fit({ 10, 100, 1000, 1e4, 1e5 }, { 1e-9 * 10 ^ 1.1, 1e-9 * 100 ^ 1.1,
    1e-9 * 1000 ^ 1.1, 1e-9 * 1e4 ^ 1.1, 1e-9 * 1e5 ^ 1.1 })
  T.ok(free.t0 < 0, "the free fit's t0 is negative: " .. free.t0)
  local fits = results.fits(rows)
  local a
  for _, f in ipairs(fits) do if f.model == "affine" then a = f end end
  T.eq(a.t0, 0)
  T.eq(a.t0_constrained, true)
  T.ok(a.c > 0 and a.c_lo <= a.c and a.c <= a.c_hi, "c and its interval")
  local text = output.fits(fits)
  T.ok(text:find("0 (held)", 1, true), text)
  T.ok(not text:find("%-%d+%.%d+ ns"), "no negative time in " .. text)
end)

T.test("a t0 whose interval includes 0 is shown as not significant", function()
  local rows = {}
  local noise = { 1.3, 0.8, 1.1, 0.9, 1.0 }
  for i, n in ipairs{ 10, 100, 1000, 1e4, 1e5 } do rows[#rows + 1] = srow("k.ns", n, (2e-9 + 1e-9 * n) * noise[i]) end
  local fits = results.fits(rows)
  for _, f in ipairs(fits) do
    if f.model == "affine" and not f.t0_constrained then
      T.eq(f.t0_significant, false)
      T.ok(output.fits(fits):find("(n.s.)", 1, true), "n.s. printed")
    end
  end
end)

T.test("an older file's two-point fits are not shown (table, report, charts)", function()
  local res = results.new{ schema = "mcpi/1", summary = { srow("k.a", 10, 1e-6), srow("k.a", 1e6, 1e-3) },
    rows = {}, fits = { { kernel = "k.a", metric = "seconds", model = "affine", t0 = -8.6e-7, c = 1e-9,
      c_lo = 0 / 0, c_hi = 0 / 0, r2 = 1, n_points = 2 },
      { kernel = "k.a", metric = "seconds", model = "power", a = 1e-7, b = 0.75, r2 = 1, n_points = 2 } } }
  local text = res:table()
  T.ok(not text:find("1.0000", 1, true), "no R2 of 1 from two points")
  T.ok(not text:find("n/a", 1, true), "no empty interval")
  local html = require("mcpi.report").html(res)
  T.ok(not html:find("n/a&#8211;n/a", 1, true) and not html:find("<td>1.0000</td>", 1, true), "report")
  local charts = plot.charts(res)
  for _, c in ipairs(charts) do
    T.ok(not c.svg:find('class="fit"', 1, true), c.name .. " draws no fit")
  end
end)

T.done()
