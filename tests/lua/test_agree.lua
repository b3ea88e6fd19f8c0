--- test_agree.lua: mcpi.agree finds philox kernels that disagree on hits at
-- the same (n, seed), and says so in one sentence when they all agree.
local T = dofile("tests/harness.lua")
local agree = require "mcpi.agree"

local function row(k, n, seed, hits, stream)
  return { kernel = k, n = n, seed = seed, hits = hits, stream = stream or "philox" }
end

T.test("equal hits: agreement, points and comparisons counted", function()
  local a = agree.philox{
    row("c.scalar", 100, 1, 78ULL), row("py.numba", 100, 1, "78"), row("py.jax", 100, 1, 78),
    row("c.scalar", 100, 2, 80ULL), row("py.numba", 1000, 2, "790"),
    row("lua.jit", 100, 1, 12, "lua-random"),
    { kernel = "py.tf", n = 100, seed = 1, hits = 5, stream = "philox", row = "summary" },
  }
  T.eq(#a.mismatches, 0)
  T.eq(table.concat(a.kernels, ","), "c.scalar,py.jax,py.numba")
  T.eq(a.points, 3)
  T.eq(a.shared, 2)
  T.ok(agree.line(a):find("3 philox kernels %(c.scalar, py.jax, py.numba%) drew the same samples"))
end)

T.test("a differing count is named with both kernels", function()
  local a = agree.philox{ row("c.scalar", 10, "18446744073709551615", 7ULL), row("py.tf", 10, "18446744073709551615", "8") }
  T.eq(#a.mismatches, 1)
  T.eq(a.mismatches[1], "py.tf: 8 hits at N = 10, seed 18446744073709551615; c.scalar: 7")
  T.ok(agree.line(a):find("did NOT draw the same samples %(1 hit counts differ%)"))
end)

T.test("one philox kernel, or none: nothing to say", function()
  T.eq(agree.line(agree.philox{ row("c.scalar", 10, 1, 7) }), "")
  T.eq(agree.line(agree.philox{}), "")
  T.eq(agree.line(agree.philox(nil)), "")
end)

T.test("identical: groups per stream, conflicts named, no shared point no group", function()
  local groups, conflicts = agree.identical{
    row("c.scalar", 100, 1, 78ULL), row("py.numba", 100, 1, "78"), row("py.tf", 100, 1, 79),
    row("c.scalar", 1000, 2, 790), row("py.numba", 1000, 2, 790ULL),
    row("lua.jit", 100, 1, 12, "lua-random"), row("lua.interp", 100, 1, 12, "lua-random"),
    row("np.random", 100, 1, 12, "numpy-mt"), row("py.other", 100, 7, 12, "numpy-mt"),
    { kernel = "py.jax", n = 100, seed = 1, hits = 5, stream = "philox", row = "summary" },
  }
  T.eq(#groups, 2)
  T.eq(table.concat(groups[1], ","), "lua.interp,lua.jit")   -- streams in name order
  T.eq(table.concat(groups[2], ","), "c.scalar,py.numba")
  -- py.tf differs from the group's first kernel (py.numba, placed in the
  -- group, is not compared again)
  T.eq(#conflicts, 1)
  T.eq(conflicts[1].a .. ">" .. conflicts[1].b .. "@" .. conflicts[1].n .. "/" .. conflicts[1].seed, "c.scalar>py.tf@100/1")
  local g = agree.identical{}
  T.eq(#g, 0)
end)

T.done()
