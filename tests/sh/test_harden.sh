#!/bin/sh
# tests/sh/test_harden.sh -- one check (or a few) per finding of issue 11, each
# failing on the binary before the fix. Numbers refer to the issue's list.
. "$(dirname "$0")/lib.sh"

# 1. an error object whose metamethods raise: a message, never PANIC
run "$MCPI" -e 'local mt={}; mt.__index=function(t) error(t) end; error(setmetatable({}, mt))'
expect_rc 1 "11.1 hostile error object"
expect_err '^mcpi: \(error object is a table value\)' "11.1 described, not PANIC"
case "$err" in *PANIC*) fail "11.1 PANIC" ;; *) pass ;; esac
run "$MCPI" -e 'local mt={}; mt.__index=function(t) error(t) end; mcpi.sweep(setmetatable({}, mt))'
case "$err" in *PANIC*) fail "11.1 PANIC through mcpi.sweep" ;; *) pass ;; esac
run_in 'local mt={}; mt.__index=function(t) error(t) end; error(setmetatable({}, mt))
print("after")
' "$MCPI" repl
expect_out '^after$' "11.1 the REPL goes on after a hostile error object"

# 2. nested coroutine.wrap: reported, not SIGSEGV
run "$MCPI" -e 'local co; co = function() return coroutine.wrap(co)() end co()'
expect_rc 1 "11.2 nested resumes"
expect_err 'C stack overflow: coroutines resumed inside one another' "11.2 message"

# 3. bytecode refused on every path
bc=$(printf '\033LJ\002')
run "$MCPI" -e "$bc"
expect_rc 2 "11.3 -e bytecode"
expect_err 'LuaJIT bytecode' "11.3 -e bytecode message"
run "$MCPI" -e 'print(loadstring(string.dump(function() end)))'
expect_out 'cannot load LuaJIT bytecode' "11.3 loadstring refuses bytecode"
mkdir -p "$tmp/m"
"$MCPI" -e 'io.open(arg[1], "wb"):write(string.dump(function() return 1 end))' "$tmp/m/bc.lua" </dev/null
run "$MCPI" -e 'package.path = arg[1] .. "/?.lua"; require("bc")' "$tmp/m"
expect_rc 1 "11.3 require of a bytecode file"
expect_err 'cannot load LuaJIT bytecode' "11.3 require message"
run "$MCPI" -e 'print(dofile(arg[1]))' "$tmp/m/bc.lua"
expect_err 'cannot load LuaJIT bytecode' "11.3 dofile"

# 4. the writer: devices written through, symlinks followed, full disk seen
"$MCPI" run c.scalar -n 100 --reps 2 --quiet --no-progress --json "$tmp/r.json" >/dev/null 2>&1
if mknod "$tmp/null" c 1 3 2>/dev/null; then
    run "$MCPI" report "$tmp/r.json" -o "$tmp/null"
    expect_rc 0 "11.4 report to a character device"
    [ -c "$tmp/null" ] && pass || fail "11.4 the device was replaced"
fi
: >"$tmp/before_full"
run "$MCPI" run c.scalar -n 100 --reps 2 --quiet --no-progress --json /dev/full
expect_rc 1 "11.4 --json /dev/full fails"
expect_err "cannot write '/dev/full': No space left on device" "11.4 /dev/full message"
# nothing is made beside a device (/dev/full.csv, .html, .jsonl, _charts)
if [ -e "$tmp/null" ]; then
    run "$MCPI" run c.scalar -n 100 --reps 2 --quiet --no-progress --json "$tmp/null"
    expect_rc 0 "--json to a character device"
    ls "$tmp" | grep -q '^null[._]' && fail "files made beside the device: $(ls "$tmp" | grep '^null[._]')" || pass
