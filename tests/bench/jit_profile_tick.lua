-- The cost of the JIT-state profiler's ticks (mcpi.jitstate: jit.profile
-- mode "v" every 1 ms of CPU time, a signal and a Lua callback each): the
-- same interpreted loop with the profiler running and stopped, alternating
-- in one process (JIT off, so stopping it, which flushes traces, changes
-- nothing else), 60 rounds each. Prints the median and minimum ratio on/off;
-- JSON into results/bench/jit_profile_tick.json.
jit.off()
local p = require "jit.profile"
local C = require "mcpi.capi"
local stats = require "mcpi.stats"
local json = require "mcpi.json"
local ticks = 0
local function cb(_, n) ticks = ticks + n end
local function work() local s = 0 for i = 1, 1e6 do s = s + i % 7 end return s end
local on, off = {}, {}
for r = 1, 60 do
  p.start("vi1", cb)
  local t0 = C.mcpi_clock_ns(); work(); on[r] = tonumber(C.mcpi_clock_ns() - t0)
  p.stop()
  t0 = C.mcpi_clock_ns(); work(); off[r] = tonumber(C.mcpi_clock_ns() - t0)
end
local ratios = {}
for r = 1, 60 do ratios[r] = on[r] / off[r] end
local m = { median_ratio = stats.median(ratios), min_on_over_min_off = math.min(unpack(on)) / math.min(unpack(off)),
  ticks_per_round = ticks / 60, round_ms = stats.median(off) / 1e6 }
print(string.format("profiler ticks: on/off median of paired ratios %.4f, min/min %.4f (%.1f ticks per %.2f ms round)",
  m.median_ratio, m.min_on_over_min_off, m.ticks_per_round, m.round_ms))
local ok, err = json.write_file("results/bench/jit_profile_tick.json",
  json.encode({ bench = "jit_profile_tick", context = require("mcpi.context").collect(), metrics = m }) .. "\n")
if not ok then io.stderr:write("mcpi: ", err, "\n"); os.exit(1, true) end
