#!/bin/sh
# tests/run.sh [MCPI] -- run every Lua test (tests/lua/test_*.lua, each in its
# own mcpi process) and every shell test (tests/sh/test_*.sh); print each
# file's result and a total "N passed, N failed" line. Exit 1 on any failure.
# TESTS='pattern' runs only files whose name contains pattern.
MCPI=${1:-./mcpi}
case "$MCPI" in /*) ;; *) MCPI="$(pwd)/$MCPI" ;; esac
export MCPI
cd "$(dirname "$0")/.." || exit 1
total_p=0
total_f=0
bad=0
for t in tests/lua/test_*.lua tests/sh/test_*.sh; do
    [ -e "$t" ] || continue
    case "$t" in *"${TESTS:-}"*) ;; *) continue ;; esac
    t0=$(date +%s)
    case "$t" in
        *.lua) log=$("$MCPI" script "$t" 2>&1) ;;
        *.sh) log=$(sh "$t" 2>&1) ;;
    esac
    rc=$?
    secs=$(( $(date +%s) - t0 ))
    printf '%s\n' "$log" | grep -v ': [0-9]* passed, [0-9]* failed$'
    line=$(printf '%s\n' "$log" | grep -E ': [0-9]+ passed, [0-9]+ failed$' | tail -1)
    if [ -z "$line" ]; then
        printf 'FAIL %s: ended without a summary (exit %s)\n' "$t" "$rc"
        total_f=$((total_f + 1)); bad=1; continue
    fi
    p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/')
    f=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/')
    printf '%-32s %4d passed, %d failed  (%ss)\n' "$t" "$p" "$f" "$secs"
    total_p=$((total_p + p)); total_f=$((total_f + f))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        printf 'FAIL %s: exit %s\n' "$t" "$rc"; total_f=$((total_f + 1))
    fi
done
printf '%d passed, %d failed\n' "$total_p" "$total_f"
[ "$total_f" -eq 0 ] && [ "$bad" -eq 0 ]
