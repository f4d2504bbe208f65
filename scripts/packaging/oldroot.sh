#!/usr/bin/env bash
# Makes a minimal root file system of an older Debian release (default bullseye: glibc
# 2.31, five years older than the Debian 12 that builds nplus1) for tests/ship_test.sh to
# run the release binary in with chroot: proof that it does not need the build machine's
# glibc. Needs root, debootstrap and the network; run once, then:
#
#   NPLUS1_OLD_ROOT=DIR ctest -R '^ship\.release$'
#
# Usage: scripts/packaging/oldroot.sh DIR [SUITE]
# The mirror is the one apt on this machine uses (its sources), never one written here.
set -euo pipefail
dir=${1:?usage: oldroot.sh DIR [SUITE]}
suite=${2:-bullseye}
[ "$(id -u)" -eq 0 ] || { echo "oldroot.sh: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "oldroot.sh: debootstrap is not installed" >&2; exit 2; }
if [ -x "$dir/bin/sh" ] && [ -f "$dir/etc/debian_version" ]; then
  echo "oldroot.sh: $dir holds Debian $(cat "$dir/etc/debian_version") already"
  exit 0
fi
# The first Debian archive apt is configured with, deb822 (.sources) or one-line format.
mirror=$(
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      sed 's/\[[^]]*\]//' || true
  } | awk '{print $2}' | { grep -v -- '-security' || true; } | head -1)
[ -n "$mirror" ] || { echo "oldroot.sh: found no Debian mirror in apt's sources" >&2; exit 1; }
debootstrap --variant=minbase "$suite" "$dir" "$mirror"
echo "oldroot.sh: Debian $(cat "$dir/etc/debian_version") in $dir"
