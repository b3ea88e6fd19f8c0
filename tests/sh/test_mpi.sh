# MPI ranks (Open MPI's mpirun, oversubscribed on a small machine): every
# philox kernel split over K = 1..4 ranks gives one process's hits for every
# (seed, N) row, N < K and odd N included; mcpi run writes one results file
# with the ranks in its context; a killed rank, a stopped rank and Ctrl-C end
# the job with a message, never a hang; no MPI -> a clear error.
. "$(dirname "$0")/lib.sh"

MPIRUN="mpirun --allow-run-as-root --oversubscribe"
# Under make asan, ranks keep AddressSanitizer and UBSan but not the leak
# check: Open MPI dlcloses the plugins it tried and did not select during
# MPI_Init, and what they allocated can no longer be attributed (nor
# suppressed by name). Everything run without mpirun keeps the leak check.
if [ -n "${MCPI_SANITIZED:-}" ]; then
    MPIRUN="env ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 $MPIRUN"
fi
export MCPI_MPIRUN="$MPIRUN"  # for scripts/scaling.lua
if ! command -v mpirun >/dev/null 2>&1; then
    fail "mpirun not found (make test installs openmpi-bin: sh vendor/fetch.sh --tools)"
    finish; exit 1
fi
DLDIR=$(dirname "$MCPI")/obj/dl
case "$MCPI" in *mcpi-asan) DLDIR=$(dirname "$MCPI")/obj-asan/dl ;; esac
if [ ! -f "$DLDIR/libmcpi_mpi.so" ]; then
    fail "the MPI shim $DLDIR/libmcpi_mpi.so was not built (make dl needs mpicc)"
    finish; exit 1
fi

# rows: one process, then K ranks; the lines must be identical
run "$MCPI" tests/data/mpi_rows.lua
expect_rc 0 "rows, one process"
cp "$tmp/out" "$tmp/ref"
nrows=$(grep -vc '^#' "$tmp/ref")
if [ "$nrows" -ge 300 ]; then pass; else fail "only $nrows reference rows"; fi
for k in 1 2 3 4; do
    run $MPIRUN -np $k "$MCPI" tests/data/mpi_rows.lua
    expect_rc 0 "rows, $k ranks"
    expect_out "^# ranks $k\$" "rows, $k ranks: context says $k ranks"
    expect_err "c\.threads split=yes" "rows, $k ranks: c.threads is split"
    expect_err "lua\.philox split=yes" "rows, $k ranks: lua.philox is split"
    grep -v '^#' "$tmp/ref" >"$tmp/a"
    grep -v '^#' "$tmp/out" >"$tmp/b"
    if cmp -s "$tmp/a" "$tmp/b"; then pass; else
        fail "rows, $k ranks: hits differ from one process: $(diff "$tmp/a" "$tmp/b" | head -3)"
    fi
done

# ocl.philox split over 2 ranks too (each rank builds the program)
if "$MCPI" list | grep -q '^ocl\.philox .* yes '; then
    run "$MCPI" tests/data/mpi_rows.lua ocl.philox,c.scalar
    cp "$tmp/out" "$tmp/ocl1"
    run $MPIRUN -np 2 "$MCPI" tests/data/mpi_rows.lua ocl.philox,c.scalar
    expect_rc 0 "ocl.philox rows, 2 ranks"
    if [ "$(grep -v '^#' "$tmp/ocl1")" = "$(grep -v '^#' "$tmp/out")" ]; then pass; else
        fail "ocl.philox over 2 ranks differs from one process"; fi
fi

# the issue's check: one results file, hits equal to one process's
run "$MCPI" run c.simd lua.philox -n 1e5 --reps 2 --seed 42 --json "$tmp/one.json" --quiet
expect_rc 0 "mcpi run, one process"
run $MPIRUN -np 3 "$MCPI" run c.simd lua.philox -n 1e5 --reps 2 --seed 42 --json "$tmp/three.json" --quiet
expect_rc 0 "mcpi run, 3 ranks"
if [ "$(ls "$tmp" | grep -c '\.json$')" = 2 ]; then pass; else fail "3 ranks wrote extra files: $(ls "$tmp")"; fi
hits() {
    "$MCPI" -e 'local r = mcpi.load(arg[1]) for _, x in ipairs(r.rows) do
      if x.rep then print(x.kernel, x.seed, mcpi.util.u64str(mcpi.util.to_u64(x.hits))) end end
      print("ranks", r.context.mpi and r.context.mpi.ranks, r.context.mpi and r.context.mpi.library)' "$1" | sort
}
h1=$(hits "$tmp/one.json"); h3=$(hits "$tmp/three.json")
if [ "$(printf '%s\n' "$h1" | grep -v ranks)" = "$(printf '%s\n' "$h3" | grep -v ranks)" ]; then pass; else
    fail "hits of mcpi run under 3 ranks differ: $h1 / $h3"; fi
case "$h3" in *"ranks	3	Open MPI"*) pass ;; *) fail "context.mpi lacks ranks 3 and the library: $h3" ;; esac
# rows: ranks and hosts, the slowest rank's seconds beside rank 0's wall clock
run "$MCPI" -e 'local ok = 0 for _, x in ipairs(mcpi.load(arg[1]).rows) do
    if x.rep and x.ranks == 3 and x.hosts == 1 and x.seconds > 0 and x.wall_seconds > 0 then ok = ok + 1 end end
    print("rows with ranks", ok)' "$tmp/three.json"
