# mcpi compare: two runs of the same kernels pass (exit 0); a kernel name
# backed by c.avx512 in OLD and by c.scalar in NEW is a regression (exit 1,
# the point named); hit-count differences fail; no common point, missing or
# foreign files and every bad option exit 2.
. "$(dirname "$0")/lib.sh"

run "$MCPI" compare --help
expect_rc 0 "compare --help"
expect_out 'Mann-Whitney U' "help names the test"

# Two runs of the same kernels. The development machine is shared (medians
# moved 2-3x between two runs under load 3-4 on 2 cores), so the threshold
# is a 5x slow-down here; the Lua tests check the default 5% on synthetic
# data, and the regression below sets its threshold from its own speed-up.
"$MCPI" run c.scalar c.simd -n 1e5,1e6 --reps 8 --quiet --json "$tmp/a.json" >/dev/null 2>&1
"$MCPI" run c.scalar c.simd -n 1e5,1e6 --reps 8 --quiet --json "$tmp/b.json" >/dev/null 2>&1
run "$MCPI" compare "$tmp/a.json" "$tmp/b.json" --threshold 400 --json "$tmp/c.json" --csv "$tmp/c.csv" --bmf "$tmp/c.bmf"
expect_rc 0 "same kernels twice"
expect_out '^c\.simd +1e6 +8/8 ' "a line per point"
expect_out 'geometric mean of ratios: c\.scalar [0-9.]+x \(2 pts\), c\.simd [0-9.]+x \(2 pts\); overall [0-9.]+x over 4 points' "geometric means"
expect_out '^no regression \(4 points compared\)' "verdict"
expect_out 'HITS' "hits column"
run "$MCPI" -e 'local t = mcpi.json.decode(io.open(arg[1]):read("*a")); print(t.schema, #t.points, t.exit_code, t.threshold_pct)' "$tmp/c.json"
expect_out '^mcpi-compare/1	4	0	400$' "--json file"
run head -1 "$tmp/c.csv"
expect_out '^kernel,n,old_reps,new_reps,old_seconds,new_seconds,ratio,ratio_lo,ratio_hi,p_value' "--csv header"
run "$MCPI" -e 'local t = mcpi.json.decode(io.open(arg[1]):read("*a")); local b = t["c.simd/N=1e6"]; print(b.latency.value > 0, b.latency.lower_value <= b.latency.value, b.latency.value <= b.latency.upper_value, b.speedup.value > 1)' "$tmp/c.bmf"
expect_out '^true	true	true	true$' "--bmf: latency with bounds, speedup"

# the .jsonl a sweep streamed compares too (with the same rows: no change)
run "$MCPI" compare "$tmp/a.jsonl" "$tmp/a.json"
expect_rc 0 ".jsonl against its .json"
expect_out 'no change' ".jsonl: no change"

# --kernel keeps one kernel
run "$MCPI" compare "$tmp/a.json" "$tmp/b.json" --kernel c.simd --threshold 400
expect_rc 0 "--kernel"
if printf '%s' "$out" | grep -q '^c\.scalar '; then fail "--kernel c.simd still shows c.scalar"; else pass; fi

# A real regression: user.gate is c.avx512 (or c.avx2) in OLD, c.scalar in NEW.
fast=
for k in c.avx512 c.avx2; do
    if "$MCPI" -e "os.exit(mcpi.kernels.get('$k').available() and 0 or 1)"; then fast=$k; break; fi
