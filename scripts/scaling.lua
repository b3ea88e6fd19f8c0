-- Strong and weak scaling of a philox kernel over MPI ranks: speed-up and efficiency against K with 95% CIs.
--   mcpi scripts/scaling.lua [KERNEL] [--ranks 1,2,4] [-n N] [--weak-n N] [--reps R]
--        [--seed S] [--hostfile FILE] [--mpirun 'CMD'] [--out PREFIX]
-- For each K it runs `MPIRUN -np K mcpi run KERNEL -n N ...` (strong: the same
-- N for every K; weak: N = weak-n * K) and reads the results file back. A
-- call's time is the slowest rank's, barrier to reduction (mcpi.mpi).
-- Speed-up = median T(1) / median T(K) (weak: K * T(1) / T(K), the scaled
-- speed-up); efficiency = speed-up / K; CIs by bootstrap, resampling both
-- medians' repetitions independently. Strong scaling also checks that every
-- K gave the same hits, as the philox stream promises.
-- Writes PREFIX.json, PREFIX_speedup.svg and PREFIX_efficiency.svg
-- (default PREFIX: results/scaling). Defaults: c.simd, K = 1, 2, 4 up to the
-- online cores (at least 1, 2), -n 1e9, --weak-n = N / max K, --reps 5.
-- MPIRUN: $MCPI_MPIRUN, else `mpirun --oversubscribe` (plus
-- --allow-run-as-root for root); across machines give --hostfile FILE.
local util, stats = mcpi.util, mcpi.stats
local chart, json = require "mcpi.chart", require "mcpi.json"
local format = string.format

-- -- Options --------------------------------------------------------------------

