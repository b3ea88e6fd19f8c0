# Worker kernels from the command line: a faulty worker beside c.scalar, Ctrl-C
# and SIGKILL mid-sweep, the REPL and os.exit -- and no worker process left
# behind after any of them (pgrep -f for a tag unique to this run).
. "$(dirname "$0")/lib.sh"

RUNW=tests/workers/run_with_worker.lua
tag="mcpi-test-worker-$$"
no_leftover() {
    sleep 0.3
    left=$(pgrep -f "$tag" | tr '\n' ' ')
    if [ -z "$left" ]; then pass; else fail "$1: worker processes left: $left ($(ps -o pid,stat,args -p $left | tail -n +2))"; pkill -KILL -f "$tag"; fi
}

# A worker that crashes at rep 2 beside c.scalar: one line naming it, exit 1,
# every c.scalar row and the worker's finished rows kept.
run "$MCPI" script $RUNW crash_seed3 "$tag-a" c.scalar test.worker -n 1e3,1e4 --reps 4 \
    --jsonl "$tmp/c.jsonl" --no-progress
expect_rc 1 "a failed worker: exit 1"
expect_err "^mcpi: kernel test.worker failed at n=1000: test.worker: worker exited with status 3 when asked to count n=1000 seed=3 calls=[0-9]+ \(its last stderr line: 'fake worker: crashing as asked'\); its remaining points are skipped$" "the failure in one line"
expect_out '^c\.scalar +10000 +4 ' "c.scalar measured at every N"
rows=$(grep -c '"row":"rep"' "$tmp/c.jsonl")
wrows=$(grep '"row":"rep"' "$tmp/c.jsonl" | grep -c '"kernel":"test.worker"')
if [ "$rows" = 10 ] && [ "$wrows" = 2 ]; then pass; else fail "rows kept: $rows reps, $wrows of the worker (want 10, 2)"; fi
no_leftover "after a crash"

# A worker that hangs: the plan's timeout (lifted to the kernel's floor) stops it.
TEST_WORKER_TIMEOUT=0.5 run "$MCPI" script $RUNW hang_seed2 "$tag-b" test.worker c.scalar -n 1e3 --reps 3 --no-progress
expect_rc 1 "a hung worker: exit 1"
expect_err "worker sent nothing within 0.5 s when asked to count n=1000 seed=2 calls=[0-9]+; stopped it" "the timeout in one line"
expect_out '^c\.scalar +1000 +3 ' "c.scalar measured"
no_leftover "after a timeout"

# Ctrl-C while the worker counts (1e8 samples take about 0.4 s a call).
interrupt_after 3 "$MCPI" script $RUNW ok "$tag-c" test.worker c.scalar -n 1e6,1e7,1e8 --reps 20 \
    --jsonl "$tmp/i.jsonl" --no-progress
expect_rc 130 "Ctrl-C: exit 130"
expect_err '^mcpi: interrupted' "says interrupted"
wrows=$(grep '"row":"rep"' "$tmp/i.jsonl" | grep -c '"kernel":"test.worker"')
if [ "${wrows:-0}" -gt 0 ]; then pass; else fail "Ctrl-C: the worker's finished rows kept ($wrows)"; fi
no_leftover "after Ctrl-C"

# mcpi killed outright: the worker dies with it (PR_SET_PDEATHSIG).
"$MCPI" script $RUNW ok "$tag-d" test.worker -n 1e8 --reps 50 --no-progress >/dev/null 2>&1 &
pid=$!
sleep 2
kill -KILL "$pid"
wait "$pid" 2>/dev/null
no_leftover "after SIGKILL of mcpi"

# The REPL (from a pipe), a chunk ending in os.exit and one ending in an error.
REG="k = mcpi.kernels.register{ name = 'test.w', command = { '$MCPI', 'script', 'tests/workers/fake_worker.lua', 'ok', '$tag-e' } }"
run_in "$REG
print(k.fn(1000, 5))
" "$MCPI" repl
expect_rc 0 "REPL"
expect_out '^806ULL$' "REPL: the worker's hits"
no_leftover "after the REPL"
run "$MCPI" -e "$REG; print(k.fn(1000, 5)); os.exit(0)"
expect_out '^806ULL$' "os.exit: the worker's hits"
no_leftover "after os.exit"
run "$MCPI" -e "$REG; k.fn(1000, 5); error('boom')"
expect_rc 1 "a script error"
no_leftover "after a script error"

# Ctrl-C on a terminal while a worker hangs: the REPL goes on, the next call
# gets a fresh worker, and nothing is left after Ctrl-D. The worker is in its
# own process group: the terminal's ^C reaches mcpi, which stops the worker.
if command -v script >/dev/null 2>&1; then
    {
        sleep 1
        printf "k = mcpi.kernels.register{ name = 'test.w', command = { '%s', 'script', 'tests/workers/fake_worker.lua', 'hang_seed2', '%s' } }\n" "$MCPI" "$tag-f"
        sleep 0.4; printf 'print(k.fn(1000, 5))\n'; sleep 1
        printf 'print(k.fn(1000, 2))\n'; sleep 1
        printf '\003'; sleep 1
        printf 'print("again", k.fn(1000, 5))\n'; sleep 1
        printf '\004'; sleep 1
    } | MCPI_HISTORY= SHELL=/bin/sh TERM=xterm script -qec "exec \"$MCPI\" repl" /dev/null >"$tmp/tty" 2>&1
    rc=$?
    out=$(tr -d '\r' <"$tmp/tty")
    expect_rc 0 "terminal REPL with a worker: Ctrl-D exits 0"
    expect_out '^806ULL$' "terminal: the worker's hits"
    expect_out 'mcpi: interrupted' "terminal: Ctrl-C stops the wait for a worker"
    expect_out '^again	806ULL$' "terminal: a fresh worker afterwards"
    no_leftover "after a terminal session"
else
    printf 'SKIP %s: script(1) not installed (apt-get install bsdutils)\n' "$name"
fi

# mcpi list: a worker kernel, unavailable with why and the command that fixes it.
run "$MCPI" -e "mcpi.kernels.register{ name = 'py.fake', stream = 'philox', description = 'a peer',
  command = { 'python3', 'x.py' },
  available = function() return false, 'fakelib is not installed', 'make peers PEERS=fake' end }
mcpi.kernels.register{ name = 'py.gone', description = 'no program', command = { 'no-such-program-$$' } }
os.exit(require('mcpi.cli').main({ [0] = 'mcpi', 'list' }))"
expect_rc 0 "list"
expect_out '^py\.fake +py +philox +no +a peer \[fakelib is not installed; to enable: make peers PEERS=fake\]$' "list: why and hint"
expect_out "^py\.gone +py +custom +no +no program \[no-such-program-$$ not found on PATH\]$" "list: a missing program"
expect_out '^c\.scalar +c +philox +yes' "list: built-ins as before"
run "$MCPI" -e "mcpi.kernels.register{ name = 'py.fake', command = { 'python3' },
  available = function() return false, 'fakelib is not installed', 'make peers PEERS=fake' end }
os.exit(require('mcpi.cli').main({ [0] = 'mcpi', 'run', 'py.fake' }))"
expect_rc 2 "run: an unavailable worker kernel"
expect_err "^mcpi: run: kernel 'py.fake' is unavailable on this machine: fakelib is not installed \(to enable: make peers PEERS=fake; see 'mcpi list'\)$" "run: why and hint"

finish
