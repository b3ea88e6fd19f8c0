-- Demonstrates a user kernel written in Lua: register it under a name and use it like a built-in one.
-- Run: mcpi script scripts/custom_lua_kernel.lua [N]
local kernels = mcpi.kernels
local philox = mcpi.philox
local util = mcpi.util
local C = mcpi.capi

local n = tonumber(arg[1] or "1000000")

-- A quasi-Monte Carlo kernel: point i is (frac(i*a), frac(i*b)), the R2
-- low-discrepancy sequence, starting at i = seed; its error shrinks about
-- like 1/n instead of 1/sqrt(n). It polls SIGINT once per chunk, as the
-- built-in Lua kernels do: compiled traces never see the interrupt hook.
local A, B = 0.7548776662466927, 0.5698402909980532  -- R2 sequence (plastic number)
local CHUNK = 65536
local function weyl(n, seed)
  local total, done = 0, 0
  local offset = tonumber(seed)
  n = tonumber(n)
  while done < n do
    if C.mcpi_signal_pending() ~= 0 then util.interrupted() end
    local m = math.min(CHUNK, n - done)
    local hits = 0
    for i = done + offset, done + offset + m - 1 do
      local x, y = (i * A) % 1, (i * B) % 1
      hits = hits + (x * x + y * y < 1 and 1 or 0)
    end
    total, done = total + hits, done + m
  end
  return total
end

kernels.register{
  name = "user.weyl", stream = "r2-weyl",
  description = "quasi-Monte Carlo: the R2 low-discrepancy sequence, in Lua",
  fn = weyl,
}

-- A kernel may also reuse the philox stream: then it must agree with c.simd.
kernels.register{
  name = "user.philox", stream = "philox",
  description = "mcpi.philox.count from sample 0",
  fn = function(n, seed) return philox.count(seed, 0, n) end,
}

for _, name in ipairs{ "user.weyl", "user.philox", "c.simd" } do
  local k = kernels.get(name)
  local h = k.fn(n, 1)
  local pi_hat = 4 * tonumber(h) / n
  print(string.format("%-12s %-8s hits %-9s pi ~ %.7f  |err| %.2e", name, k.stream,
    util.u64str(h), pi_hat, math.abs(pi_hat - math.pi)))
end
assert(kernels.get("user.philox").fn(n, 1) == kernels.get("c.simd").fn(n, 1),
  "user.philox and c.simd draw the same samples")