local function parse(args)
  local o = { kernel = "c.simd", n = 1e9, reps = 5, seed = 1, out = "results/scaling" }
  local i = 1
  local function value(name)
    i = i + 1
    if args[i] == nil then util.usage(format("scaling.lua: %s needs a value", name)) end
    return args[i]
  end
  local function count(name, v, lo, hi)
    local x = tonumber(v)
    if not x or x % 1 ~= 0 or x < lo or x > hi then
      util.usage(format("scaling.lua: %s must be a whole number in %s..%s, got '%s'", name,
        util.fmtnum(lo), util.fmtnum(hi), v))
    end
    return x
  end
  while args[i] do
    local a = args[i]
    if a == "-n" then o.n = count("-n", value(a), 1, 2 ^ 53)
    elseif a == "--weak-n" then o.weak_n = count("--weak-n", value(a), 1, 2 ^ 53)
    elseif a == "--reps" then o.reps = count("--reps", value(a), 2, 1000)
    elseif a == "--seed" then o.seed = value(a)
    elseif a == "--hostfile" then o.hostfile = value(a)
    elseif a == "--mpirun" then o.mpirun = value(a)
    elseif a == "--out" then o.out = value(a)
    elseif a == "--ranks" then
      o.ranks = {}
      for k in value(a):gmatch("[^,]+") do o.ranks[#o.ranks + 1] = count("--ranks", k, 1, 4096) end
    elseif a:sub(1, 1) == "-" then
      util.usage(format("scaling.lua: unknown option '%s' (see the comment at the top of scripts/scaling.lua)", a))
    else o.kernel = a end
    i = i + 1
  end
  local k, err = mcpi.kernels.find(o.kernel)
  if not k then util.usage("scaling.lua: " .. err) end
  if k.stream ~= "philox" then
    util.usage(format("scaling.lua: %s draws the %s stream; only philox kernels split over ranks", o.kernel, k.stream))
  end
  if not o.ranks then
    local cores = math.max(2, mcpi.capi.mcpi_threads_online())
    o.ranks = {}
    local r = 1
    while r <= cores do o.ranks[#o.ranks + 1] = r; r = r * 2 end
  end
  table.sort(o.ranks)
  if o.ranks[1] ~= 1 then table.insert(o.ranks, 1, 1) end  -- K = 1 is the yardstick
  o.weak_n = o.weak_n or math.max(1, math.floor(o.n / o.ranks[#o.ranks]))
  return o
end

-- -- Running mcpi under mpirun ----------------------------------------------------

local function sh_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function mpirun_cmd(o)
  if o.mpirun then return o.mpirun end
  local env = os.getenv("MCPI_MPIRUN")
  if env and env ~= "" then return env end
  local root = io.popen("id -u 2>/dev/null"):read("*l") == "0"
  return "mpirun --oversubscribe" .. (root and " --allow-run-as-root" or "")
end

-- This mcpi: argv[0] as started (a path, or a name found on PATH).
local function self_path()
  return arg[-1] or "mcpi"
end

-- One K: mpirun ... mcpi run; returns the summary row, the rep rows and the
-- context of the results file.
local function run_point(o, mode, k, n, tmp)
  local file = format("%s/%s_%d.json", tmp, mode, k)
  local cmd = format("%s -np %d%s %s run %s -n %s --reps %d --warmup 1 --seed %s --json %s --quiet --no-progress >%s.log 2>&1",
    mpirun_cmd(o), k, o.hostfile and (" --hostfile " .. sh_quote(o.hostfile)) or "",
    sh_quote(self_path()), sh_quote(o.kernel), format("%.0f", n), o.reps, sh_quote(o.seed),
    sh_quote(file), file)
  io.stderr:write(format("scaling: %s K=%d N=%s\n", mode, k, mcpi.output.count(n)))
  local ok = os.execute(cmd)
  if ok ~= 0 and ok ~= true then
    local log = io.open(file .. ".log")
    local text = log and log:read("*a") or ""
    if log then log:close() end
    io.stderr:write(text)  -- what mpirun and the ranks said, then one line for the exit
    mcpi.errors.experiment(format("scaling.lua: %s K=%d failed (%s)", mode, k, cmd))
  end
  local res = mcpi.load(file)
  local reps = {}
  for _, r in ipairs(res.rows) do if r.row == "rep" then reps[#reps + 1] = r end end
  return res.summary[1], reps, res.context
end

-- -- Statistics -----------------------------------------------------------------

-- Speed-up median(t1)/median(tk) * scale with a bootstrap 95% CI.
local function speedup(t1, tk, scale, seed)
  local rng = stats.rng(seed)
  local ratios, a, b = {}, {}, {}
  for i = 1, 2000 do
    for j = 1, #t1 do a[j] = t1[rng:int(#t1)] end
    for j = 1, #tk do b[j] = tk[rng:int(#tk)] end
    ratios[i] = scale * stats.median(a) / stats.median(b)
  end
  return scale * stats.median(t1) / stats.median(tk), stats.quantile(ratios, 0.025),
    stats.quantile(ratios, 0.975)
end

local function column(rows, f)
  local t = {}
  for i, r in ipairs(rows) do t[i] = r[f] end
  return t
end

local function hits_key(reps)
  local t = {}
  for _, r in ipairs(reps) do t[#t + 1] = tostring(r.seed) .. ":" .. tostring(r.hits) end
  table.sort(t)
  return table.concat(t, ",")
end

local function measure(o, mode, tmp)
  local rows, t1, hits1 = {}, nil, nil
  for _, k in ipairs(o.ranks) do
    local n = mode == "strong" and o.n or o.weak_n * k
    local sum, reps, ctx = run_point(o, mode, k, n, tmp)
    local secs = column(reps, "seconds")
    t1 = t1 or secs
    local scale = mode == "strong" and 1 or k
    local s, lo, hi = speedup(t1, secs, scale, 1000 + k)
    local mpi = ctx.mpi or {}
    rows[#rows + 1] = {
      mode = mode, ranks = k, n = n, reps = #secs, seconds_median = sum.seconds_median,
      seconds_ci_lo = sum.seconds_ci_lo, seconds_ci_hi = sum.seconds_ci_hi,
      ns_per_sample = sum.ns_per_sample_median, speedup = s, speedup_lo = lo, speedup_hi = hi,
      efficiency = s / k, efficiency_lo = lo / k, efficiency_hi = hi / k,
      hosts = mpi.distinct_hosts, library = mpi.library, mpi_ranks = mpi.ranks,
    }
    if mode == "strong" then
      local key = hits_key(reps)
      hits1 = hits1 or key
      rows[#rows].hits_equal_k1 = key == hits1
    end
  end
  return rows
end

-- -- Charts ---------------------------------------------------------------------

local function draw(rows, field, title, ylabel, ideal)
  local c = chart.new_chart("scaling-" .. field, title, "95% CIs by bootstrap; dashed: ideal")
  local kmax, lo, hi = 1, math.huge, 0
  for _, r in ipairs(rows) do
    kmax = math.max(kmax, r.ranks)
    lo, hi = math.min(lo, r[field .. "_lo"], ideal(r.ranks)), math.max(hi, r[field .. "_hi"], ideal(r.ranks))
  end
  local xa = chart.log_axis(1, math.max(2, kmax), chart.X0, chart.X1)
  local ya = chart.log_axis(lo, hi, chart.Y1, chart.Y0)
  c:axes(xa, ya, "MPI ranks K", ylabel)
  c:curve(ideal, { stroke = "#777777", ["stroke-dasharray"] = "6 4", ["stroke-width"] = 1.2 })
  c:add_legend({ kind = "line", color = "#777777", dash = "6 4", label = "ideal" })
  for i, mode in ipairs{ "strong", "weak" } do
    local pts = {}
    for _, r in ipairs(rows) do
      if r.mode == mode then
        pts[#pts + 1] = { x = r.ranks, y = r[field], lo = r[field .. "_lo"], hi = r[field .. "_hi"], n = r.n }
      end
    end
    local style = chart.style_of(i)
    c:draw_series(pts, style, mode, { metric = field })
    c:add_legend({ kind = "marker", style = style, line = true, label = mode .. " scaling" })
  end
  c:add_legend({ kind = "whisker", color = "#444444", label = "95% CI" })
  return c:finish()
end

-- -- Main -------------------------------------------------------------------------

local function main(args)
  local o = parse(args)
  local tmp = os.tmpname()
  os.remove(tmp)
  assert(os.execute("mkdir -p " .. sh_quote(tmp)))
  local ok, rows = pcall(function()
    local r = measure(o, "strong", tmp)
    for _, w in ipairs(measure(o, "weak", tmp)) do r[#r + 1] = w end
    return r
  end)
  os.execute("rm -rf " .. sh_quote(tmp))
  if not ok then error(rows, 0) end
  print(format("%-6s %5s %8s %12s %10s %22s %20s %6s", "MODE", "K", "N", "TIME", "NS/SAMPLE",
    "SPEED-UP (95% CI)", "EFFICIENCY (95% CI)", "HOSTS"))
  for _, r in ipairs(rows) do
    print(format("%-6s %5d %8s %12s %10.4g %8.3g (%.3g-%.3g) %8.3g (%.3g-%.3g) %6s", r.mode, r.ranks,
      mcpi.output.count(r.n), chart.duration(r.seconds_median), r.ns_per_sample, r.speedup,
      r.speedup_lo, r.speedup_hi, r.efficiency, r.efficiency_lo, r.efficiency_hi, tostring(r.hosts)))
  end
  local bad = 0
  for _, r in ipairs(rows) do if r.hits_equal_k1 == false then bad = bad + 1 end end
  print(format("strong scaling: hits %s for every K", bad == 0 and "identical to K=1" or "DIFFER"))
  local dir = o.out:match("^(.*)/[^/]*$")
  if dir then os.execute("mkdir -p " .. sh_quote(dir)) end
  local doc = { schema = "mcpi-scaling/1", kernel = o.kernel, seed = tostring(o.seed),
    context = mcpi.context.collect(), mpirun = mpirun_cmd(o), hostfile = o.hostfile, rows = rows }
  json.write_file(o.out .. ".json", json.encode(doc))
  local files = { o.out .. ".json" }
  local ideal_s = function(k) return k end
  for _, f in ipairs{
    { "speedup", "Speed-up against MPI ranks: " .. o.kernel, "speed-up over K = 1", ideal_s },
    { "efficiency", "Parallel efficiency against MPI ranks: " .. o.kernel, "efficiency", function() return 1 end },
  } do
    local path = format("%s_%s.svg", o.out, f[1])
    json.write_file(path, draw(rows, f[1], f[2], f[3], f[4]))
    files[#files + 1] = path
  end
  io.stderr:write("wrote " .. table.concat(files, ", ") .. "\n")
  if bad > 0 then os.exit(1) end
end

main(arg)
