#!/bin/sh
# Startup time of the host: `mcpi -e ''` (state, embedded library, argv
# parsing, exit) measured with hyperfine; the target is a median under 5 ms.
# Writes $RESULTS/startup.json (hyperfine's JSON) and prints median and spread.
MCPI=${MCPI:-./mcpi}
RESULTS=${RESULTS:-results/bench}
mkdir -p "$RESULTS"
if ! command -v hyperfine >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "startup: installing hyperfine (apt-get install hyperfine)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1; }
    fi
    command -v hyperfine >/dev/null 2>&1 ||
        { echo "startup: hyperfine not found (apt-get install hyperfine, as root)" >&2; exit 1; }
fi
out="$RESULTS/startup.json"
# The stock luajit, when installed, is the yardstick: the cost of a bare
# LuaJIT state without mcpi's library.
set -- -n "mcpi -e ''" "$MCPI -e ''" -n "mcpi version" "$MCPI version"
if command -v luajit >/dev/null 2>&1; then set -- "$@" -n "luajit -e ''" "luajit -e ''"; fi
hyperfine -N --warmup 20 --runs "${STARTUP_RUNS:-300}" --style basic \
    --export-json "$out" "$@" || exit 1
# Median and spread from the JSON, read back with mcpi itself.
"$MCPI" -e '
local cjson = require "cjson"
local fh = assert(io.open(arg[1]))
local r = cjson.decode(fh:read("*a"))
fh:close()
local fail = false
for _, b in ipairs(r.results) do
  local t = {}
  for i, x in ipairs(b.times) do t[i] = x * 1e3 end
  table.sort(t)
  local function q(p) local k = (#t - 1) * p + 1; local lo = math.floor(k)
    return t[lo] + (t[math.min(lo + 1, #t)] - t[lo]) * (k - lo) end
  local med = q(0.5)
  local dev = {}
  for i, x in ipairs(t) do dev[i] = math.abs(x - med) end
  table.sort(dev)
  local mad = dev[math.floor((#dev + 1) / 2)]
  print(string.format("startup: %-14s median %.3f ms  MAD %.3f ms  IQR %.3f..%.3f ms  min %.3f  max %.3f  (%d runs)",
    b.command, med, mad, q(0.25), q(0.75), t[1], t[#t], #t))
  if b.command == "mcpi -e '"'"''"'"'" and med >= 5 then fail = true end
end
if fail then print("startup: FAIL median of mcpi -e '"'"''"'"' is not under 5 ms") os.exit(1) end
' "$out"