done
if [ -n "$fast" ]; then
    "$MCPI" script tests/data/compare_gate.lua "$fast" "$tmp/old.json" 1e6 8 >/dev/null 2>&1
    "$MCPI" script tests/data/compare_gate.lua c.scalar "$tmp/new.json" 1e6 8 >/dev/null 2>&1
    # How much faster $fast is than c.scalar in this build (about 7x here,
    # far less under AddressSanitizer), from the old run's paired speed-up:
    # the threshold is a quarter of that slow-down on a log scale, so that the
    # load changing between the two runs (2x on a busy 2-core machine) cannot
    # hide a 7x regression, nor a 2.5x one under the sanitizers.
    thr=$("$MCPI" -e 'for _, s in ipairs(mcpi.load(arg[1]).summary) do
      if s.kernel == "user.gate" then print(math.floor((s.speedup ^ 0.25 - 1) * 100)) end end' "$tmp/old.json")
    if [ "${thr:-0}" -ge 15 ]; then
        run "$MCPI" compare "$tmp/old.json" "$tmp/new.json" --threshold "$thr"
        expect_rc 1 "user.gate $fast -> c.scalar is a regression (threshold $thr%)"
        expect_out "^regression: user\\.gate at N=1e6 is [0-9.]+x slower \\(95% CI [0-9.]+-[0-9.]+, p = [0-9.e-]+\\), beyond $thr%" "names the point"
        expect_out '^user\.gate +1e6 .* slower REGRESSION' "marked in the table"
        # c.scalar ran unchanged in both, but the load on a shared machine can
        # move it past the threshold between two runs (1.55x once under ASan
        # in CI), so what is checked here on real data is that its verdict
        # follows from its own numbers; that an unchanged kernel is not
        # flagged is checked on fixed data in tests/lua/test_compare.lua.
        run "$MCPI" compare "$tmp/old.json" "$tmp/new.json" --threshold "$thr" --kernel c.scalar --json "$tmp/scalar.json"
        "$MCPI" -e 'local t = mcpi.json.decode(io.open(arg[1]):read("*a")); local p = t.points[1]
          local want = p.verdict == "slower" and p.change_pct > tonumber(arg[2])
          print(p.kernel, (p.regression == true) == want, t.exit_code == (want and 1 or 0))' "$tmp/scalar.json" "$thr" > "$tmp/scalar.txt"
        if grep -q '^c\.scalar	true	true$' "$tmp/scalar.txt"; then pass; else fail "c.scalar's verdict does not follow from its ratio: $(cat "$tmp/scalar.txt")"; fi
    else
        echo "test_compare: $fast is not 1.75x faster than c.scalar in this build; the regression case is skipped"
    fi
else
    echo "test_compare: no AVX kernel on this CPU; the regression case is skipped"
fi

# A hit-count difference on the philox stream is a correctness regression.
"$MCPI" -e '
local r = mcpi.load(arg[1])
for _, row in ipairs(r.rows) do
  if row.kernel == "c.simd" and row.n == 1e5 and row.rep == 2 then row.hits = row.hits + 1 end
end
assert(r:save(arg[2]))' "$tmp/a.json" "$tmp/bad.json"
run "$MCPI" compare "$tmp/a.json" "$tmp/bad.json"
expect_rc 1 "hit difference"
expect_out '^hit counts differ: c\.simd at N=1e5 \(seed 3: [0-9]+ -> [0-9]+ hits\): a correctness regression' "names the seed"
expect_out 'DIFFER \(1 seeds\)' "hits column"

# exit 2: one line naming what is wrong
bad() {
    msg=$1; shift
    run "$MCPI" compare "$@"
    expect_rc 2 "compare $*"
    expect_err "$msg" "compare $* message"
    if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then fail "compare $*: message is not one line"; else pass; fi
}
"$MCPI" run c.scalar -n 1000 --reps 3 --quiet --json "$tmp/other.json" >/dev/null 2>&1
echo '{"a": 1}' > "$tmp/foreign.json"
echo 'not json' > "$tmp/text.json"
bad "no point in common: .* share no \(kernel, N\)" "$tmp/a.json" "$tmp/other.json"
bad "cannot (open|read) .*nope\.json" "$tmp/nope.json" "$tmp/a.json"
bad "is not an mcpi results file" "$tmp/foreign.json" "$tmp/a.json"
bad "is not JSON" "$tmp/a.json" "$tmp/text.json"
bad "need two results files, got 1" "$tmp/a.json"
bad "need two results files, got 3" "$tmp/a.json" "$tmp/a.json" "$tmp/a.json"
bad "--threshold: 'x' is not a percentage >= 0" "$tmp/a.json" "$tmp/b.json" --threshold x
bad "--threshold: '-3' is not a percentage >= 0" "$tmp/a.json" "$tmp/b.json" --threshold -3
bad "--threshold needs a value" "$tmp/a.json" "$tmp/b.json" --threshold
bad "--kernel: |kernel 'c.nope' is in neither run" "$tmp/a.json" "$tmp/b.json" --kernel c.nope
bad "--json needs a file name" "$tmp/a.json" "$tmp/b.json" --json=
bad "unknown option '--treshold' \(did you mean '--threshold'\?" "$tmp/a.json" "$tmp/b.json" --treshold 5
# an output file that cannot be written: the comparison still prints, exit 1
run "$MCPI" compare "$tmp/a.json" "$tmp/b.json" --threshold 400 --json /nonexistent/dir/c.json
expect_rc 1 "unwritable --json"
expect_err "cannot write '/nonexistent/dir/c.json'" "unwritable --json message"

# --bmf for run and the sweep
run "$MCPI" run c.scalar c.simd -n 1e4 --reps 4 --quiet --bmf "$tmp/r.bmf"
expect_rc 0 "run --bmf"
run "$MCPI" -e 'local t = mcpi.json.decode(io.open(arg[1]):read("*a")); print(t["c.scalar/N=10000"].latency.value > 0, t["c.simd/N=10000"].speedup ~= nil, t["c.scalar/N=10000"].speedup == nil)' "$tmp/r.bmf"
expect_out '^true	true	true$' "run --bmf: a benchmark per point, speedup for non-baselines"
run "$MCPI" run c.scalar --bmf /nonexistent/dir/r.bmf
expect_rc 2 "run --bmf unwritable"
expect_err "^mcpi: run: --bmf: cannot write '/nonexistent/dir/r\.bmf'" "run --bmf unwritable message"
run "$MCPI" run c.scalar --bmf
expect_rc 2 "run --bmf without a value"
expect_err "--bmf needs a value" "run --bmf without a value message"
run "$MCPI" -e 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, bmf = 5}'
expect_rc 1 "sweep{bmf = 5}"
expect_err "sweep: bmf must be a file name" "sweep{bmf = 5} message"

finish
