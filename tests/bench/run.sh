#!/bin/sh
# tests/bench/run.sh [MCPI] -- run every benchmark: each tests/bench/*.lua with
# `mcpi script` and each tests/bench/*.sh (MCPI and RESULTS in the
# environment); each writes results/bench/NAME.json. BENCH='pattern' runs only
# the files whose name contains pattern. Exit 1 if any benchmark failed.
MCPI=${1:-./mcpi}
case "$MCPI" in /*) ;; *) MCPI="$(pwd)/$MCPI" ;; esac
cd "$(dirname "$0")/../.." || exit 1
RESULTS=${RESULTS:-results/bench}
mkdir -p "$RESULTS" || exit 1
export MCPI RESULTS
[ -x "$MCPI" ] || { printf 'bench: %s is not an executable (run make first)\n' "$MCPI" >&2; exit 2; }
bad=0
ran=0
for b in tests/bench/*.lua tests/bench/*.sh; do
    [ -e "$b" ] || continue
    case "$b" in */run.sh) continue ;; esac
    case "$b" in *"${BENCH:-}"*) ;; *) continue ;; esac
    printf '== %s\n' "$b"
    start=$(date +%s)
    case "$b" in
        *.lua) "$MCPI" script "$b" ;;
        *.sh) sh "$b" ;;
    esac
    rc=$?
    ran=$((ran + 1))
    if [ "$rc" != 0 ]; then
        printf 'bench: %s failed (exit %s)\n' "$b" "$rc" >&2
        bad=$((bad + 1))
    else
        printf '   (%ss)\n' "$(( $(date +%s) - start ))"
    fi
done
printf 'bench: %d benchmarks, %d failed; results in %s/\n' "$ran" "$bad" "$RESULTS"
[ "$bad" -eq 0 ]
