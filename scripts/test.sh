#!/usr/bin/env bash
# The whole test suite, as CI runs it: a -Werror release build and a build under
# AddressSanitizer + UBSan, each running every CTest entry (unit tests, fixture
# verification, fix twins, and the proofs under real Django).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
bash "$here/scripts/build.sh" build
(cd "$here/build" && ctest --output-on-failure -j "$jobs")
bash "$here/scripts/build.sh" build-asan -DCMAKE_BUILD_TYPE=Debug -DNPLUS1_SANITIZE=ON
(cd "$here/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j "$jobs" -E '^ship\.')
# libFuzzer targets (clang-19): the saved regression inputs and a short smoke run of each.
CC=clang-19 CXX=clang++-19 bash "$here/scripts/build.sh" build-fuzz -DNPLUS1_FUZZ=ON \
  -DNPLUS1_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$here/build-fuzz" --target fuzz_all
(cd "$here/build-fuzz" && NPLUS1_FUZZ_SMOKE_SECONDS=15 ctest --output-on-failure -R '^fuzz\.')
