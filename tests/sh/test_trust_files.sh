#!/bin/sh
# Files and exit codes (issue 9.7): outputs under F's stem, stale charts
# cleared, failures and unwritable outputs exit 1 naming them, long plans
# say so in hours, an interrupted sweep returns its partial results.
. tests/sh/lib.sh

# mcpi run --json DIR/F.json: everything beside it
mkdir -p "$tmp/o"
run "$MCPI" run c.scalar c.simd -n 1e3,1e4,1e5 --reps 3 --json "$tmp/o/F.json" --no-progress
expect_rc 0 "run with --json"
for f in F.json F.jsonl F.csv F.html F_charts/time_all.svg F_charts/time_c.simd.svg; do
    if [ -s "$tmp/o/$f" ]; then pass; else fail "run --json: $f beside F.json"; fi
done
expect_err "^saved .*F\.json.*F\.jsonl.*F\.csv.*F_charts/ \([0-9]+ charts\).*F\.html" "says what it saved"
expect_out "^all 2 kernels at N = 1e5, fastest first" "the answer after the table"

# a second run with other kernels: the first run's per-kernel charts are gone
run "$MCPI" run c.scalar -n 1e3,1e4,1e5 --reps 3 --json "$tmp/o/F.json" --no-progress
if [ -e "$tmp/o/F_charts/time_c.simd.svg" ]; then fail "stale chart of c.simd left in F_charts"; else pass; fi
if [ -s "$tmp/o/F_charts/time_c.scalar.svg" ]; then pass; else fail "this run's chart"; fi

# scripts/sweep.lua --json out/s2.json: nothing goes to results/
mkdir -p "$tmp/s"
run "$MCPI" script scripts/sweep.lua c.scalar --n-range 2:4 --reps 3 --budget 5 --json "$tmp/s/s2.json" --no-progress
expect_rc 0 "sweep.lua --json"
for f in s2.json s2.jsonl s2.csv s2.html s2_charts/front.svg; do
    if [ -s "$tmp/s/$f" ]; then pass; else fail "sweep.lua: $f beside s2.json"; fi
done

# a script whose json= path cannot be written: exit 1, naming it
printf 'mcpi.sweep{ kernels = { "c.scalar" }, n = { 1000 }, reps = 2, quiet = true, json = "%s/no/such/dir/x.json" }\n' "$tmp" >"$tmp/bad.lua"
run "$MCPI" script "$tmp/bad.lua"
expect_rc 1 "unwritable json= in a script exits 1"
expect_err "json: cannot write '.*/no/such/dir/x\.json'" "names the file"

# a script whose kernel fails while probing: exit 1, naming it, though the script did not look
cat >"$tmp/fail.lua" <<'LUA'
mcpi.kernels.register{ name = "test.broken", fn = function() error("broken: always") end }
local res = mcpi.sweep{ kernels = { "c.scalar", "test.broken" }, n = { 1000 }, reps = 2, quiet = true }
print(#res.summary)
LUA
run "$MCPI" script "$tmp/fail.lua"
expect_rc 1 "a kernel failing while probing: exit 1"
expect_out '^1$' "the script ran to its end"
expect_err 'exit 1: 1 problem in this run: kernel test.broken failed while probing' "says which"

# a plan over 10 minutes says so in hours and minutes before it starts
interrupt_after 4 "$MCPI" run c.scalar -n 1e13 --reps 1 --no-progress
expect_err 'this plan is predicted to take [0-9]+ h [0-9]{2} min' "long plan in hours and minutes"
expect_rc 130 "interrupted long plan exits 130"

# Ctrl-C on a sweep in the REPL: the assignment keeps the partial results
{
    sleep 1; printf 'res = mcpi.sweep{kernels = {"c.scalar"}, n = {1e3, 1e10}, reps = 3, quiet = true}\n'
    sleep 4; printf '\003'; sleep 1
    printf 'print("got", res ~= nil, res and res.partial, res and #res.rows > 0)\n'; sleep 1
    printf '\004'; sleep 1
} | MCPI_HISTORY= SHELL=/bin/sh TERM=xterm script -qec "exec \"$MCPI\" repl" /dev/null >"$tmp/tty" 2>&1
out=$(tr -d '\r' <"$tmp/tty")
expect_out 'interrupted: [0-9]+ finished rows kept; the results returned are partial' "REPL: says partial"
expect_out '^got	true	true	true$' "REPL: res holds the partial results"

# ... and a script goes on after the interrupted sweep, then exits 130
printf 'local r = mcpi.sweep{kernels = {"c.scalar"}, n = {1e3, 1e10}, reps = 3, quiet = true}\nprint("partial", r.partial, #r.rows > 0)\n' >"$tmp/int.lua"
interrupt_after 4 "$MCPI" script "$tmp/int.lua"
expect_rc 130 "script: exit 130"
expect_out '^partial	true	true$' "script: the partial results object returned"
# --show: chosen fields as columns, in mcpi run and mcpi report
run "$MCPI" run c.scalar -n 1e3,1e4 --reps 3 --show jit_samples,nope --no-progress
expect_out '^KERNEL .* JIT_SAMPLES +NOPE' "run --show: columns"
expect_err "--show nope: no summary row has this field" "run --show: an unknown field is named"
run "$MCPI" report "$tmp/o/F.json" -o "$tmp/o/g.html" --show jit_samples
expect_rc 0 "report --show"
if grep -q '<th>jit_samples</th>' "$tmp/o/g.html"; then pass; else fail "report --show: column"; fi
finish
