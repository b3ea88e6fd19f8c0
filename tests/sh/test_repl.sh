# REPL: through a pipe (statements in, values out) and through a
# pseudo-terminal (script(1) from util-linux): line editing, history,
# completion, Ctrl-C at the prompt and during a measurement, Ctrl-D.
. "$(dirname "$0")/lib.sh"

# -- through a pipe -----------------------------------------------------------
cat >"$tmp/session.lua" <<'LUA'
1 + 1
local x = 5
y = 6
y * 7
function twice(a)
  return a * 2
end
twice(21)
=twice(1), nil, "s"
{ 1, 2, { a = "x\n" }, k = true }
t = { 1 }; t.self = t; return t
18446744073709551615ULL, -5LL, 0.1, 1/3, 1/0, 2^53
setmetatable({}, { __tostring = function() return "RESULTS TABLE" end })
error("boom")
print("still here")
mcpi.kernels.get("c.smid")
for i = 1,
  3 do io.write(i, " ") end print()
LUA
run sh -c "\"$MCPI\" repl <\"$tmp/session.lua\""
expect_rc 1 "a piped session with failed statements exits 1"
expect_out '^2$' "expression value"
expect_out '^42$' "global from an earlier line"
expect_out '^42$' "multi-line function definition"
expect_out '^2	nil	"s"$' "=expr with several values"
expect_out '^\{ 1, 2, \{ a = "x\\n" \}, k = true \}$' "table printed readably"
expect_out '^\{ 1, self = <cycle> \}$' "cycle marked"
expect_out '^18446744073709551615	-5	0\.1	0\.3333333333333333	inf	9007199254740992$' "numbers and 64-bit cdata"
expect_out '^RESULTS TABLE$' "__tostring objects print as themselves"
expect_err '^mcpi: stdin:1: boom$' "error reported with its position"
expect_out '^still here$' "the session continues after an error"
expect_err "unknown kernel 'c\.smid' \(did you mean 'c\.simd'" "unknown kernel in the REPL"
expect_out '^1 2 3 $' "statement continued over lines"
if printf '%s' "$out" | grep -q 'mcpi>'; then fail "no prompts when piped"; else pass; fi

run_in 'print("ok")' "$MCPI" repl
expect_rc 0 "a clean piped session exits 0"
expect_out '^ok$' "print in the REPL"
run_in 'local t = {' "$MCPI" repl
expect_rc 1 "input ends inside a statement"
expect_err "^mcpi: stdin:1: unexpected symbol near '<eof>'|'\}' expected near '<eof>'" "unfinished statement reported"
run_in 'x = = 1' "$MCPI" repl
expect_rc 1 "syntax error"
expect_err "^mcpi: stdin:1: unexpected symbol near '='$" "syntax error message"
run_in 'os.exit(4)' "$MCPI" repl
expect_rc 4 "os.exit in the REPL"
run_in "$(printf '1+\r\n1\r\n')" "$MCPI" repl
expect_out '^2$' "CRLF line ends"
long=$(head -c 200000 /dev/zero | tr '\000' '1')
run_in "return #\"$long\"" "$MCPI" repl
expect_out '^200000$' "a 200 kB line"

# -- through a pseudo-terminal --------------------------------------------------
if ! command -v script >/dev/null 2>&1; then
    printf 'SKIP %s: script(1) not installed (apt-get install bsdutils)\n' "$name"
    finish; exit $?
fi
# script(1) runs the command through $SHELL -c; dash (CI's /bin/sh) does not
# exec it but waits, and dies of the first ^C itself. "exec" makes mcpi the
# terminal's only foreground process whatever $SHELL is.
# Input is paced: a ^C reaches the program as SIGINT only once the terminal
# holds it, and the line discipline flushes input queued behind it.
pace() { sleep "${PACE:-0.4}"; }
session() {
    {
        sleep 1
        printf '1+1\n'; pace
        printf 'abc'; pace; printf '\003'; pace           # ^C drops a half-typed line
        printf '\003'; pace                               # ^C at an empty prompt
        printf 'for i = 1, 3 do\n'; pace; printf '\003'; pace   # ^C inside a continued statement
        printf '2+2\n'; pace
        printf 'mcpi.kernels.get("c.scalar").fn(1e13, 1)\n'; sleep 1
        printf '\003'; sleep 1                            # ^C stops a running kernel
        printf 'print("alive")\n'; pace
        printf 'string.for\t("%%d", 7)\n'; pace          # Tab completes string.format
        printf 'x = 5\n'; pace
        printf '\033[A\n'; pace                           # up arrow: history
        printf '\004'; sleep 1                            # ^D exits
    } | MCPI_HISTORY="$tmp/hist" SHELL=/bin/sh TERM=xterm script -qec "exec \"$MCPI\" repl" /dev/null >"$tmp/tty" 2>&1
    rc=$?
    out=$(tr -d '\r' <"$tmp/tty"); [ -n "${DEBUG_TTY:-}" ] && cat -A "$tmp/tty" >&2
    err=""
}
session
expect_rc 0 "Ctrl-D ends the REPL with exit 0"
expect_out '^mcpi 0\.[0-9.]+ \(LuaJIT' "banner on a terminal"
expect_out 'mcpi> ' "prompt on a terminal"
expect_out '^2$' "a value on the terminal"
expect_out '^4$' "the REPL survives Ctrl-C at the prompt"
expect_out 'mcpi: interrupted' "Ctrl-C interrupts a running kernel"
expect_out '^alive$' "the REPL goes on after an interrupted kernel"
expect_out '^"7"$' "Tab completion of a library field"
if grep -q '^2+2$' "$tmp/hist" 2>/dev/null; then pass; else fail "history saved to MCPI_HISTORY"; fi
if grep -q '^abc$' "$tmp/hist" 2>/dev/null; then fail "a line dropped by ^C was saved to history"; else pass; fi
if [ "$(grep -c '^x\\040=\\0405$' "$tmp/hist")" = 1 ]; then pass; else fail "up arrow recalls; repeated line stored once"; fi

# `mcpi` with no arguments on a terminal opens the REPL.
{ sleep 1; printf '6*7\n'; sleep 0.4; printf '\004'; sleep 1; } |
    MCPI_HISTORY= SHELL=/bin/sh script -qec "exec \"$MCPI\"" /dev/null >"$tmp/tty2" 2>&1
rc=$?
out=$(tr -d '\r' <"$tmp/tty2")
expect_rc 0 "mcpi on a terminal: REPL, Ctrl-D exits 0"
expect_out '^42$' "mcpi on a terminal evaluates input"
expect_out 'mcpi> ' "mcpi on a terminal shows the prompt"

finish
