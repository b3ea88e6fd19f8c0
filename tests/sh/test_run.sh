# mcpi run: an ad-hoc comparison, its files, and every bad argument -> exit 2.
. "$(dirname "$0")/lib.sh"

run "$MCPI" run --help
expect_rc 0 "run --help"
expect_out '^usage: mcpi run KERNEL\.\.\. \[options\]' "run --help usage line"
expect_out '--budget SEC' "run --help lists options"

run "$MCPI" help run
expect_rc 0 "help run"
expect_out 'ad-hoc comparison' "help run summary"

# bad arguments: exit 2, one line naming what is wrong and what is right
bad() {
    msg=$1; shift
    run "$MCPI" run "$@"
    expect_rc 2 "run $*"
    expect_err "$msg" "run $* message"
    if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then fail "run $*: message is not one line"; else pass; fi
}
bad "no kernel given \(usage: mcpi run KERNEL" 
bad "unknown kernel 'c\.smid' \(did you mean 'c\.simd'\?" c.smid
bad "unknown option '--thread' \(did you mean '--threads'\?" c.scalar --thread 2
bad "unknown option '--bugdet' \(did you mean '--budget'\?" c.scalar --bugdet 2
bad "-n: 0 is below 1 \(give whole numbers >= 1" c.scalar -n 0
bad "-n: -5 is below 1" c.scalar -n -5
bad "-n: 1e99 is too large \(at most 2\^53\)" c.scalar -n 1e99
bad "-n: '1e6x' is not a number" c.scalar -n 1e6x
bad "-n: '2.5' is not a whole number" c.scalar -n 2.5
bad "-n: '' is not a number" c.scalar -n 1e3,,1e4
bad "--reps: 0 is below 1 \(give a whole number in 1\.\.1000000\)" c.scalar --reps 0
bad "--reps: 1e9 is too large" c.scalar --reps 1e9
bad "--budget: -1 must be > 0 seconds" c.scalar --budget -1
bad "--budget: 0 must be > 0 seconds" c.scalar --budget 0
bad "--budget: 'soon' is not a number of seconds" c.scalar --budget soon
bad "--budget: 1e9 is too large" c.scalar --budget 1e9
bad "--budget needs a value" c.scalar --budget
bad "--seed: must be a non-negative integer, got '-1' \\(0 <= seed < 2\\^64\\)" c.scalar --seed -1
bad "--seed: must be < 2\^64" c.scalar --seed 18446744073709551616
bad "--threads: 100000 is too large" c.scalar --threads 100000
bad "--n-range: '9:1' needs 0 <= A <= B <= 15" c.scalar --n-range 9:1
bad "--n-range: 'x' is not A:B" c.scalar --n-range x
bad "^mcpi: run: --baseline 'c.simd' is not among the kernels \\(kernels: c.scalar\\)$" c.scalar --baseline c.simd
bad "--json: cannot write '/nonexistent-dir/x.json'" c.scalar --json /nonexistent-dir/x.json
bad "--quiet takes no value" c.scalar --quiet=yes

# an unavailable kernel asked for by name is an error, not a silent skip
unavail=$("$MCPI" list | awk '$4 == "no" { print $1; exit }')
if [ -n "$unavail" ]; then
    bad "kernel '$unavail' is unavailable on this machine" "$unavail"
fi

