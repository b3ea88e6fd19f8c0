# CLI: every kind of bad input gets its exit code and a one-line message that
# says what is wrong; nothing crashes the host (no signal exit, no panic).
. "$(dirname "$0")/lib.sh"

# No signal death and no Lua panic, whatever the exit code.
expect_no_crash() {
    if [ "$rc" -ge 128 ] && [ "$rc" != 130 ]; then fail "$1: killed by a signal (exit $rc)"; return; fi
    if printf '%s' "$err" | grep -q 'PANIC\|Segmentation\|core dumped\|error in error handling'; then
        fail "$1: crashed"; return; fi
    pass
}
# Exactly one line on stderr (usage errors carry no traceback).
expect_one_line() {
    if [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]; then pass; else fail "$1: stderr is not one line"; fi
}

# -- usage errors: exit 2, one line, what is wrong and what is right ---------
run "$MCPI" lsit
expect_rc 2 "unknown command"
expect_err "^mcpi: unknown command 'lsit' \(did you mean 'list'\? see 'mcpi --help'\)$" "unknown command suggests"
expect_one_line "unknown command"
run "$MCPI" frobnicate
expect_rc 2 "unknown command, no near miss"
expect_err "^mcpi: unknown command 'frobnicate' \(see 'mcpi --help'\)$" "unknown command points at --help"
printf 'print(1)' >"$tmp/prog"
run "$MCPI" "$tmp/prog"
expect_rc 2 "a file without .lua as command"
expect_err "to run the file: mcpi script '$tmp/prog'" "suggests mcpi script FILE"
run "$MCPI" --bogus
expect_rc 2 "unknown option"
expect_err "^mcpi: unknown option '--bogus' \(see 'mcpi --help'\)$" "unknown option message"
run "$MCPI" --hepl
expect_rc 2 "option near miss"
expect_err "did you mean '--help'" "option suggests --help"
run "$MCPI" -x
expect_rc 2 "unknown short option"
run "$MCPI" -e
expect_rc 2 "-e without code"
expect_err "^mcpi: -e needs an argument: mcpi -e 'CODE'" "-e without code message"
run "$MCPI" -jfoo
expect_rc 2 "unknown -j"
expect_err "^mcpi: unknown -j option '-jfoo' \(try -jv" "unknown -j message"
run "$MCPI" -jdmp
expect_err "did you mean 'dump'" "-j near miss"
run "$MCPI" -j
expect_rc 2 "-j without argument"
expect_err "^mcpi: -j needs an argument" "-j without argument message"
run "$MCPI" -j'%%'
expect_rc 2 "-j garbage"
run "$MCPI" -joff=3
expect_rc 2 "-joff with an argument"
run "$MCPI" -Ofoo -e ''
expect_rc 2 "bad -O"
expect_err "^mcpi: bad -O option '-Ofoo': " "bad -O message"
run "$MCPI" -Ohotloop=abc -e ''
expect_rc 2 "-O with a number that is not a number"
expect_err "^mcpi: bad -O option '-Ohotloop=abc'" "-O bad number message"
run "$MCPI" help nonsense
expect_rc 2 "help for an unknown command"
expect_err "^mcpi: help: unknown command 'nonsense'" "help unknown message"
run "$MCPI" help lsit
expect_err "did you mean 'list'" "help near miss"
run "$MCPI" list extra
expect_rc 2 "list with an argument"
expect_err "^mcpi: list: unexpected argument 'extra' \(usage: mcpi list\)$" "list extra message"
run "$MCPI" version extra
expect_rc 2 "version with an argument"
run "$MCPI" repl extra
expect_rc 2 "repl with an argument"
run "$MCPI" script
expect_rc 2 "script without a file"
expect_err "^mcpi: script: missing FILE.lua \(usage: mcpi script FILE.lua" "script without file message"
run "$MCPI" script ''
expect_rc 2 "script with an empty name"
run "$MCPI" script /nonexistent.lua
expect_rc 2 "missing script"
expect_err "^mcpi: cannot open script '/nonexistent.lua': no such file or directory$" "missing script message"
run "$MCPI" /nonexistent.lua
expect_rc 2 "missing FILE.lua"
printf 'print(1)' >"$tmp/unreadable.lua"; chmod 000 "$tmp/unreadable.lua"
if [ "$(id -u)" != 0 ]; then
    run "$MCPI" script "$tmp/unreadable.lua"
    expect_rc 2 "unreadable script"
    expect_err "permission denied" "unreadable script message"
