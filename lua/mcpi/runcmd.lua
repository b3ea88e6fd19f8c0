--- mcpi.runcmd: the `run` command, `mcpi run KERNEL... [options]`, an
-- ad-hoc comparison without a script; exports its spec (M.COMMAND) for
-- mcpi.cli. parse() turns a command line into a sweep spec (its options are
-- the fields of mcpi.fields) and is shared with scripts/sweep.lua.
local util = require "mcpi.util"
local fields = require "mcpi.fields"
local options = require "mcpi.options"

local ipairs, pairs, format, concat = ipairs, pairs, string.format, table.concat
local stdout, stderr = io.stdout, io.stderr

local M = {}

-- The option tables of `mcpi run`; with opts.processes_zero --processes 0
-- is allowed (scripts/sweep.lua: every kernel in this one process).
local function option_tables(opts)
  local t = fields.options()
  if opts.processes_zero then
    for j, d in ipairs(t) do
      if d.field == "processes" then
        local z = {}
        for k, v in pairs(d) do z[k] = v end
        z.zero = true
        t[j] = z
      end
    end
  end
  return t
end

-- A sweep_spec message ("sweep: reps 2 is below processes 3: ...") as the
-- command line says it ("run: --reps 2 is below --processes 3: ..."): a
-- field named first, or before its value, becomes the option the user typed.
local function as_option(cmd, msg)
  local function opt(name, rest)
    local f = fields.BY_NAME[name]
    if f and f.opt then return f.opt .. rest end
  end
  msg = msg:gsub("^sweep: ", ""):gsub("%f[%w_]([%a_]+)( [%d'])", opt)
  if not msg:find("^%-") then msg = msg:gsub("^([%a_]+)([:%s])", opt) end
  return format("%s: %s", cmd, msg)
end

--- Parse the arguments of `mcpi run` (or of a sweep script) from argv[i..]
-- into a sweep spec. opts: cmd (name for messages, "run"), kernels_optional
-- (no positional kernel means every available one), defaults (a spec whose
-- fields apply when not given), processes_zero, see (where messages point
-- for help; a script names its own --help). The spec is checked as
-- mcpi.sweep would check it, so every mistake is found before measuring.
-- Raises util.usage (exit 2) on bad input; returns spec, or nil when --help
-- was asked for.
function M.parse(argv, i, opts)
  opts = opts or {}
  local cmd = opts.cmd or "run"
  local values, names = options.parse(cmd, argv, i, option_tables(opts), opts.see)
  if not values then return nil end
  local spec = {}
  for k, v in pairs(opts.defaults or {}) do spec[k] = v end
  for k, v in pairs(values) do spec[k] = v end
  if #names > 0 then
    spec.kernels = names
  elseif not opts.kernels_optional then
    util.usage(format("%s: no kernel given (usage: mcpi %s KERNEL... [options]; see 'mcpi list')", cmd, cmd))
  elseif not spec.kernels then
    spec.kernels = require("mcpi.kernels").names()
  end
  spec.n = spec.n or { fields.DEFAULT_N }
  local s, err = require("mcpi.sweep_spec").check(spec)
  if not s then util.usage(as_option(cmd, err)) end
  -- A kernel named on the command line must run here; with none named,
  -- the unavailable are listed by the sweep and skipped.
  if #names > 0 and #s.unavailable > 0 then
    util.usage(format("%s: %s", cmd, s.unavailable[1].message))
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
]] .. options.help(fields.options()) .. [[


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

M.COMMAND = {
  args = "KERNEL... [options]",
  summary = "ad-hoc comparison of kernels without a script",
  help = M.HELP,
  run = M.main,
}

return M
