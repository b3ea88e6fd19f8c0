# Ctrl-C during a sweep: exit 130, every finished row kept in the .jsonl (each
# line complete JSON), the summary of what finished printed, files written.
. "$(dirname "$0")/lib.sh"

# 12 points of 20 reps up to N = 1e8: a minute of work, interrupted after 2 s.
interrupt_after 3 "$MCPI" run c.scalar c.simd -n 1e3,1e4,1e5,1e6,1e7,1e8 --reps 20 \
    --jsonl "$tmp/i.jsonl" --json "$tmp/i.json" --no-progress
expect_rc 130 "run interrupted exits 130"
expect_err '^mcpi: interrupted' "says interrupted"
expect_err 'finished rows kept in' "says rows were kept"
expect_out '^KERNEL +N +REPS' "prints the table of what finished"
run "$MCPI" -e '
local cjson = require "cjson.safe"
local n, reps = 0, 0
for line in io.lines(arg[1]) do
  local row = cjson.decode(line)
  if type(row) ~= "table" or not row.kernel or not row.row then error("bad line: " .. line) end
  n = n + 1
  if row.row == "rep" then reps = reps + 1 end
end
local r = assert(mcpi.load(arg[2]))
print(n, reps, #r.rows)' "$tmp/i.jsonl" "$tmp/i.json"
expect_rc 0 "every .jsonl line is a complete JSON row; the final JSON loads"
count=$(printf '%s' "$out" | cut -f1)
reps=$(printf '%s' "$out" | cut -f2)
saved=$(printf '%s' "$out" | cut -f3)
if [ "${count:-0}" -gt 0 ] && [ "$reps" = "$saved" ]; then pass; else fail "rows kept: jsonl $count lines, $reps reps, json $saved reps"; fi
if [ "${reps:-0}" -lt 240 ]; then pass; else fail "the sweep was not interrupted (all 240 reps finished)"; fi

# a Lua kernel: no status code to poll, the interpreter hook raises instead
interrupt_after 3 "$MCPI" run lua.jit -n 1e4,1e5,1e6,1e7 --reps 200 --jsonl "$tmp/l.jsonl" --no-progress
expect_rc 130 "lua.jit run interrupted exits 130"
run "$MCPI" -e 'local r = assert(mcpi.load(arg[1])); print(#r.rows)' "$tmp/l.jsonl"
if [ "${out:-0}" -gt 0 ] 2>/dev/null; then pass; else fail "lua.jit: rows kept ($out)"; fi

# a script sweep interrupted the same way
interrupt_after 3 "$MCPI" script scripts/sweep.lua c.scalar --n-range 3:8 --reps 20 \
    --jsonl "$tmp/s.jsonl" --json "$tmp/s.json" --csv "$tmp/s.csv"
expect_rc 130 "script interrupted exits 130"
if [ -s "$tmp/s.jsonl" ] && [ -s "$tmp/s.json" ] && [ -s "$tmp/s.csv" ]; then pass; else fail "script: files kept"; fi

finish
