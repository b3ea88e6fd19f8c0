#!/bin/sh
# vendor/fetch.sh -- fetch mcpi's third-party build inputs by Debian package name.
#
#   sh vendor/fetch.sh          download + unpack vendor/packages.txt into vendor/root
#   sh vendor/fetch.sh --tools  also apt-get install the tools the test suite runs
#                               (script, rsvg-convert, xmllint) and the run-time
#                               backends it tests (Open MPI: mpirun, mpicc; the
#                               OpenCL ICD loader and PoCL's CPU device), when
#                               missing and run as root
#   sh vendor/fetch.sh --only-tools   just the tools (a DEPS=system build)
#
# Each package is fetched with `apt-get download NAME=VERSION` and unpacked with
# `dpkg -x` (no install, no root needed for this part). If the pinned version has
# left the archive, the current candidate is taken and a warning says so.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root="$here/root"
debs="$here/debs"
stamp="$root/.stamp"
list="$here/packages.txt"

say() { printf 'vendor: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

command -v apt-get >/dev/null || die "apt-get not found: mcpi fetches its dependencies from Debian's archive"

updated=0
apt_update() {
    [ $updated -eq 1 ] && return 0
    updated=1
    if [ "$(id -u)" = 0 ]; then
        say "refreshing the package lists (apt-get update)"
        apt-get update -qq >&2 || say "apt-get update failed; trying with the lists we have"
    fi
}

install_tools() {
    missing=""
    command -v rsvg-convert >/dev/null || missing="$missing librsvg2-bin"
    command -v xmllint >/dev/null || missing="$missing libxml2-utils"
    command -v script >/dev/null || missing="$missing bsdutils"
    # MPI and OpenCL are installed, not unpacked into vendor/root: mpirun
    # finds its plugins and help files under the prefix it was built for,
    # and the ICD loader finds platforms through /etc/OpenCL/vendors.
    command -v mpirun >/dev/null || missing="$missing openmpi-bin"
    command -v mpicc >/dev/null || missing="$missing libopenmpi-dev"
    ldconfig -p 2>/dev/null | grep -q 'libOpenCL\.so\.1 ' || missing="$missing ocl-icd-libopencl1"
    [ -e /etc/OpenCL/vendors/pocl.icd ] || missing="$missing pocl-opencl-icd"
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        die "the test suite needs:$missing (run as root, or: sudo apt-get install$missing)"
    fi
    apt_update
    say "installing test tools:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null || die "apt-get install$missing failed"
}

fetch() {
    want=$(grep -v '^#' "$list" | grep -v '^$')
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        touch "$stamp"  # up to date: newer than fetch.sh, so make stops asking
        return 0
    fi
    rm -rf "$root" "$debs"
    mkdir -p "$root" "$debs"
    for spec in $want; do
        name=${spec%%=*}
        if ! (cd "$debs" && apt-get download -q "$spec" >/dev/null 2>&1); then
            apt_update
            if ! (cd "$debs" && apt-get download -q "$spec" >/dev/null 2>&1); then
                say "warning: $spec is no longer in the archive; taking the current $name"
                (cd "$debs" && apt-get download -q "$name" >/dev/null 2>&1) ||
                    die "cannot download package '$name' (is this Debian 12 with deb.debian.org reachable?)"
            fi
        fi
    done
    for deb in "$debs"/*.deb; do
        dpkg -x "$deb" "$root"
    done
    printf '%s\n' "$want" >"$stamp"
    say "unpacked $(ls "$debs" | wc -l) packages into vendor/root"
}

case "${1:-}" in
    --only-tools) install_tools ;;
    --tools) fetch; install_tools ;;
    "") fetch ;;
    *) die "unknown option '$1' (usage: sh vendor/fetch.sh [--tools|--only-tools])" ;;
esac
exit 0
