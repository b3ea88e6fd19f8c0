# make install: PREFIX/bin/mcpi finds what it needs relative to itself from
# any directory: the run-time loaded libraries in PREFIX/lib/mcpi (the MPI
# shim under mpirun), the peers' sources in PREFIX/share/mcpi/peers (with
# MCPI_PYTHON naming a Python), the scripts in PREFIX/share/mcpi/scripts.
# The recipe installs the normal build (./mcpi), whatever binary is under test.
. "$(dirname "$0")/lib.sh"

root="$tmp/root"
run make -s --no-print-directory install DESTDIR="$root" PREFIX=/usr/local
expect_rc 0 "make install"
bin="$root/usr/local/bin/mcpi"
[ -x "$bin" ] && pass || fail "no $bin"
[ -f "$root/usr/local/share/mcpi/peers/mcpi_worker.py" ] && pass || fail "peers' sources not installed"
[ -f "$root/usr/local/share/mcpi/scripts/sweep.lua" ] && pass || fail "scripts not installed"

cd "$tmp" || exit 1
run "$bin" run c.scalar c.simd -n 1e4 --reps 3 --quiet --no-progress
expect_rc 0 "installed mcpi runs from another directory"
expect_out 'identical samples: c\.scalar, c\.simd' "and its kernels agree"
run "$bin" list
expect_out 'py\.numba .* no .*to enable: MCPI_PYTHON=PATH, a python3 with numba' "an installed peer asks for MCPI_PYTHON"

# The study's pure-Python peer needs no package: any python3 runs it.
if command -v python3 >/dev/null 2>&1; then
    MCPI_PYTHON=python3 run "$bin" run py.cpython -n 1000 --reps 3 --quiet --no-progress
    expect_rc 0 "py.cpython from share/mcpi/peers with MCPI_PYTHON"
    expect_out '^py\.cpython +1000 +3 ' "py.cpython measured"
fi

run "$bin" script "$root/usr/local/share/mcpi/scripts/sweep.lua" c.scalar --n-range 2:3 --reps 3 \
    --budget 5 --json "$tmp/s.json" --no-progress --quiet
expect_rc 0 "the installed study script runs"

# The MPI shim from PREFIX/lib/mcpi (where the build made one).
if command -v mpirun >/dev/null 2>&1 && [ -f "$root/usr/local/lib/mcpi/libmcpi_mpi.so" ]; then
    run mpirun --allow-run-as-root --oversubscribe -np 2 "$bin" run c.scalar -n 1e5 --reps 3 \
        --quiet --no-progress --json "$tmp/m.json"
    expect_rc 0 "installed mcpi under mpirun -np 2"
    run "$bin" -e 'print(mcpi.load(arg[1]).context.mpi.ranks)' "$tmp/m.json"
    expect_out '^2$' "two ranks recorded"
fi
finish
