#!/bin/sh
# tests/signals/run.sh MCPI SECONDS SEED -- signals at random moments of a
# sweep: SIGINT, SIGTERM, SIGHUP (the sweep keeps what finished, writes its
# files and exits 128 + the signal) and SIGKILL (the journal alone must hold
# up). After each trial tests/signals/check.lua asserts: every .jsonl line is
# whole (a torn last line only after SIGKILL, and reported), each finished row
# is there exactly once and is the same as in r.json, r.json is complete or
# absent, no temporary file is left, and the exit status is 130 for SIGINT.
# Prints "signals: N trials, N failures"; exits 1 on any failure.
# CHECKER=BINARY runs check.lua with another mcpi (to judge an older build).
MCPI=${1:-./mcpi}
SECS=${2:-20}
SEED=${3:-1}
case "$MCPI" in /*) ;; *) MCPI="$(pwd)/$MCPI" ;; esac
CHECKER=${CHECKER:-$MCPI}
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trials=0
failures=0
start=$(date +%s)
# a small LCG so a seed replays the same signals and delays
state=$SEED
rand() { state=$(( (state * 1103515245 + 12345) % 2147483648 )); R=$(( (state / 65536) % $1 )); }
while [ $(( $(date +%s) - start )) -lt "$SECS" ]; do
    d="$tmp/t$trials"
    mkdir -p "$d"
    rand 4
    case $R in 0) sig=INT ;; 1) sig=TERM ;; 2) sig=HUP ;; *) sig=KILL ;; esac
    rand 1100
    delay=$(( R + 10 ))
    "$MCPI" run c.scalar lua.jit lua.philox -n 1e3,1e5,1e6 --reps 12 \
        --json "$d/r.json" --csv "$d/r.csv" --quiet --no-progress >"$d/out" 2>"$d/err" </dev/null &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -s "$sig" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    res=$("$CHECKER" script tests/signals/check.lua "$d" "$sig" "$rc" 2>&1)
    if [ "$res" != ok ]; then
        failures=$((failures + 1))
        printf 'FAIL signals: trial %d, SIG%s after %d ms (exit %s):\n%s\n' "$trials" "$sig" "$delay" "$rc" "$res"
        sed 's/^/  stderr: /' "$d/err" | head -5
    else
        rm -rf "$d"
    fi
    trials=$((trials + 1))
    sigs="$sigs $sig"
done
printf 'signals: %d trials, %d failures (seed %s, %s s; %s)\n' "$trials" "$failures" "$SEED" "$SECS" "$(
    echo $sigs | tr ' ' '\n' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
[ "$failures" -eq 0 ]