expect_out '^rows with ranks.[1-9]' "rows carry ranks, hosts, seconds and wall_seconds"

# rank1_of PID: the pid of rank 1 among mpirun PID's children (waits up to 10 s).
rank1_of() {
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        sleep 0.5
        for p in $(pgrep -P "$1"); do
            if tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -q '^OMPI_COMM_WORLD_RANK=1$'; then
                echo "$p"; return
            fi
        done
    done
}

# a rank killed mid-run: mpirun ends the job with a message, well within 30 s
"$MCPI" -e '' >/dev/null  # warm the page cache
$MPIRUN -np 2 "$MCPI" run c.scalar -n 1e6 --reps 100000 >"$tmp/out" 2>"$tmp/err" </dev/null &
mp=$!
victim=$(rank1_of $mp)
sleep 1
[ -n "$victim" ] && kill -9 "$victim"
t0=$(date +%s)
( sleep 30; kill -9 $mp 2>/dev/null ) & guard=$!
wait $mp; rc=$?
kill $guard 2>/dev/null
out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
if [ -n "$victim" ]; then pass; else fail "rank 1's process not found"; fi
if [ "$rc" != 0 ] && [ $(( $(date +%s) - t0 )) -lt 30 ]; then pass; else fail "killed rank: exit $rc after $(( $(date +%s) - t0 )) s"; fi
expect_err 'process rank 1 .* exited on signal 9' "killed rank: mpirun names the rank"

# a rank that stops answering: the others time out (MCPI_MPI_TIMEOUT) and say so
# (many short calls: rank 0 reaches the reduction soon after rank 1 stops)
MCPI_MPI_TIMEOUT=2 $MPIRUN -x MCPI_MPI_TIMEOUT -np 2 "$MCPI" run c.scalar -n 1e6 --reps 100000 \
    --json "$tmp/hang.json" >"$tmp/out" 2>"$tmp/err" </dev/null &
mp=$!
victim=$(rank1_of $mp)
sleep 1
[ -n "$victim" ] && kill -STOP "$victim"
( sleep 40; kill -CONT "$victim" 2>/dev/null; kill -9 $mp 2>/dev/null ) & guard=$!
wait $mp; rc=$?
kill $guard 2>/dev/null
out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect_rc 1 "stopped rank: exit 1"
expect_err 'no answer from the other ranks within 2 s \(a rank died or hangs\)' "stopped rank: timeout named"
if [ -f "$tmp/hang.json" ]; then pass; else fail "stopped rank: rank 0 did not write its results file"; fi

# Ctrl-C (mpirun turns it into SIGTERM for every rank): rank 0 writes what it
# has, given the time (mpirun sends SIGTERM, then SIGKILL, each after
# odls_base_sigkill_timeout seconds, default 1; a loaded machine needs more).
# sh starts background jobs with SIGINT ignored; env --default-signal undoes that.
env --default-signal=INT $MPIRUN --mca odls_base_sigkill_timeout 4 -np 2 "$MCPI" run c.scalar -n 1e4,1e10 --reps 3 --json "$tmp/int.json" \
    >"$tmp/out" 2>"$tmp/err" </dev/null &
mp=$!
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
    sleep 0.5
    grep -q '"n":10000' "$tmp/int.jsonl" 2>/dev/null && break
done
sleep 1
kill -INT $mp
( sleep 30; kill -9 $mp 2>/dev/null ) & guard=$!
wait $mp; rc=$?
kill $guard 2>/dev/null
out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
if [ "$rc" != 0 ]; then pass; else fail "Ctrl-C: exit 0"; fi
expect_err 'interrupted: [0-9]+ finished rows kept' "Ctrl-C: rank 0 reports what it kept"
if grep -q '"n":10000' "$tmp/int.json" 2>/dev/null; then pass; else fail "Ctrl-C: the final JSON lacks the finished rows"; fi

# scripts/scaling.lua: strong and weak rows for K = 1, 2, JSON and two charts
run "$MCPI" scripts/scaling.lua c.scalar -n 200000 --ranks 2 --reps 2 --out "$tmp/sc/scaling"
expect_rc 0 "scaling.lua"
expect_out '^strong +2 +2e\+05 ' "scaling: strong row for K=2"
expect_out '^weak +2 +2e\+05 ' "scaling: weak row for K=2 (N = 1e5 per rank)"
expect_out 'hits identical to K=1 for every K' "scaling: hits checked"
run "$MCPI" -e 'local d = require("mcpi.json").decode(io.open(arg[1]):read("*a"))
  print(d.schema, #d.rows, d.rows[2].ranks, d.rows[2].mpi_ranks, d.rows[2].speedup > 0)' "$tmp/sc/scaling.json"
expect_out '^mcpi-scaling/1	4	2	2	true$' "scaling.json: 4 rows, K=2 ran on 2 ranks"
for f in speedup efficiency; do
    if xmllint --noout "$tmp/sc/scaling_$f.svg" 2>/dev/null; then pass; else fail "scaling_$f.svg is not well-formed SVG"; fi
done
run "$MCPI" scripts/scaling.lua lua.jit
expect_rc 2 "scaling.lua: a kernel off the philox stream is a usage error"

# MPI asked for but not there: one clear line, exit 1
MCPI_MPI=1 MCPI_DLDIR="$tmp/none" run "$MCPI" list
expect_rc 1 "no shim: exit 1"
expect_err "^mcpi: mpi: the MPI shim $tmp/none/libmcpi_mpi.so is missing" "no shim: message"

finish
