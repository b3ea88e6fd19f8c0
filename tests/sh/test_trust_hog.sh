#!/bin/sh
# A real CPU hog on the other core is warned about and marked (issue 9.2).
# The idle case is tested through the reader seam (test_trust_noise.lua):
# on a shared machine an "idle" run cannot be promised here.
. tests/sh/lib.sh
sh -c 'while :; do :; done' &
hog=$!
run "$MCPI" run c.scalar -n 1e7 --reps 15 --no-progress
kill "$hog" 2>/dev/null
wait "$hog" 2>/dev/null
expect_rc 0 "run beside a hog"
expect_err 'warning: other processes used up to [0-9.]+ of [0-9]+ cores' "the run ends with a warning"
expect_out 'MARK' "the table has a MARK column"
expect_out 'c\.scalar +1e7 .* load' "the point is marked load"
expect_out 'note: measured while other processes used more than 0.5 cores \(marked load\): every point \(1\)' "a note says which"
finish