fi
run "$MCPI" script "$tmp"
expect_rc 2 "a directory as script"
expect_err "^mcpi: cannot read script '$tmp': is a directory$" "directory message"
run "$MCPI" script /bin/sh
expect_rc 2 "a binary file as script"
expect_err "^mcpi: cannot run '/bin/sh': it is a binary file, not Lua source$" "binary message"
run "$MCPI" script /dev/zero
expect_rc 2 "/dev/zero as script"
expect_no_crash "/dev/zero as script"
"$MCPI" -e 'io.write(string.dump(function() return 1 end))' >"$tmp/bc.lua"
run "$MCPI" script "$tmp/bc.lua"
expect_rc 2 "bytecode as script"
expect_err "it is LuaJIT bytecode; mcpi runs Lua source only" "bytecode message"
head -c 4096 /dev/urandom | tr -d '\000' | sed 's/^/x/' >"$tmp/garbage.lua"
run "$MCPI" script "$tmp/garbage.lua"
expect_rc 1 "random bytes as script: a syntax error"
expect_no_crash "random bytes as script"
run_in "$(printf 'print(1)\001\033LJ')" "$MCPI" -
expect_no_crash "control bytes on stdin"
MCPI_LUA_PATH=/nonexistent run "$MCPI" -e ''
expect_rc 2 "MCPI_LUA_PATH not a directory"
expect_err "^mcpi: MCPI_LUA_PATH='/nonexistent' is not a readable directory" "MCPI_LUA_PATH message"

# garbage and huge arguments are quoted, escaped and cut in messages
run "$MCPI" "$(printf 'bad\033[31mred\001')"
expect_rc 2 "control characters in a command"
expect_err "^mcpi: unknown command 'bad\\\\x1B\[31mred\\\\x01'" "control characters escaped"
big=$(head -c 100000 /dev/zero | tr '\000' 'a')
run "$MCPI" "$big"
expect_rc 2 "a 100 kB argument"
expect_err "\.\.\.\(100000 bytes\)" "a huge argument is cut"
expect_one_line "a huge argument"
run "$MCPI" -e 'print(#arg[1])' "$big"
expect_out '^100000$' "a huge script argument arrives whole"
run "$MCPI" "$(head -c 3000 /dev/urandom | tr -d '\000')"
expect_rc 2 "random bytes as command"
expect_no_crash "random bytes as command"
if printf '%s' "$err" | LC_ALL=C grep -q "$(printf '[\001-\010\033]')"; then
    fail "control bytes reached the terminal"; else pass; fi
run "$MCPI" -e 'print(#arg)' $(seq 1 7000)
expect_out '^7000$' "7000 arguments"
run "$MCPI" -e 'print(#arg)' $(seq 1 20000)
expect_rc 2 "20000 arguments"
expect_err "^mcpi: too many arguments for the script: 20000 \(at most 7000" "too many arguments message"

