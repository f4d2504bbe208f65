#!/usr/bin/env bash
# Configures and builds nplus1 into build/ (or $1) after installing what it needs.
# Extra arguments go to cmake, e.g. scripts/build.sh build-asan -DNPLUS1_SANITIZE=ON
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/bootstrap.sh"
dir=${1:-build}
shift || true
cmake -S "$here" -B "$here/$dir" -G Ninja -DNPLUS1_WERROR=ON "$@" >/dev/null
cmake --build "$here/$dir"