fi
# (made by this run: newer than a mark set before it; an older build's run
# may have left some behind)
made=$(find /dev -maxdepth 1 -name 'full[._]*' -newer "$tmp/before_full" 2>/dev/null)
[ -z "$made" ] && pass || fail "made beside --json /dev/full: $made"
run "$MCPI" run c.scalar -n 100 --reps 2 --quiet --no-progress --csv /dev/stdout
expect_out '^row,kernel' "11.4 --csv /dev/stdout written through"
: >"$tmp/target.csv"
ln -s target.csv "$tmp/link.csv"
run "$MCPI" run c.scalar -n 100 --reps 2 --quiet --no-progress --csv "$tmp/link.csv"
[ -L "$tmp/link.csv" ] && [ -s "$tmp/target.csv" ] && pass || fail "11.4 symlink replaced instead of followed"
mkdir -p "$tmp/rdir"
run "$MCPI" report "$tmp/r.json" -o "$tmp/rdir/"
expect_rc 2 "11.4 report into a directory"
expect_err 'is a directory' "11.4 directory message"
run "$MCPI" -e 'print(mcpi.writer.check("/dev/null"))'
expect_out '^true$' "11.4 /dev/null is writable without probing its directory"

# 6. failed writes to stdout exit 1
"$MCPI" run c.scalar -n 100 --reps 2 --quiet --no-progress >/dev/full 2>"$tmp/e6"
[ $? = 1 ] && pass || fail "11.6 run > /dev/full"
"$MCPI" -e 'io.write(("x"):rep(1e5))' >/dev/full 2>"$tmp/e6"
[ $? = 1 ] && pass || fail "11.6 io.write > /dev/full"
grep -q 'error writing to standard output' "$tmp/e6" && pass || fail "11.6 message"
( trap '' PIPE; "$MCPI" -e 'for i = 1, 1e5 do io.write("xxxxxxxxxxxxxxxxxxxx\n") end' 2>/dev/null; echo $? >"$tmp/rc6" ) | head -1 >/dev/null
[ "$(cat "$tmp/rc6")" = 1 ] && pass || fail "11.6 closed pipe with SIGPIPE ignored: exit $(cat "$tmp/rc6")"

# 7. Ctrl-C during the final write: exit 130, the file complete (a FIFO holds
# the write until the signal has arrived)
mkfifo "$tmp/f.json"
"$MCPI" run c.scalar -n 100 --reps 2 --quiet --no-progress --json "$tmp/f.json" >/dev/null 2>"$tmp/e7" &
pid=$!
sleep 1
kill -INT "$pid"
timeout 10 cat "$tmp/f.json" >"$tmp/got7.json"
wait "$pid"
rc=$?
[ "$rc" = 130 ] && pass || fail "11.7 Ctrl-C during the final write: exit $rc, wanted 130"
"$MCPI" -e 'assert(mcpi.json.decode(assert(mcpi.json.read_file(arg[1]))))' "$tmp/got7.json" && pass || fail "11.7 JSON complete"

# 8, 9. --n-range bounded, one-line usage errors
for r in 1:1:1e-300 0:15:1e-12 nan:1 1:nan 0:1:nan 0:1:inf; do
    rc=0
    timeout -s KILL 20 "$MCPI" run c.scalar --n-range "$r" --reps 1 --quiet --no-progress >/dev/null 2>"$tmp/e8" || rc=$?
    case "$r" in
        1:1:1e-300) [ "$rc" = 0 ] && pass || fail "11.8 --n-range $r: exit $rc" ;;
        *) [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/e8")" = 1 ] && pass || fail "11.9 --n-range $r: exit $rc, $(head -c 200 "$tmp/e8")" ;;
    esac
done

