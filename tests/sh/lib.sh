# tests/sh/lib.sh -- helpers for the shell tests of the CLI. Source it, then:
#   run CMD...                  runs CMD, keeps $rc, $out (stdout), $err (stderr)
#   expect_rc N "name"          the last run exited with N
#   expect_out 'regex' "name"   stdout matches (grep -E)
#   expect_err 'regex' "name"   stderr matches (grep -E)
#   finish                      prints "FILE: N passed, N failed"; exit 1 on failure
# $MCPI is the binary under test (tests/run.sh sets it).
: "${MCPI:=./mcpi}"
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=$(basename "$0" .sh)

run() {
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}
# run_in INPUT CMD...: like run, with INPUT on standard input.
run_in() {
    input=$1; shift
    printf '%s' "$input" | "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}
# interrupt_after SECONDS CMD...: run CMD in the background, send it SIGINT
# after SECONDS, wait; keeps $rc, $out, $err like run. sh starts background
# jobs with SIGINT ignored, but the host installs its own handler, so the
# signal still reaches it.
interrupt_after() {
    secs=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null &
    pid=$!
    sleep "$secs"
    kill -INT "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    printf 'FAIL %s: %s\n' "$name" "$1"
    printf '  rc=%s\n  stdout: %s\n  stderr: %s\n' "$rc" "$(printf '%s' "$out" | head -5)" "$(printf '%s' "$err" | head -5)"
}
expect_rc() { if [ "$rc" = "$1" ]; then pass; else fail "$2: exit $rc, wanted $1"; fi; }
expect_out() { if printf '%s' "$out" | grep -Eq -- "$1"; then pass; else fail "$2: stdout lacks /$1/"; fi; }
expect_err() { if printf '%s' "$err" | grep -Eq -- "$1"; then pass; else fail "$2: stderr lacks /$1/"; fi; }
expect_no_err() { if [ -z "$err" ]; then pass; else fail "$1: stderr not empty"; fi; }
finish() {
    printf '%s: %d passed, %d failed\n' "$name" "$passed" "$failed"
    [ "$failed" -eq 0 ]
}