# a real run: table on stdout, plan on stderr, files that cjson reads back
run "$MCPI" run c.scalar c.simd -n 1e3,1e4,1e5 --reps 3 --seed 7 --json "$tmp/r.json" --csv "$tmp/r.csv" --baseline c.scalar --no-progress
expect_rc 0 "run c.scalar c.simd"
expect_out '^KERNEL +N +REPS +TIME +95% CI +NS/SAMPLE +SAMPLES/S +VS c\.scalar' "table header"
expect_out '^c\.simd +10000 +3 ' "table row"
expect_out '^fits \(time = t0 \+ c\*N' "fits printed"
expect_out '^KERNEL +FIXED t0 +NS/SAMPLE c +95% CI +R2 +TIME b' "fits header"
expect_err '^plan: 6 points' "plan on stderr"
run "$MCPI" -e '
local r = assert(mcpi.load(arg[1]))
local lines = 0
for _ in io.lines(arg[2]) do lines = lines + 1 end
local jl = 0
for l in io.lines(arg[3]) do assert(require("cjson").decode(l).kernel); jl = jl + 1 end
print(#r.rows, #r.summary, lines, jl, r.rows[1].seed, r.context.command_line)' "$tmp/r.json" "$tmp/r.csv" "$tmp/r.jsonl"
expect_rc 0 "read back"
expect_out '^18	6	25	24	7	.*run c\.scalar c\.simd -n 1e3,1e4,1e5' "18 reps + 6 summaries; csv header + 24; jsonl 24; seed 7"

# a kernel that fails: noted, the others measured, exit 1
cat >"$tmp/fail.lua" <<'EOF'
mcpi.kernels.register{ name = "test.broken", fn = function() error("broken: always") end }
os.exit(require("mcpi.runcmd").main({ [0] = "mcpi", "run", "c.scalar", "test.broken", "-n", "1000",
  "--reps", "2", "--no-progress" }, 2), true)
EOF
run "$MCPI" script "$tmp/fail.lua"
expect_rc 1 "a failing kernel makes run exit 1"
expect_out '^c\.scalar +1000 +2 ' "the other kernel is measured and printed"
expect_err 'kernel test\.broken failed while probing: .*broken: always; skipped' "the failure is named"
expect_err '1 kernel failure\(s\)' "and counted"

# the progress bar: on when asked for (by default only on a terminal)
run "$MCPI" run c.scalar -n 1e3,1e4 --reps 3 --progress
expect_rc 0 "run --progress"
expect_err 'ETA' "progress bar with an ETA on stderr"
run "$MCPI" run c.scalar -n 1e3 --reps 3
if printf '%s' "$err" | grep -q ETA; then fail "no progress bar when stderr is not a terminal"; else pass; fi

# a full disk: measured rows still printed, a clear error, exit 1
if [ -w /dev/full ]; then
    run "$MCPI" run c.scalar -n 1000 --reps 2 --jsonl /dev/full --no-progress
    expect_rc 1 "jsonl on a full disk"
    expect_out '^c\.scalar +1000 +2 ' "results printed despite the full disk"
    expect_err "cannot write '/dev/full': No space left on device" "full disk message"
fi

# the study script takes the same options
run "$MCPI" script scripts/sweep.lua c.scalar --n-range 1:3 --budget 2 --json "$tmp/s.json" --csv "$tmp/s.csv" --jsonl "$tmp/s.jsonl"
expect_rc 0 "sweep.lua"
expect_out '^c\.scalar +1000 ' "sweep.lua table"
expect_out 'c\.scalar: 3 points' "sweep.lua summary"
run "$MCPI" script scripts/sweep.lua --budget -2
expect_rc 2 "sweep.lua bad budget"
expect_err "sweep\.lua: --budget: -2 must be > 0" "sweep.lua bad budget message"
run "$MCPI" script scripts/sweep.lua --bugdet 5
expect_rc 2 "sweep.lua unknown option"
expect_err "^mcpi: sweep\.lua: unknown option '--bugdet' \\(did you mean '--budget'\\?.*see 'mcpi script scripts/sweep\.lua --help'\\)$" "sweep.lua points to its own --help"

# the comparison script: philox kernels agree bit for bit
run "$MCPI" script scripts/compare.lua c.scalar c.simd 1e4 5
expect_rc 0 "compare.lua"
expect_out '^(c\.simd is [0-9.]+x (faster|slower) than c\.scalar \(95% CI [0-9.]+-[0-9.]+\)|c\.simd vs c\.scalar: no significant difference \([0-9.]+x, 95% CI [0-9.]+-[0-9.]+\)) at N=10000|^c\.simd vs c\.scalar at N=10000: no significant difference' "compare.lua speed-up with CI"
expect_out 'hit counts equal in 5 of 5 repetitions' "compare.lua: same philox hits"
run "$MCPI" script scripts/compare.lua c.scalr
expect_rc 2 "compare.lua unknown kernel"
expect_err "did you mean 'c\.scalar'" "compare.lua suggests"

# the user decorator example
run "$MCPI" script scripts/decorator_rss.lua
expect_rc 0 "decorator_rss.lua"
expect_out 'peak_rss_kb' "decorator adds its metric"

finish
