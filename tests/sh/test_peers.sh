# The Python peers' setup and worker loop: mcpi list explains an unavailable
# peer (and how to install it) without starting Python; the worker loop
# (src/peers/mcpi_worker.py, run here with py.cpython, which needs no package)
# answers bad requests with an error reply and goes on, and exits 0 on quit
# and on EOF; an unknown peer or a missing framework fails its handshake.
. "$(dirname "$0")/lib.sh"
PY=${MCPI_PYTHON:-python3}
W=src/peers/mcpi_worker.py

# An mcpi copied away from its sources: the peers say where they looked.
cp "$MCPI" "$tmp/mcpi"
run env -u MCPI_PYTHON -u MCPI_PEERS "$tmp/mcpi" list
expect_rc 0 "list away from the sources"
expect_out 'py\.numba .* no .*the peer sources are not beside mcpi' "sources missing: why"
# Beside the sources but without vendor/venv: the install command is the hint.
mkdir -p "$tmp/src" && ln -s "$(pwd)/src/peers" "$tmp/src/peers"
run env -u MCPI_PYTHON -u MCPI_PEERS "$tmp/mcpi" list
expect_out 'py\.numba .* no .*no Python environment for the peers.*make peers PEERS=numba' "no venv: hint"
expect_out 'py\.tf .* no .*make peers PEERS=tf' "no venv: tf hint"
# A venv without the framework: "not installed", and the hint.
mkdir -p "$tmp/vendor/venv/bin" "$tmp/vendor/venv/lib/python3.11/site-packages"
printf 'home = /usr/bin\nversion = 3.11.2\n' >"$tmp/vendor/venv/pyvenv.cfg"
ln -s "$(command -v python3)" "$tmp/vendor/venv/bin/python3"
run env -u MCPI_PYTHON -u MCPI_PEERS "$tmp/mcpi" list
expect_out 'py\.jax .* no .*jax is not installed in .*make peers PEERS=jax' "no jax: why and hint"
expect_out 'py\.cpython .* yes' "py.cpython needs only Python"
# ... and the handshake of a worker whose framework is missing.
run env -u MCPI_PYTHON -u MCPI_PEERS "$tmp/mcpi" run py.numba -n 10
expect_rc 2 "run refuses an unavailable peer"
expect_err "kernel 'py\.numba' is unavailable on this machine: numba is not installed" "run: why"
if "$PY" -c 'import numba' 2>/dev/null; then pass; else
    run env -u MCPI_PEERS MCPI_PYTHON="$PY" "$tmp/mcpi" run py.numba -n 10
    expect_rc 1 "run a peer whose framework is missing"
    expect_err 'py\.numba: worker cannot run: numba is not installed \(make peers PEERS=numba\)' "handshake error"
fi

# The worker loop, through pipes.
REQS='{"op":"count","n":"1000","seed":"42","calls":2}
{"op":"count","n":1000,"seed":"42"}
{"op":"count","n":"9007199254740993","seed":"1"}
{"op":"count","n":"10","seed":"18446744073709551616"}
{"op":"count","n":"10","seed":"1","calls":0}
{"op":"count","n":"10","seed":"1","threads":"2"}
{"op":"count","n":"10","seed":"1","first":"4"}
{"op":"jump"}
not json
{"op":"count","n":"0","seed":"18446744073709551615"}
{"op":"quit"}
{"op":"count","n":"10","seed":"1"}
'
run_in "$REQS" "$PY" "$W" py.cpython
expect_rc 0 "worker: quit exits 0"
line() { printf '%s\n' "$out" | sed -n "$1p"; }
case "$(line 1)" in *'"protocol":"mcpi-worker/1","kernel":"py.cpython","stream":"py-random"'*) pass ;; *) fail "handshake: $(line 1)" ;; esac
case "$(line 2)" in '{"hits":"'[0-9]*'","seconds":'*) pass ;; *) fail "count reply: $(line 2)" ;; esac
for i in 3 4 5 6 7 8 9 10; do
    case "$(line $i)" in '{"error":"'*) pass ;; *) fail "bad request $i: $(line $i)" ;; esac
done
case "$(line 3)" in *'n must be a string of decimal digits'*) pass ;; *) fail "n as a number: $(line 3)" ;; esac
case "$(line 4)" in *'n must be in 0..9007199254740992'*) pass ;; *) fail "n > 2^53: $(line 4)" ;; esac
case "$(line 8)" in *'first must be 0 for a peer of stream py-random'*) pass ;; *) fail "first: $(line 8)" ;; esac
case "$(line 11)" in '{"hits":"0",'*) pass ;; *) fail "n = 0 after errors: $(line 11)" ;; esac
[ "$(printf '%s\n' "$out" | wc -l)" -eq 11 ] && pass || fail "nothing after quit"

run_in '{"op":"count","n":"100","seed":"7"}
' "$PY" "$W" py.cpython
expect_rc 0 "worker: EOF exits 0"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] && pass || fail "EOF: one reply"

run_in '' "$PY" "$W" py.nosuch
expect_rc 1 "unknown peer"
expect_out '^\{"protocol":"mcpi-worker/1","error":"py.nosuch: LookupError: no such peer' "unknown peer: handshake error"
run_in '' "$PY" "$W"
expect_rc 2 "no kernel argument"
expect_out '"error":"usage: mcpi_worker.py KERNEL"' "usage handshake"
# MCPI_PEERS (make's PEERS=) keeps the others out, saying so.
run env MCPI_PEERS="cpython jax" "$MCPI" list
expect_out "py\.numba .* no .*not among the selected peers \(MCPI_PEERS='cpython jax'\)" "MCPI_PEERS: why"
run env MCPI_PEERS=none "$MCPI" list
expect_out "py\.cpython .* no .*MCPI_PEERS='none'" "MCPI_PEERS=none"
finish
