-- Benchmarks the device kernels beside c.threads on the same machine: ocl.philox (PoCL on the CPU here), cuda.philox where a GPU is; writes results/bench/devices.json.
-- Run: make bench, or mcpi script tests/bench/devices.lua [REPS] [N]. Each
-- repetition runs every kernel once, in rotating order (drift hits all alike);
-- the figure is the median ns/sample with a bootstrap 95% CI, and the ratio
-- to c.threads with its CI. ocl.philox on PoCL runs on the same cores as
-- c.threads, so the ratio is what the OpenCL route costs there. A kernel that
-- is unavailable is listed with its reason. Hits must equal c.threads' (the
-- benchmark fails otherwise). The machine may be shared: compare ratios of
-- one run, not absolute figures across runs.
local stats = mcpi.stats
local kernels = mcpi.kernels
local json = require "mcpi.json"
local C = mcpi.capi
local util = mcpi.util

local REPS = tonumber(arg[1] or os.getenv("MCPI_BENCH_REPS") or "7")
local N = tonumber(arg[2] or "1e8")
if not REPS or REPS < 3 or REPS % 1 ~= 0 then util.usage("devices bench: REPS must be a whole number >= 3") end
if not N or N < 1 or N % 1 ~= 0 or N > 2 ^ 53 then util.usage("devices bench: N must be a whole number in 1..2^53") end

local names = { "c.threads", "ocl.philox", "cuda.philox" }
local run, skipped = {}, {}
for _, name in ipairs(names) do
  local k = kernels.get(name)
  local ok, why = k.available()
  if ok then
    k.start()
    run[#run + 1] = k
  else
    skipped[#skipped + 1] = { kernel = name, why = why }
  end
end

-- One timed call: the kernel's own seconds where it reports them (device
-- kernels: the host's clock around the launches), else the clock around fn.
local function once(k, seed)
  if k.call and k.kind == "call" then
    local hits, m = k.call(N, seed, nil, 1)
    return hits, m.seconds, m.device_seconds
  end
  local t0 = C.mcpi_clock_ns()
  local hits = k.fn(N, seed)
  return hits, tonumber(C.mcpi_clock_ns() - t0) * 1e-9
end

for _, k in ipairs(run) do once(k, 1) end  -- warm-up (program builds, thread start)
local secs, dev, hits = {}, {}, {}
for _, k in ipairs(run) do secs[k.name], dev[k.name], hits[k.name] = {}, {}, {} end
for r = 1, REPS do
  for i = 0, #run - 1 do
    local k = run[(r + i) % #run + 1]
    local h, s, d = once(k, r)
    secs[k.name][r], hits[k.name][r] = s, h
    if d then dev[k.name][#dev[k.name] + 1] = d end
  end
end

local base = secs["c.threads"]
local rng = stats.rng(4242)
local rows, bad = {}, 0
print(string.format("%-12s %6s %10s %17s %9s %17s %s", "KERNEL", "N", "NS/SAMPLE", "95% CI", "VS c.thr",
  "95% CI", "DEVICE NS/SAMPLE"))
for _, k in ipairs(run) do
  local s = secs[k.name]
  local med = stats.median(s)
  local lo, hi = stats.bootstrap_ci(s, "median", { seed = 7 })
  local ratios, a, b = {}, {}, {}
  for i = 1, 2000 do
    for j = 1, #s do a[j] = s[rng:int(#s)] end
    for j = 1, #base do b[j] = base[rng:int(#base)] end
    ratios[i] = stats.median(a) / stats.median(b)
  end
  local same = true
  for r = 1, REPS do if hits[k.name][r] ~= hits["c.threads"][r] then same = false end end
  if not same then bad = bad + 1 end
  local dmed = #dev[k.name] > 0 and stats.median(dev[k.name]) / N * 1e9 or nil
  local row = { kernel = k.name, n = N, reps = REPS, ns_per_sample = med / N * 1e9,
    ns_ci_lo = lo / N * 1e9, ns_ci_hi = hi / N * 1e9, ratio_to_c_threads = med / stats.median(base),
    ratio_lo = stats.quantile(ratios, 0.025), ratio_hi = stats.quantile(ratios, 0.975),
    device_ns_per_sample = dmed, hits_equal_c_threads = same, info = k.info }
  rows[#rows + 1] = row
  print(string.format("%-12s %6s %10.3f %8.3f-%-8.3f %8.2fx %8.2f-%-8.2f %s%s", k.name,
    mcpi.output.count(N), row.ns_per_sample, row.ns_ci_lo, row.ns_ci_hi, row.ratio_to_c_threads,
    row.ratio_lo, row.ratio_hi, dmed and string.format("%.3f", dmed) or "-",
    same and "" or "  HITS DIFFER"))
end
for _, s in ipairs(skipped) do print(string.format("%-12s unavailable: %s", s.kernel, s.why)) end
local out = (os.getenv("RESULTS") or "results/bench") .. "/devices.json"
os.execute("mkdir -p " .. out:match("^(.*)/"))
json.write_file(out, json.encode({ schema = "mcpi-bench-devices/1", context = mcpi.context.collect(),
  rows = rows, unavailable = skipped }))
print("wrote " .. out)
kernels.stop_all()
if bad > 0 then os.exit(1) end
