--- mcpi.runcmd: `mcpi run KERNEL... [options]`, an ad-hoc comparison without
-- a script. Registers the command with mcpi.cli when loaded; parse() is
-- shared with scripts/sweep.lua.
local util = require "mcpi.util"
local cli = require "mcpi.cli"

local type, tonumber, tostring, format, concat = type, tonumber, tostring, string.format, table.concat
local floor, huge = math.floor, math.huge
local stdout, stderr = io.stdout, io.stderr

local M = {}

M.MAX_N = 2 ^ 53
M.MAX_REPS = 1000000
M.MAX_BUDGET = 7 * 86400

local OPTIONS = {
  ["-n"] = "list", ["--n-range"] = "range", ["--reps"] = "reps", ["--seed"] = "seed",
  ["--threads"] = "threads", ["--budget"] = "budget", ["--json"] = "file",
  ["--csv"] = "file", ["--jsonl"] = "file", ["--bmf"] = "file", ["--baseline"] = "kernel",
  ["--warmup"] = "warmup", ["--processes"] = "processes", ["--quiet"] = "flag", ["--no-progress"] = "flag",
  ["--progress"] = "flag", ["-h"] = "help", ["--help"] = "help", ["--show"] = "show",
}

local function option_names()
  local t = {}
  for k in pairs(OPTIONS) do t[#t + 1] = k end
  table.sort(t)
  return t
end

local function fail(cmd, msg) util.usage(format("%s: %s", cmd, msg)) end

-- A whole number from text: 1000, 1e6, 10^6, 2^20. Returns the number or nil, why.
local function whole(text, lo, hi)
  local v = tonumber(text)
  if not v then
    local b, e = text:match("^(%d+)%^(%d+)$")
    if b then v = tonumber(b) ^ tonumber(e) end
  end
  local shown = util.quote_arg(text)
  if not v or v ~= v then return nil, format("%s is not a number", shown) end
  if v ~= floor(v) or v == huge or v == -huge then return nil, format("%s is not a whole number", shown) end
  if v < lo then return nil, format("%s is below %s", #text > 20 and shown or text, util.fmtnum(lo)) end
  if v > hi then
    return nil, format("%s is too large (at most %s)", #text > 20 and shown or text, hi == 2 ^ 53 and "2^53" or util.fmtnum(hi))
  end
  return v
end

--- Parse the arguments of `mcpi run` (or of a sweep script) from argv[i..]
-- into a sweep spec. opts: cmd (name for messages, "run"), kernels_optional
-- (no positional kernel means every available one), defaults (a spec whose
-- fields apply when not given). Raises util.usage (exit 2) on bad input;
-- returns spec, or nil when --help was asked for.
function M.parse(argv, i, opts)
  opts = opts or {}
  local cmd = opts.cmd or "run"
  local spec = {}
  for k, v in pairs(opts.defaults or {}) do spec[k] = v end
  local names = {}
  local got_n = false
  local kernels = require "mcpi.kernels"
  while argv[i] ~= nil do
    local a = argv[i]
    local key, val = cli.split_opt(a)
    if a:match("^%-n.") and not a:match("^%-%-") then key, val = "-n", a:sub(3) end
    if key:sub(1, 1) == "-" and #key > 1 and not tonumber(key) then
      local kind = OPTIONS[key]
      if not kind then
        fail(cmd, format("unknown option %s%s", util.quote_arg(key),
          util.did_you_mean(key, option_names(), format("see 'mcpi help %s'", cmd))))
      end
      if kind == "help" then return nil end
      if kind == "flag" then
        if val then fail(cmd, format("%s takes no value", key)) end
        if key == "--quiet" then spec.quiet = true
        elseif key == "--no-progress" then spec.progress = false
        else spec.progress = true end
      else
        if not val then
          i = i + 1
          val = argv[i]
          if val == nil then fail(cmd, format("%s needs a value (see 'mcpi help %s')", key, cmd)) end
        end
        if kind == "list" then
          local list = {}
          for part in (val .. ","):gmatch("([^,]*),") do
            local v, why = whole(part, 1, M.MAX_N)
            if not v then fail(cmd, format("-n: %s (give whole numbers >= 1, e.g. -n 1e6,1e7)", why)) end
            list[#list + 1] = v
          end
          spec.n, got_n = list, true
        elseif kind == "range" then
          local a1, b1, s1 = val:match("^([^:]+):([^:]+):?([^:]*)$")
          local lo, hi, step = tonumber(a1 or ""), tonumber(b1 or ""), tonumber(s1 ~= "" and s1 or "1")
          local shown = util.quote_arg(val)
          if not (lo and hi and step) then
            fail(cmd, format("--n-range: %s is not A:B or A:B:STEP (exponents of 10, e.g. --n-range 1:9)", shown))
          end
          -- nan fails every comparison, so each test is written to pass only
          -- for a good value
          if not (lo >= 0 and hi <= 15 and lo <= hi and step > 0 and step < huge) then
            fail(cmd, format("--n-range: %s needs 0 <= A <= B <= 15 and 0 < STEP (finite numbers, e.g. --n-range 1:9)", shown))
          end
          local sweep = require "mcpi.sweep"
          if floor((hi - lo) / step + 1e-9) + 1 > sweep.MAX_POINTS then
            fail(cmd, format("--n-range: %s gives more than %d values of N (use a larger STEP)",
              shown, sweep.MAX_POINTS))
          end
          spec.n, got_n = require("mcpi.sweep").logspace(lo, hi, step), true
        elseif kind == "reps" or kind == "warmup" then
          local v, why = whole(val, kind == "reps" and 1 or 0, kind == "reps" and M.MAX_REPS or 1000)
          if not v then
            fail(cmd, format("%s: %s (give a whole number in %s..%s)", key, why,
              kind == "reps" and 1 or 0, kind == "reps" and M.MAX_REPS or 1000))
          end
          spec[kind] = v
        elseif kind == "seed" then
          local u, err = util.to_u64(val, "--seed")
          if not u then fail(cmd, err .. " (0 <= seed < 2^64)") end
          spec.seed = util.u64val(u)
        elseif kind == "threads" then
          local mx = require("mcpi.capi").mcpi_threads_max()
          local v, why = whole(val, 0, mx)
          if not v then fail(cmd, format("--threads: %s (give 0..%d; 0 = online CPUs)", why, mx)) end
          spec.threads = v
        elseif kind == "budget" then
          local v = tonumber(val)
          if not v or v ~= v then fail(cmd, format("--budget: %s is not a number of seconds (e.g. --budget 60)", util.quote_arg(val))) end
          local shown = #val > 20 and util.quote_arg(val) or val  -- parsed as a number: one line
          if not (v > 0) then fail(cmd, format("--budget: %s must be > 0 seconds (e.g. --budget 60)", shown)) end
          if v > M.MAX_BUDGET then fail(cmd, format("--budget: %s is too large (at most %d seconds, a week)", shown, M.MAX_BUDGET)) end
          spec.budget = v
        elseif kind == "file" then
          if val == "" then fail(cmd, format("%s needs a file name", key)) end
          spec[key:sub(3)] = val
        elseif kind == "kernel" then
          spec.baseline = val
        elseif kind == "processes" then
          local mx = require("mcpi.fresh").MAX
          local v, why = whole(val, 0, mx)
          if val == "auto" then v = "auto" end
          if v == 0 and not opts.processes_zero then v, why = nil, "0 is below 1" end
          if not v then fail(cmd, format("--processes: %s (give 1..%d fresh processes, or auto)", why, mx)) end
          spec.processes = v
        elseif kind == "show" then
          spec.show = spec.show or {}
          for f in val:gmatch("[^,]+") do spec.show[#spec.show + 1] = f end
        end
      end
    else
      names[#names + 1] = a
    end
    i = i + 1
  end
  if #names == 0 then
    if not opts.kernels_optional then
      fail(cmd, format("no kernel given (usage: mcpi %s KERNEL... [options]; see 'mcpi list')", cmd))
    end
    if not spec.kernels then
      spec.kernels = {}
      for _, k in ipairs(kernels.list()) do spec.kernels[#spec.kernels + 1] = k.name end
    end
  else
    for _, name in ipairs(names) do
      local k, err = kernels.find(name)
      if not k then util.usage(format("%s: %s", cmd, err)) end
      if not opts.kernels_optional then
        local ok, why, hint = k.available()
        if not ok then
          fail(cmd, format("kernel %s is unavailable on this machine: %s (%ssee 'mcpi list')", util.quote_arg(name),
            why or "no reason given", hint and format("to enable: %s; ", hint) or ""))
        end
      end
    end
    spec.kernels = names
  end
  if spec.baseline then
    local found = false
    for _, k in ipairs(spec.kernels) do if k == spec.baseline then found = true end end
    if not found then
      fail(cmd, format("--baseline: %s is not among the kernels measured%s", util.quote_arg(spec.baseline),
        util.did_you_mean(spec.baseline, spec.kernels, "kernels: " .. concat(spec.kernels, ", "))))
    end
  end
  if not got_n and not spec.n then spec.n = { 1000000 } end
  if spec.processes and spec.reps and spec.processes ~= "auto" and spec.reps < spec.processes then
    fail(cmd, format("--reps %d is below --processes %d: each process needs at least one repetition",
      spec.reps, spec.processes))
  end
  local writer = require "mcpi.writer"
  -- The rows stream beside a --json file; not beside a device or pipe
  -- (--json /dev/stdout has no sibling /dev/stdout.jsonl).
  local jkind = spec.json and not spec.jsonl and writer.kind(spec.json)
  if jkind == "regular" or jkind == "missing" then
    spec.jsonl = spec.json:gsub("%.json$", "") .. ".jsonl"
  end
  -- Find an unwritable output before measuring, not after.
  for _, f in ipairs{ "json", "csv", "jsonl", "bmf" } do
    if spec[f] then
      local ok, err = writer.check(spec[f])
      if not ok then fail(cmd, format("--%s: %s", f, err)) end
    end
  end
  return spec
end

M.HELP = [[
Measures each KERNEL at each N: a warm-up call, then repetitions with seeds
SEED, SEED+1, ... (adaptive: many at small N, few at large), kernels
interleaved so drift hits all alike. Prints a table: median time per call
with its 95% bootstrap CI, ns/sample, samples/s, speed-up against the
baseline kernel, median |pi_hat - pi|, RMS error and the theoretical sigma,
outliers (Tukey fences, flagged not removed); then log-log fits.

options:
  -n N[,N...]        sample counts (1000, 1e6, 2^20); default 1e6
  --n-range A:B[:S]  N = 10^A, 10^(A+S), ..., 10^B (e.g. 1:9)
  --reps R           repetitions per point (default: adaptive, 3..30)
  --warmup W         warm-up calls per point (default 1)
  --seed S           base seed, 0 <= S < 2^64 (default 1)
  --threads T        threads for threaded kernels (default and 0: online CPUs)
  --budget SEC       time budget: the plan skips points that do not fit
  --json DIR/F.json  write results (schema mcpi/1) to it, and beside it under
                     F's stem: F.jsonl (rows as they finish), F.csv, the
                     charts in F_charts/ (an earlier run's cleared) and the
                     report F.html
  --jsonl F          stream finished rows to F (one JSON object per line)
  --csv F            write every row as CSV to F
  --bmf F            write the summary in Bencher Metric Format to F (latency
                     in ns and throughput, each with its 95% CI as bounds;
                     speedup against the baseline with its paired CI)
  --baseline K       kernel the VS column compares with (default: the first)
  --processes K      spread each point's repetitions over K fresh mcpi
                     processes (auto: the plan picks K within the budget);
                     rows carry `process`, the CI resamples processes first
  --show F[,F...]    table columns for these fields: any summary field, or a
                     metric a decorator adds (median and 95% CI), e.g.
                     --show jit_interpreted_share,load_other_cores
  --quiet            no plan or notes on stderr
  --progress         draw the progress bar even when stderr is not a terminal
  --no-progress      no progress bar (by default it is shown only on a terminal)

Ctrl-C keeps every finished row (in the .jsonl and the files asked for),
prints what finished and exits 130. Exit 1 when a kernel failed or an
output could not be written (each named on stderr).
example: mcpi run c.scalar c.simd lua.jit -n 1e5,1e6 --reps 10 --json out.json]]

-- Fields asked for with --show that no summary row has, named on stderr.
local function unknown_shown(res, show)
  for _, f in ipairs(show or {}) do
    local found = false
    for _, r in ipairs(res.summary) do
      if r[f] ~= nil or r[f .. "_median"] ~= nil then found = true; break end
    end
    if not found then
      stderr:write(format("mcpi: run: --show %s: no summary row has this field (shown as '-')\n", f))
    end
  end
end

--- The `run` command: parse, sweep, print; returns the exit code: 0, 1 when
-- a kernel failed or an output was not written (each named), 130 when
-- interrupted (what finished is printed and saved).
function M.main(argv, i)
  local spec = M.parse(argv, i, { cmd = "run" })
  if not spec then
    stdout:write("usage: mcpi run KERNEL... [options]\n\n", M.HELP, "\n")
    return 0
  end
  local parts = { argv[0] or "mcpi" }
  for j = 1, #argv do parts[#parts + 1] = argv[j] end
  spec.context = { command_line = concat(parts, " ") }
  local res = require("mcpi.sweep").run(spec)
  require("mcpi.kernels").stop_all()
  res:print()
  unknown_shown(res, spec.show)
  if #spec.kernels > 1 then
    local answer = require "mcpi.answer"
    local A = answer.of(res, { baseline = spec.baseline or spec.kernels[1], show = spec.show })
    if A then stdout:write("\n", answer.text(A)) end
  end
  if res.saved and #res.saved > 0 and not spec.quiet then
    stderr:write("saved ", concat(res.saved, ", "), "\n")
  end
  if res.interrupted then return 128 + (res.signal or 2) end  -- 130 for Ctrl-C
  -- The philox participants must have drawn the same samples (checked on
  -- the hits; the answer above states it): a difference is a wrong kernel.
  local agree = require "mcpi.agree"
  local agreement = agree.philox(res.rows)
  local code = 0
  if #agreement.mismatches > 0 then
    stderr:write("mcpi: ", agree.line(agreement))
    code = 1
  end
  if #res.failures > 0 then
    stderr:write(format("mcpi: %d kernel failure(s), noted above; the rest was measured\n", #res.failures))
    code = 1
  end
  if #res.errors > 0 then
    -- sweep.run has reported each on stderr unless quiet
    if spec.quiet then
      for _, e in ipairs(res.errors) do stderr:write("mcpi: ", e, "\n") end
    end
    stderr:write("mcpi: results printed above, not all were saved\n")
    code = 1
  end
  return code
end

cli.command("run", {
  args = "KERNEL... [options]",
  summary = "ad-hoc comparison of kernels without a script",
  help = M.HELP,
  run = M.main,
})

return M
