-- Compare two kernels at one N: the ratio of their median times with a 95%
-- bootstrap CI (resampling each kernel's repetitions independently), and
-- whether their hit counts agree, as they must for two philox kernels.
--   mcpi script scripts/compare.lua [KERNEL_A [KERNEL_B [N [REPS]]]]
-- defaults: c.scalar c.simd 1e6 15
local util = mcpi.util
local stats = mcpi.stats

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
res:print()

local secs, hits = { [a] = {}, [b] = {} }, { [a] = {}, [b] = {} }
for _, r in ipairs(res.rows) do
  secs[r.kernel][#secs[r.kernel] + 1] = r.seconds
  hits[r.kernel][r.rep] = r.hits
end
if #secs[a] == 0 or #secs[b] == 0 then util.usage("compare.lua: a kernel produced no repetitions") end

-- Bootstrap the ratio median(a) / median(b): > 1 means b is faster.
local rng = stats.rng(20240229)
local ratios, ra, rb = {}, {}, {}
for i = 1, 2000 do
  for j = 1, #secs[a] do ra[j] = secs[a][rng:int(#secs[a])] end
  for j = 1, #secs[b] do rb[j] = secs[b][rng:int(#secs[b])] end
  ratios[i] = stats.median(ra) / stats.median(rb)
end
local ratio = stats.median(secs[a]) / stats.median(secs[b])
local lo, hi = stats.quantile(ratios, 0.025), stats.quantile(ratios, 0.975)
print(string.format("\n%s / %s median time at N=%s: %.3f (95%% CI %.3f-%.3f)%s", a, b,
  mcpi.output.count(n), ratio, lo, hi,
  (lo > 1 and string.format(": %s is faster", b)) or (hi < 1 and string.format(": %s is faster", a))
    or ": no significant difference"))

local same, total = 0, 0
for rep, h in pairs(hits[a]) do
  if hits[b][rep] ~= nil then
    total = total + 1
    if hits[b][rep] == h then same = same + 1 end
  end
end
print(string.format("hit counts equal in %d of %d repetitions (streams: %s, %s)", same, total,
  mcpi.kernels.get(a).stream, mcpi.kernels.get(b).stream))