# 10-12. bad data: one line, exit 1; torn .jsonl keeps its complete lines
printf '{"row":"summary","kernel":"k.a","n":"x","seconds_median":1}\n' >"$tmp/bad.jsonl"
run "$MCPI" plot "$tmp/bad.jsonl" -o "$tmp/charts"
expect_rc 1 "11.10 summary row with n = 'x'"
case "$err" in *traceback*) fail "11.10 traceback" ;; *) pass ;; esac
sed 's/"samples_per_s_median":[^,}]*/"samples_per_s_median":5e-324/' tests/data/plot_known.json >"$tmp/tiny.json"
run "$MCPI" plot "$tmp/tiny.json" -o "$tmp/charts2"
case "$rc$err" in 0*|1*) pass ;; *) fail "11.10 samples_per_s 5e-324: exit $rc" ;; esac
case "$err" in *traceback*) fail "11.10 5e-324 traceback" ;; *) pass ;; esac
run "$MCPI" -e 'local r, e = mcpi.load(arg[1]); print(r and "loaded" or e)' "$tmp/bad.jsonl"
expect_rc 0 "11.10 mcpi.load does not raise"
printf '{"schema":"mcpi/1","results":[{"row":"summary","kernel":5,"n":10,"seconds_median":1},{"row":"summary","kernel":"k.a","n":10,"seconds_median":"x"}],"fits":[{"kernel":"k.a","metric":true},{"kernel":"k.a","metric":"abs_err","b":-0.5}]}' >"$tmp/types.json"
run "$MCPI" -e 'local r = assert(mcpi.load(arg[1])); io.write(r:table(), r:summary())' "$tmp/types.json"
expect_rc 0 "11.11 methods work on what load accepted"
cp "$tmp/r.jsonl" "$tmp/torn.jsonl"
whole=$(wc -l <"$tmp/r.jsonl")
printf '{"row":"rep","kern' >>"$tmp/torn.jsonl"
run "$MCPI" -e 'local r = assert(mcpi.load(arg[1])); print(#r.rows + #r.summary, r.notes[#r.notes])' "$tmp/torn.jsonl"
expect_out "^$whole	.*line $((whole + 1)) is torn" "11.12 torn tail: complete lines kept, tail reported"

# 13. a second sweep on the same --json is refused while the first runs
"$MCPI" run lua.interp -n 1e7 --reps 20 --quiet --no-progress --json "$tmp/c.json" >/dev/null 2>&1 &
pid=$!
sleep 1
run "$MCPI" run c.scalar -n 100 --reps 2 --quiet --no-progress --json "$tmp/c.json"
expect_rc 1 "11.13 second sweep on the same file"
expect_err 'another mcpi process is writing it' "11.13 says so"
kill -INT "$pid"; wait "$pid"

# 14. messages
run "$MCPI" run "$(printf 'c.s\nmid')"
expect_rc 2 "11.14 newline in a kernel name"
[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && pass || fail "11.14 one line"
long=$(head -c 100000 /dev/zero | tr '\0' x)
run "$MCPI" run "$long"
[ "${#err}" -lt 400 ] && pass || fail "11.14 a 100 KB argument echoed whole (${#err} bytes)"
run "$MCPI" run c.scalar -n "$long"
[ "${#err}" -lt 400 ] && pass || fail "11.14 -n echoed whole"
run "$MCPI" run c.scalar --seed "$long"
[ "${#err}" -lt 400 ] && pass || fail "11.14 --seed echoed whole"
run "$MCPI" report "$tmp/r.json" -o /dev/full
expect_rc 1 "11.14 full disk in report exits 1"
run "$MCPI" -e "mcpi.kernels.register{ name = 'user.$long', fn = function() return 0 end }"
expect_err 'kernel name must be at most 64 bytes' "11.14 register limits names"
run "$MCPI" -e 'print(#mcpi.plot.file_part("user." .. ("k"):rep(300)))'
expect_out '^6[0-9]$' "11.14 long names cut in chart file names"
run "$MCPI" -e 'error{exit=0,msg="failed"}'
expect_rc 1 "11.14 error{exit=0} is an error"
run "$MCPI" -e 'error{exit=2,msg={}}'
expect_rc 1 "11.14 error{exit=2,msg={}}"
expect_err 'error object is a table value' "11.14 says something"

# 15. misuse blamed on the caller
for code in 'mcpi.accuracy(function() end){n = 10}' 'mcpi.util.check("string", {})' \
    'mcpi.stats.sigma_theory(print)' 'mcpi.results.new(5)' 'mcpi.util.did_you_mean(10, {})'; do
    run "$MCPI" -e "$code"
    expect_err '^mcpi: \(command line\):1: ' "11.15 $code at the caller's line"
done

# 17. -Osizemcode LuaJIT cannot honour
rc=0
timeout -s KILL 20 "$MCPI" -Osizemcode=2097151 -e 'for i = 1, 1e5 do end' >/dev/null 2>"$tmp/e17" || rc=$?
[ "$rc" = 2 ] && pass || fail "11.17 -Osizemcode=2097151: exit $rc"
finish
