-- mcpi.output: the terminal table and CSV.
local T = dofile("tests/harness.lua")
local output = require "mcpi.output"

local SUMMARY = {
  { row = "summary", kernel = "c.scalar", n = 1000000, reps = 5, seconds_median = 8e-3,
    seconds_ci_lo = 7.9e-3, seconds_ci_hi = 8.2e-3, ns_per_sample_median = 8,
    samples_per_s_median = 1.25e8, abs_err_median = 1e-3, rms_err = 1.5e-3, sigma_theory = 1.64e-3, outliers = 1 },
  { row = "summary", kernel = "c.simd", n = 1000000, reps = 5, seconds_median = 2e-3,
    seconds_ci_lo = 1.9e-3, seconds_ci_hi = 2.1e-3, ns_per_sample_median = 2,
    samples_per_s_median = 5e8, abs_err_median = 1e-3, rms_err = 1.5e-3, sigma_theory = 1.64e-3, outliers = 0 },
}

T.rows("time units", {
  { 5e-9, "5.0 ns" }, { 3.21e-6, "3.21 us" }, { 0.0456, "45.60 ms" }, { 1.2345, "1.234 s" }, { 0 / 0, "-" },
}, function(row) T.eq(output.time(row[1]), row[2]) end)

T.rows("counts", { { 10, "10" }, { 1e6, "1e6" }, { 2.5e6, "2.5e+06" }, { 99999, "99999" } },
  function(row) T.eq(output.count(row[1]), row[2]) end)

T.test("table: aligned columns, units, relative column, CI", function()
  local text = output.table(SUMMARY, { baseline = "c.scalar" })
  local lines = {}
  for l in text:gmatch("[^\n]+") do lines[#lines + 1] = l end
  T.eq(#lines, 3)
  T.ok(lines[1]:find("VS c.scalar", 1, true), lines[1])
  T.ok(lines[1]:find("95% CI", 1, true))
  T.ok(lines[2]:find("8.00 ms", 1, true), lines[2])
  T.ok(lines[2]:find("7.90-8.20 ms", 1, true), lines[2])
  T.ok(lines[2]:find("1.00x", 1, true))
  T.ok(lines[3]:find("4.00x", 1, true), "c.simd is 4x faster: " .. lines[3])
  T.ok(lines[3]:find("500.0 M/s", 1, true))
  -- right-aligned numeric columns end at the same place
  local e1 = select(2, lines[2]:find("1e6"))
  local e2 = select(2, lines[3]:find("1e6"))
  T.eq(e1, e2, "N column aligned")
  T.eq(output.table({}), "(no results)\n")
  T.raises("summary must be a list", output.table, 5)
end)

T.test("table: baseline missing at an N shows '-'", function()
  local t = output.table({ SUMMARY[2] }, { baseline = "c.scalar" })
  T.ok(t:find("  %-  "), t)
end)

T.test("csv: header with every field, rows in order, quoting, non-finite", function()
  local rows = {
    { row = "rep", kernel = "c.scalar", n = 10, seed = 2 ^ 60 + 1ULL, seconds = 0.1, note = 'a,"b"' },
    { row = "rep", kernel = "c.simd", n = 10, z = 0 / 0, seconds = math.huge, flag = true },
  }
  local text = output.csv(rows, { "row", "kernel", "n", "seed", "seconds" })
  local lines = {}
  for l in text:gmatch("[^\n]+") do lines[#lines + 1] = l end
  T.eq(#lines, 3)
  T.eq(lines[1], "row,kernel,n,seed,seconds,flag,note,z")
  T.eq(lines[2], 'rep,c.scalar,10,1152921504606846977,0.10000000000000001,,"a,""b""",')
  T.eq(lines[3], "rep,c.simd,10,,inf,true,,nan")
  T.raises("rows must be a list", output.csv, "x")
  T.raises("rows[1] must be a table", output.csv, { 5 })
end)

T.test("fits text names exponents and r2", function()
  local t = output.fits({ { kernel = "k", metric = "seconds", a = 1e-8, b = 1.0, r2 = 0.999, n_points = 9 },
    { kernel = "k", metric = "abs_err", a = 1.6, b = -0.5, r2 = 0.98, n_points = 9 } })
  T.ok(t:find("1.000  ", 1, true) and t:find("N^-0.500", 1, true) and t:find("0.9800 (9 pts)", 1, true), t)
  T.eq(output.fits({}), "")
  T.eq(output.fits({ 5, { kernel = "k" } }), "", "entries that are not fits are left out")
end)

T.test("fits text: the affine time model, cost per sample in ns with its interval", function()
  local t = output.fits({
    { kernel = "k", metric = "seconds", model = "affine", t0 = 2.5e-7, c = 6.1e-10, c_lo = 6.0e-10,
      c_hi = 6.2e-10, r2 = 0.9991, n_points = 9 },
    { kernel = "k", metric = "seconds", model = "power", a = 1e-8, b = 0.85, r2 = 0.98, n_points = 9 },
    { kernel = "k2", metric = "seconds", model = "affine", t0 = 1e-6, c = 4e-9, c_lo = 0 / 0,
      c_hi = 0 / 0, r2 = 1, n_points = 2 } })
  T.ok(t:find("\nk   +250%.0 ns +0%.61 +0%.6%-0%.62 +0%.9991 +0%.850 +%- +%-\n"), t)
  T.ok(not t:find("\nk2 ", 1, true), "no fit from two points (issue 9.4): " .. t)
end)

T.done()
