#!/bin/sh
# tests/tsan.sh MCPI-TSAN -- the threaded paths under ThreadSanitizer (make
# tsan): c.threads at several thread counts against c.scalar, then a SIGINT
# while c.threads runs (the signal handler writes the pending flag that the
# worker threads read). Reports go where TSAN_OPTIONS says; the caller fails
# on any. Prints "tsan: N passed, N failed".
MCPI=${1:-./mcpi-tsan}
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); printf 'FAIL tsan: %s\n' "$1"; }
out=$("$MCPI" -e '
  local k, s = mcpi.kernels.get("c.threads"), mcpi.kernels.get("c.scalar")
  for _, t in ipairs{ 1, 2, 3, 7 } do
    for _, n in ipairs{ 1, 1000, 1000003, 4000000 } do
      assert(k.fn(n, 42, t) == s.fn(n, 42), "c.threads differs at t=" .. t .. " n=" .. n)
    end
  end
  print("agree")' 2>&1)
[ "$out" = agree ] && ok || bad "c.threads agreement: $out"
for t in 2 4; do
    timeout -s KILL 60 "$MCPI" -e "mcpi.kernels.get('c.threads').fn(1e13, 1, $t)" >/dev/null 2>&1 &
    pid=$!
    sleep 1
    kill -INT "$pid"
    wait "$pid"
    rc=$?
    [ "$rc" = 130 ] && ok || bad "SIGINT during c.threads ($t threads): exit $rc, wanted 130"
done
"$MCPI" run c.threads -n 1e9 --reps 5 --quiet --no-progress >/dev/null 2>&1 &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
case $rc in 0|130) ok ;; *) bad "SIGINT during run c.threads: exit $rc" ;; esac
printf 'tsan: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
