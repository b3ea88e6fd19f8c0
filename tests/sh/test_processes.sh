# --processes K: repetitions spread over K fresh mcpi processes; rows carry
# the process, summaries the between-process spread and a hierarchical CI
# (recomputed by tests/data/check_processes.lua); Ctrl-C and a dead child
# leave no process behind and keep what finished; bad input exits 2.
. "$(dirname "$0")/lib.sh"

# Fresh processes of this mcpi only (another checkout's suite may be running
# beside this one): children run the executable's resolved path.
exe=$(readlink -f "$MCPI")
orphans() { pgrep -f "^$exe .*require\('mcpi\.fresh'\)\.child" >/dev/null 2>&1; }

run "$MCPI" run lua.philox c.scalar -n 1e7 --processes 9 --json "$tmp/p9.json" --quiet
expect_rc 0 "run --processes 9"
expect_out '^lua\.philox +1e7 +9 ' "9 repetitions, one per process"
run "$MCPI" script tests/data/check_processes.lua "$tmp/p9.json" 9
expect_rc 0 "summary matches its definition (9 processes)"
expect_out '^ok$' "check_processes 9"

# two repetitions per process, and a .jsonl with every row
run "$MCPI" run lua.philox c.scalar -n 1e5 --processes 3 --reps 6 --json "$tmp/p3.json"
expect_rc 0 "run --processes 3 --reps 6"
expect_err '3 fresh processes for lua\.philox, c\.scalar' "plan names the processes"
run "$MCPI" script tests/data/check_processes.lua "$tmp/p3.json" 3
expect_out '^ok$' "check_processes 3"
run "$MCPI" script tests/data/check_processes.lua "$tmp/p3.jsonl" 3
expect_out '^ok$' "the .jsonl holds the same rows"
if orphans; then fail "a fresh process outlived its run"; else pass; fi

# LuaJIT's state options reach the fresh processes: -joff leaves lua.philox
# uncompiled there (no trace at the first call)
for o in "" -joff; do
    run "$MCPI" $o run lua.philox -n 1e4 --processes 2 --reps 2 --quiet --json "$tmp/j.json"
    run "$MCPI" -e 'print(mcpi.load(arg[1]).summary[1].jit_traces_first)' "$tmp/j.json"
    if [ -z "$o" ]; then expect_out '^[1-9]' "JIT on: traces in the fresh process"
    else expect_out '^0$' "-joff: no trace in the fresh process"; fi
done

# Ctrl-C: the child in progress is stopped, finished rows are kept, exit 130
interrupt_after 2 "$MCPI" run lua.philox -n 3e7 --processes 4 --reps 400 --jsonl "$tmp/int.jsonl" --json "$tmp/int.json"
expect_rc 130 "Ctrl-C during fresh processes"
expect_err 'interrupted: [0-9]+ finished rows kept' "interrupt message"
sleep 0.3
if orphans; then fail "Ctrl-C left a fresh process running"; else pass; fi
run "$MCPI" -e 'local r = assert(mcpi.load(arg[1])); print(#r.rows > 0 and r.rows[1].process == 1, r.summary[1] and r.summary[1].partial)' "$tmp/int.json"
expect_out '^true	true$' "rows kept, summary partial"

# a child killed mid-run: its share is missing, the others carry on, exit 1
"$MCPI" run lua.philox -n 1e7 --processes 3 --reps 60 --json "$tmp/kill.json" >"$tmp/kout" 2>"$tmp/kerr" </dev/null &
pid=$!
child=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    sleep 0.2
    child=$(pgrep -P "$pid" | head -1)
    [ -n "$child" ] && break
