-- Compare two kernels at one N: the speed-up of B over A with its 95% CI
-- (repetitions interleaved A/B, bootstrap over pairs: the summary row's
-- speedup fields, as a sentence), and whether their hit counts agree, as they
-- must for two philox kernels.
--   mcpi script scripts/compare.lua [KERNEL_A [KERNEL_B [N [REPS]]]]
-- defaults: c.scalar c.simd 1e6 15
local util = mcpi.util

local a, b = arg[1] or "c.scalar", arg[2] or "c.simd"
for _, name in ipairs{ a, b } do
  local _, err = mcpi.kernels.find(name)
  if err then util.usage("compare.lua: " .. err) end
end
local n = tonumber(arg[3] or "1e6")
if not n or n < 1 or n % 1 ~= 0 or n > 2 ^ 53 then
  util.usage(string.format("compare.lua: N must be a whole number in 1..2^53, got '%s'", tostring(arg[3])))
end
local reps = tonumber(arg[4] or "15")
if not reps or reps < 2 or reps % 1 ~= 0 or reps > 10000 then
  util.usage(string.format("compare.lua: REPS must be a whole number in 2..10000, got '%s'", tostring(arg[4])))
end

local res = mcpi.sweep{ kernels = { a, b }, n = { n }, reps = reps, seed = 1, quiet = true, baseline = a }
res:print()  -- the table, then the speed-up of b over a with its paired CI, in words

local hits = { [a] = {}, [b] = {} }
for _, r in ipairs(res.rows) do hits[r.kernel][r.rep] = r.hits end

local same, total = 0, 0
for rep, h in pairs(hits[a]) do
  if hits[b][rep] ~= nil then
    total = total + 1
    if hits[b][rep] == h then same = same + 1 end
  end
end
print(string.format("hit counts equal in %d of %d repetitions (streams: %s, %s)", same, total,
  mcpi.kernels.get(a).stream, mcpi.kernels.get(b).stream))
