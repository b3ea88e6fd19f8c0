-- The study: every available kernel over N = 10^1 .. 10^9 within a time budget
-- (60 s unless --budget says otherwise), time and accuracy per kernel, the
-- fits; saved under one stem (results/sweep by default, --json DIR/F.json
-- for another): F.json, F.jsonl, F.csv, the charts in F_charts/ and the
-- report F.html. Prints the table, then the answer: every kernel at the
-- largest N all reached, fastest first, the accuracy and the marked points.
--   mcpi script scripts/sweep.lua [KERNEL...] [--budget 300] [--n-range 1:7] [--json out/s2.json] ...
-- (the options of `mcpi run`; see `mcpi help run`). Slow kernels are skipped at
-- large N by the plan, which says so on stderr. Exit 1 when a kernel failed
-- or an output could not be written, 130 when interrupted.

local spec = require("mcpi.runcmd").parse(arg, 1, {
  cmd = "sweep.lua", see = "see 'mcpi script scripts/sweep.lua --help'",
  kernels_optional = true,
  processes_zero = true,  -- --processes 0: every kernel in this one process
  defaults = { n = mcpi.logspace(1, 9), budget = 60 },
})
if not spec then
  io.write("usage: mcpi script scripts/sweep.lua [KERNEL...] [options of 'mcpi run']\n",
    "default: every available kernel, --n-range 1:9, --budget 60, --json results/sweep.json\n",
    "(and beside it results/sweep.jsonl, .csv, .html and results/sweep_charts/),\n",
    "lua.* kernels in fresh processes (--processes auto; --processes 0: all in this process)\n")
  return
end
if not spec.json then
  require("mcpi.writer").mkdir("results")  -- an existing folder is fine
  spec.json = "results/sweep.json"
end

-- The study's baseline is the loop without a JIT, when it takes part.
if not spec.baseline then
  for _, k in ipairs(spec.kernels or mcpi.kernels.names()) do
    if k == "lua.interp" then spec.baseline = k end
  end
end

-- Traced Lua kernels run in fresh processes: where LuaJIT places a trace's
-- machine code differs between processes and changes its speed, so one
-- process is one draw. The plan picks how many (auto) within the budget;
-- the lua.* kernels (the no-JIT baseline among them, so their speed-ups stay
-- paired) share the processes, the C kernels run here.
if spec.processes == 0 then
  spec.processes = nil
else
  local lua_kernels = {}
  for _, k in ipairs(spec.kernels) do
    if k:match("^lua%.") and mcpi.kernels.get(k).available() then lua_kernels[#lua_kernels + 1] = k end
  end
  if #lua_kernels > 0 then
    spec.processes = spec.processes or "auto"
    spec.process_kernels = lua_kernels
  end
end

local res = mcpi.sweep(spec)
res:print()
local answer = require "mcpi.answer"
local A = answer.of(res, { baseline = spec.baseline, show = spec.show })
if A then io.write("\n", answer.text(A)) end
-- The philox participants (C, Lua, Python alike) must have drawn the same
-- samples: checked on the hits of every (N, seed) they share (mcpi.agree).
local agreement = require("mcpi.agree").philox(res.rows)
local bad = agreement.mismatches
io.write("\n", require("mcpi.agree").line(agreement))
io.write("\n", res:summary())
if #res.saved > 0 then io.stderr:write("saved ", table.concat(res.saved, ", "), "\n") end
if res.interrupted then os.exit(128 + (res.signal or 2), true) end  -- 130 for Ctrl-C
if #res.failures > 0 then
  io.stderr:write(string.format("mcpi: %d kernel failure(s), noted above\n", #res.failures))
end
if #res.errors > 0 then io.stderr:write("mcpi: results printed above, not all were saved\n") end
if #res.failures > 0 or #res.errors > 0 or #bad > 0 then os.exit(1, true) end
