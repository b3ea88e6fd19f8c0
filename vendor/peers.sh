#!/bin/sh
# vendor/peers.sh [PEER...] -- install what the Python peers need into
# vendor/venv/ (ignored), from PyPI by package name, every version taken from
# vendor/requirements.txt. PEER: cpython numba numpy jax tf triton, or all
# (the six), or none; comma or space separated; default: the set `make run`
# and `make test` use (DEFAULT_PEERS below). A peer already installed costs
# nothing; one that fails to install is reported and the others go on (mcpi
# list then says why that peer is unavailable). PYTHON names the interpreter
# the venv is made from (default python3); without venv/pip support, Debian's
# python3-venv and python3-pip are installed with apt-get when run as root.
# Exit 0 if every requested peer is installed, 1 if one is not, 2 on bad usage.
DEFAULT_PEERS="cpython numba numpy jax tf"
cd "$(dirname "$0")/.." || exit 1
PYTHON=${PYTHON:-python3}
VENV=vendor/venv
REQ=vendor/requirements.txt

peers=$(printf '%s' "${*:-$DEFAULT_PEERS}" | tr ',' ' ')
[ "$peers" = "all" ] && peers="cpython numba numpy jax tf triton"
[ "$peers" = "none" ] && { echo "peers: none requested"; exit 0; }

# Packages pip installs for a peer, and the modules that show it is installed.
pkgs_of() {
    case $1 in
        cpython) echo "" ;;
        numba) echo "numba" ;;
        numpy) echo "numpy" ;;
        jax) echo "jax jaxlib" ;;
        tf) echo "tensorflow-cpu" ;;
        triton) echo "triton torch" ;;
        *) return 1 ;;
    esac
}
mods_of() {
    case $1 in
        numba) echo "numba numpy" ;; jax) echo "jax jaxlib" ;; tf) echo "tensorflow" ;;
        triton) echo "triton torch" ;; *) echo "$(pkgs_of "$1")" ;;
    esac
}
for p in $peers; do
    pkgs_of "$p" >/dev/null || {
        echo "peers: unknown peer '$p' (use cpython, numba, numpy, jax, tf, triton, all or none)" >&2
        exit 2
    }
done

# A Python that can make a venv with pip in it.
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "peers: $PYTHON cannot make a venv; apt-get install python3-venv python3-pip"
        apt-get update -qq && apt-get install -y -qq python3-venv python3-pip >/dev/null || exit 1
        command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
    else
        echo "peers: $PYTHON cannot make a venv (as root: apt-get install python3-venv python3-pip)" >&2
        exit 1
    fi
fi
if [ ! -x "$VENV/bin/python3" ]; then
    echo "peers: making $VENV from $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    "$PYTHON" -m venv "$VENV" || exit 1
fi
site=$("$VENV/bin/python3" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') || exit 1

installed() {
    for m in $(mods_of "$1"); do [ -f "$site/$m/__init__.py" ] || return 1; done
}

bad=0
for p in $peers; do
    if installed "$p"; then continue; fi
    t0=$(date +%s)
    before=$(du -sm "$VENV" | cut -f1)
    echo "peers: installing $p ($(pkgs_of "$p")) into $VENV"
    # shellcheck disable=SC2046
    if "$VENV/bin/python3" -m pip install -q --disable-pip-version-check -c "$REQ" $(pkgs_of "$p") \
        && installed "$p"; then
        echo "peers: $p installed in $(( $(date +%s) - t0 )) s, +$(( $(du -sm "$VENV" | cut -f1) - before )) MB"
    else
        echo "peers: $p could not be installed (see pip's message above); the study runs without it" >&2
        bad=1
    fi
done
echo "peers: ready: $peers ($VENV, $(du -sm "$VENV" | cut -f1) MB)"
exit $bad