done
[ -n "$child" ] && kill -KILL "$child"
wait "$pid"
rc=$?
err=$(cat "$tmp/kerr"); out=$(cat "$tmp/kout")
expect_rc 1 "a killed child: exit 1"
expect_err 'fresh process 1: worker was killed by signal 9 while measuring.*share of the repetitions is missing' "names the dead process"
expect_out '^lua\.philox +1e7 +[0-9]+\* ' "the other processes' rows are summarised (partial)"
if orphans; then fail "a killed child left processes"; else pass; fi

# bad input: exit 2, one line
bad() {
    msg=$1; shift
    run "$MCPI" run "$@"
    expect_rc 2 "run $*"
    expect_err "$msg" "run $* message"
}
bad "--processes: 0 is below 1 \(give 1\.\.64 fresh processes, or auto\)" c.scalar --processes 0
bad "--processes: 65 is too large" c.scalar --processes 65
bad "--processes: 'x' is not a number" c.scalar --processes x
bad "--processes needs a value" c.scalar --processes
bad "^mcpi: run: --reps 2 is below --processes 3: each process needs at least one repetition$" c.scalar --reps 2 --processes 3

# mcpi.sweep{processes}: bad specs raise naming the field
lua_bad() {
    msg=$1; code=$2
    run "$MCPI" -e "$code"
    expect_rc 1 "$code"
    expect_err "$msg" "$code message"
}
lua_bad "processes must be a whole number in 1\.\.64 or 'auto', got 0" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, processes = 0}'
lua_bad "processes must be a whole number in 1\.\.64 or 'auto', got 'many'" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, processes = "many"}'
lua_bad "processes must be a whole number in 1\.\.64 or 'auto', got 2\.5" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, processes = 2.5}'
lua_bad "reps 2 is below processes 4: each process needs at least one repetition" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, reps = 2, processes = 4}'
lua_bad "process_kernels needs processes" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, process_kernels = {"c.scalar"}}'
lua_bad "process_kernels: 'lua.jit' is not among the kernels" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, processes = 2, process_kernels = {"lua.jit"}}'
lua_bad "process_kernels\[1\] must be a kernel name, got number" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, processes = 2, process_kernels = {5}}'
lua_bad "process_kernels must be a list of kernel names, got number" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, processes = 2, process_kernels = 5}'
lua_bad "decorate cannot be used with processes" 'mcpi.sweep{kernels = {"c.scalar"}, n = 10, processes = 2, decorate = function(f) return f end}'
lua_bad "kernel 'user.k' was registered by this script, and a fresh mcpi process has only the built-in kernels" 'mcpi.kernels.register{name = "user.k", fn = function() return 0 end}; mcpi.sweep{kernels = {"user.k"}, n = 10, processes = 2}'

# a sweep with some kernels in fresh processes and the others here
run "$MCPI" -e 'local r = mcpi.sweep{kernels = {"c.scalar", "lua.philox"}, n = 1e5, reps = 6, processes = 3, process_kernels = {"lua.philox"}, quiet = true}
for _, s in ipairs(r.summary) do print(s.kernel, s.processes, s.speedup_pairs, s.speedup_lo ~= nil) end
for _, x in ipairs(r.rows) do if x.kernel == "c.scalar" then assert(x.process == nil) else assert(x.process) end end'
expect_rc 0 "process_kernels: a mixed sweep"
expect_out '^lua\.philox	3	0	true$' "unpaired speed-up across the groups, with a CI"
expect_out '^c\.scalar	nil	nil	true$' "baseline here"

# A point too short for the profiler gets its JIT probe in a fresh process
# too (the first process runs it and sends the counts).
run "$MCPI" run lua.philox -n 100 --processes 2 --reps 4 --quiet --no-progress --json "$tmp/probe.json"
expect_rc 0 "lua.philox at N=100 in 2 fresh processes"
run "$MCPI" -e 'for _, s in ipairs(mcpi.load(arg[1]).summary) do
    print(s.kernel, (s.jit_probe_samples or 0) >= 5) end' "$tmp/probe.json"
expect_out '^lua\.philox	true$' "the summary has the probe's ticks"
finish
