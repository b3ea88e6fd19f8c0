#!/bin/sh
# scripts/gpu_check.sh -- the short check of cuda.philox (and ocl.philox on the
# GPU's OpenCL ICD, when one is installed) for a machine with an NVIDIA GPU:
# build, bit-identity rows against c.threads, then N = 1e9, 1e10, 1e11 in
# ns/sample. Well under 10 minutes on one GPU and 16 cores; nothing else runs.
#   sh scripts/gpu_check.sh [OUT_DIR]     (default results/gpu; JSON + a log)
# Exit 0 only if every row matched; 1 otherwise; 2 if cuda.philox is unavailable.
set -u
cd "$(dirname "$0")/.." || exit 2
out=${1:-results/gpu}
mkdir -p "$out"
log="$out/gpu_check.log"
say() { printf '%s\n' "$*" | tee -a "$log"; }
: >"$log"

say "== build ($(date -u +%FT%TZ))"
if ! make >>"$log" 2>&1; then say "make failed (see $log)"; exit 1; fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >>"$log" 2>&1
./mcpi list | tee -a "$log" | grep -E '^(cuda|ocl)\.philox'
if ! ./mcpi list | grep -q '^cuda\.philox .* yes '; then
    say "cuda.philox is unavailable here (reason above)"; exit 2
fi

say "== bit-identity rows: cuda.philox (and ocl.philox) against c.threads"
./mcpi -e '
local K = mcpi.kernels
local ref = K.get("c.threads")
local ks = { K.get("cuda.philox") }
if K.get("ocl.philox").available() then ks[#ks + 1] = K.get("ocl.philox") end
local rows, bad = 0, 0
for _, k in ipairs(ks) do
  for _, seed in ipairs{ "0", "1", "42", "18446744073709551615" } do
    for _, first in ipairs{ 0, 1, 2, 3, 2 ^ 33 - 3 } do
      for _, n in ipairs{ 0, 1, 2, 3, 5, 63, 64, 65, 1001, 65537, 1000003, 123456789 } do
        local a, b = k.count(seed, first, n), K.threads_count(seed, first, n)
        rows = rows + 1
        if a ~= b then bad = bad + 1; print("DIFF", k.name, seed, first, n, a, b) end
      end
    end
  end
end
print(string.format("identity: %d rows, %d differ", rows, bad))
os.exit(bad == 0 and 0 or 1)' 2>&1 | tee -a "$log"
ident=$(tail -1 "$log")

say "== ns/sample at N = 1e9, 1e10, 1e11 (3 reps; hits against c.threads)"
./mcpi run cuda.philox c.threads -n 1e9,1e10,1e11 --reps 3 --seed 42 --baseline c.threads \
    --json "$out/gpu_check.json" 2>&1 | tee -a "$log"
./mcpi -e '
local r = mcpi.load(arg[1])
local by = {}
for _, x in ipairs(r.rows) do
  if x.rep then by[x.n .. ":" .. x.seed] = by[x.n .. ":" .. x.seed] or {}; by[x.n .. ":" .. x.seed][x.kernel] = x end
end
local bad = 0
for key, t in pairs(by) do
  local a, b = t["cuda.philox"], t["c.threads"]
  if a and b and tostring(a.hits) ~= tostring(b.hits) then bad = bad + 1; print("DIFF at", key) end
  if a then print(string.format("cuda.philox n=%.0e seed=%s ns/sample %.4f (device %.4f)", a.n, a.seed,
    a.ns_per_sample, (a.device_seconds or 0) / a.n * 1e9)) end
end
print("large-N rows differing from c.threads: " .. bad)
os.exit(bad == 0 and 0 or 1)' "$out/gpu_check.json" 2>&1 | tee -a "$log"
rc=$?
case "$ident" in *", 0 differ") ;; *) rc=1 ;; esac
say "== done: exit $rc ($(date -u +%FT%TZ)); log $log, results $out/gpu_check.json"
exit $rc
