--- mcpi.comparecmd: the `compare` command, `mcpi compare OLD NEW`, a
-- regression gate for CI; exports its spec (M.COMMAND) for mcpi.cli. The
-- comparison is mcpi.compare's; this file reads the command line
-- (mcpi.options), prints, writes the files asked for and returns the exit
-- status (0 no regression, 1 a regression or a hit difference, 2 usage).
local util = require "mcpi.util"
local options = require "mcpi.options"

local ipairs, tonumber, format = ipairs, tonumber, string.format

local M = {}

-- A percentage >= 0, "5" or "5%".
local function percent(_, text)
  local t = tonumber((text:gsub("%%$", "")))
  if not t or t ~= t or t < 0 or t >= 1e6 then
    return nil, format("%s is not a percentage >= 0 (e.g. --threshold 5)", util.quote_arg(text))
  end
  return t
end

local OPTIONS = {
  { opt = "--threshold", field = "threshold", parse = percent, arg = "PCT",
    help = "smallest slow-down that counts as a regression (default 5)" },
  { opt = "--kernel", field = "kernel", kind = "names", empty = "a kernel name", arg = "K", help = "only kernel K (repeatable, or K1,K2)" },
  { opt = "--json", field = "json", kind = "file", arg = "F", help = "the comparison as JSON (schema mcpi-compare/1)" },
  { opt = "--csv", field = "csv", kind = "file", arg = "F", help = "one CSV line per point" },
  { opt = "--bmf", field = "bmf", kind = "file", arg = "F", help = "the new run in Bencher Metric Format" },
}

M.HELP = [[
Compares two results files (.json, or the .jsonl a sweep streams) point by
point, matching (kernel, N). Per point: RATIO = new median time / old median
time, its 95% bootstrap CI (each run's repetitions resampled apart, processes
first where rows carry them), and the two-sided Mann-Whitney U test on the
repetition times (significant at p < 0.05; exact without ties up to 400 value
pairs, else the normal approximation). A significant change is "slower" or
"faster"; a slower point whose ratio exceeds 1 + PCT/100 is a regression.
Hit counts of the same (kernel, N, seed) on the philox stream must agree; a
difference is a correctness regression. Geometric means of the ratios per
kernel and overall follow the table; context differences (CPU, compiler,
LuaJIT, commit, machine load) come above it. Significance needs at least 4
repetitions on each side (3 against 3 cannot reach p < 0.05).

options:
]] .. options.help(OPTIONS, 17) .. [[


exit status: 0 no regression, 1 a significant regression beyond the threshold
or a hit-count difference, 2 usage (missing file, not a results file, no point
in common).
example: mcpi compare base.json head.json --threshold 3]]

local function parse(argv, i)
  local o, files = options.parse("compare", argv, i, OPTIONS)
  if not o then return nil end
  if #files ~= 2 then
    util.usage(format("compare: need two results files, got %d (usage: mcpi compare OLD.json NEW.json [options])",
      #files))
  end
  return o, files[1], files[2]
end

--- The `compare` command: returns the exit code (0, 1; usage errors raise, exit 2).
function M.main(argv, i)
  local o, old, new = parse(argv, i)
  if not o then
    io.stdout:write("usage: mcpi compare OLD NEW [options]\n\n", M.HELP, "\n")
    return 0
  end
  local c, err = require("mcpi.compare").compare(old, new, { threshold = o.threshold, kernel = o.kernel })
  if not c then util.usage("compare: " .. err) end
  io.stdout:write(c:text())
  io.stdout:flush()
  local code = c.code
  for _, f in ipairs{ { "json", c.json }, { "csv", c.csv }, { "bmf", c.bmf } } do
    if o[f[1]] then
      local ok, werr = require("mcpi.json").write_file(o[f[1]], f[2](c))
      if not ok then
        io.stderr:write("mcpi: compare: ", werr, "\n")
        code = 1
      end
    end
  end
  return code
end

M.COMMAND = {
  args = "OLD NEW [options]",
  summary = "compare two results files; exit 1 on a regression",
  help = M.HELP,
  run = M.main,
}

return M