# -- errors in the experiment: exit 1, FILE:LINE: message + traceback --------
printf 'local x = 1\nlocal function f()\n  error("boom")\nend\nf()\n' >"$tmp/err.lua"
run "$MCPI" script "$tmp/err.lua"
expect_rc 1 "script error"
expect_err "^mcpi: $tmp/err.lua:3: boom$" "script error: FILE:LINE: message"
expect_err '^stack traceback:' "script error: traceback"
expect_err "err.lua:5: in main chunk" "traceback reaches the main chunk"
if printf '%s' "$err" | grep -q 'mcpi/cli.lua'; then fail "traceback shows host internals"; else pass; fi
printf 'x = = 1\n' >"$tmp/syntax.lua"
run "$MCPI" script "$tmp/syntax.lua"
expect_rc 1 "syntax error"
expect_err "^mcpi: $tmp/syntax.lua:1: unexpected symbol near '='$" "syntax error message"
expect_one_line "syntax error has no traceback"
run "$MCPI" -e 'error("boom")'
expect_rc 1 "-e error"
expect_err '^mcpi: \(command line\):1: boom$' "-e error message"
run "$MCPI" -e 'error({})'
expect_rc 1 "table error object"
expect_err '^mcpi: \(error object is a table value\)$' "table error object message"
run "$MCPI" -e 'error(nil)'
expect_rc 1 "nil error object"
expect_err '^mcpi: \(error object is a nil value\)$' "nil error object message"
run "$MCPI" -e 'error(io.stdout)'
expect_rc 1 "userdata error object"
expect_err '^mcpi: file \(0x' "userdata error object uses __tostring"
run "$MCPI" -e 'error(newproxy())'
expect_rc 1 "bare userdata error object"
expect_err '^mcpi: \(error object is a userdata value\)$' "bare userdata message"
run "$MCPI" -e 'error(setmetatable({}, {__tostring = function() error("inner") end}))'
expect_rc 1 "error in __tostring"
expect_err "its __tostring failed: .*inner" "error in __tostring message"
expect_no_crash "error in __tostring"
run "$MCPI" -e 'error(setmetatable({}, {__tostring = function() return {} end}))'
expect_rc 1 "__tostring returning a table"
expect_no_crash "__tostring returning a table"
run "$MCPI" -e 'error(42)'
expect_rc 1 "number error object"
expect_err '^mcpi: \(command line\):1: 42$' "number error object message (position added, as in lua)"
run "$MCPI" -e 'error({exit = 1e10, msg = "x"})'
expect_rc 1 "exit object out of range is an ordinary error"
run "$MCPI" -e 'error({exit = 3, msg = "three"})'
expect_rc 1 "a table with an exit field is an ordinary error (the kind decides, issue 11.14)"
run "$MCPI" -e 'error({kind = "usage", msg = "three"})'
expect_rc 2 "usage kind object"
expect_err '^mcpi: three$' "kind object message"
run "$MCPI" -e 'local function f() return 1 + f() end f()'
expect_rc 1 "stack overflow"
# Where the overflow leaves too few slots to run the message handler, the
# position and traceback are lost (luajit says "error in error handling").
expect_err '^mcpi: (\(command line\):1: )?stack overflow' "stack overflow message"
expect_no_crash "stack overflow"
run "$MCPI" -e 'local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x'
expect_rc 1 "C stack overflow through metamethods"
expect_err '^mcpi: .*stack overflow' "C stack overflow message"
expect_no_crash "C stack overflow"
run "$MCPI" -e 'local s = string.rep("x", 2^31 - 2)'
expect_rc 1 "huge string.rep"
expect_err '^mcpi: not enough memory$' "huge string.rep message"
run "$MCPI" -e 'local s = string.rep("x", 1e6):rep(1e4)'
expect_rc 1 "10 GB string"
expect_no_crash "10 GB string"
run "$MCPI" -e 'coroutine.wrap(function() error("in a coroutine") end)()'
expect_rc 1 "error inside a coroutine"
expect_err 'in a coroutine' "coroutine error message"
run "$MCPI" -e 'local co = coroutine.create(function() local t = nil; return t.x end) assert(coroutine.resume(co))'
expect_rc 1 "error from coroutine.resume through assert"
expect_err "attempt to index local 't'" "coroutine.resume error message"
run "$MCPI" -e 'mcpi.kernels.get("c.smid")'
expect_rc 1 "unknown kernel"
expect_err "^mcpi: \(command line\):1: unknown kernel 'c.smid' \(did you mean 'c.simd'\? see 'mcpi list'\)$" "unknown kernel message"
run "$MCPI" -e 'local p = newproxy(true); getmetatable(p).__gc = function() error("gc") end; _G.p = p'
expect_rc 0 "an error in a finalizer at exit"
expect_no_crash "finalizer error at exit"
run "$MCPI" -e 'print(1)' >/dev/full
run sh -c "\"$MCPI\" -e 'print(1)' >/dev/full"
expect_rc 1 "writing to a full device"
expect_err "error writing to standard output" "full device message"

# -- SIGINT: exit 130 and "mcpi: interrupted", from C kernels and Lua code -----
interrupt_after 1 "$MCPI" -e 'mcpi.kernels.get("c.scalar").fn(1e13, 1)'
expect_rc 130 "SIGINT during a C kernel"
expect_err '^mcpi: interrupted$' "SIGINT during a C kernel: message"
interrupt_after 1 "$MCPI" -joff -e 'local x = 0 while true do x = x + 1 end'
expect_rc 130 "SIGINT during interpreted Lua"
expect_err '^mcpi: interrupted$' "SIGINT during interpreted Lua: message"
interrupt_after 1 "$MCPI" -e 'local ok, e = pcall(mcpi.kernels.get("c.scalar").fn, 1e13, 1) print(ok, e.msg) os.exit(7)'
expect_rc 7 "a script may catch the interruption"
expect_out '^false	interrupted$' "caught interruption is util.interrupted()"
interrupt_after 1 "$MCPI" -joff -e 'local ok, e = pcall(function() while true do end end) print(ok, mcpi.errors.is_interrupt(e), e.exit, e.msg) os.exit(7)'
expect_out '^false	true	130	interrupted$' "interpreted code raises the same util.interrupted()"
mkfifo "$tmp/fifo"
"$MCPI" repl <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/fifo"
printf '1+1\n' >&3
sleep 1
kill -INT "$pid"
wait "$pid"; rc=$?
exec 3>&-
out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect_rc 130 "SIGINT while a piped REPL waits for input"
expect_out '^2$' "the piped REPL ran what it got"

# -- sanitizer canary: under `make asan` a real memory bug must be reported --
if [ -n "${MCPI_SANITIZED:-}" ]; then
    mkdir -p "$tmp/asan"
    ASAN_OPTIONS="log_path=$tmp/asan/r:exitcode=86" run "$MCPI" -e '
local ffi = require "ffi"
ffi.cdef "void *malloc(size_t); void free(void *);"
local p = ffi.C.malloc(16); ffi.C.free(p); ffi.C.free(p)'
    expect_rc 86 "sanitizer catches a deliberate double free"
    if grep -q 'double-free' "$tmp"/asan/r.* 2>/dev/null; then pass; else fail "no double-free report"; fi
fi

finish
