-- Registers one kernel name, user.gate, backed by the C kernel named in
-- arg[1] (e.g. c.avx512 or c.scalar), measures it beside c.scalar and saves
-- the results to arg[2]: the compare tests make an old run where user.gate is
-- fast and a new one where the same name is slow.
--   mcpi script tests/data/compare_gate.lua c.avx512 old.json [N] [REPS]
local backing = mcpi.kernels.get(arg[1])
local n, reps = tonumber(arg[3] or "1e6"), tonumber(arg[4] or "8")
mcpi.kernels.register{
  name = "user.gate", stream = "philox", description = "backed by " .. arg[1],
  fn = function(n, seed) return backing.fn(n, seed) end,
}
local res = mcpi.sweep{ kernels = { "c.scalar", "user.gate" }, n = { n }, reps = reps, quiet = true,
  json = arg[2] }
assert(#res.errors == 0, res.errors[1])
