#!/usr/bin/env bash
# Replays every saved input under REGRESSIONS/<target>/ through its fuzz target (no fuzzing);
# fails when any of them still crashes, hangs or trips a sanitizer.
#   tests/fuzz/regress.sh DIR [REGRESSIONS]
# DIR holds the fuzz binaries (the build directory or its tests/fuzz/); REGRESSIONS defaults
# to tests/fuzz/regressions.
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DIR [REGRESSIONS]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
regressions=${2:-$here/regressions}
[ -x "$dir/fuzz_template" ] || dir=$dir/tests/fuzz
[ -x "$dir/fuzz_template" ] || { echo "regress.sh: no fuzz binaries in $1" >&2; exit 2; }
passed=0
failed=0
for tdir in "$regressions"/*/; do
  [ -d "$tdir" ] || continue
  t=$(basename "$tdir")
  [ -x "$dir/$t" ] || { echo "FAIL $t: no such fuzz target"; failed=$((failed + 1)); continue; }
  for f in "$tdir"*; do
    [ -f "$f" ] || continue
    case $f in *.md|*.txt) continue;; esac
    if out=$("$dir/$t" -timeout=20 -rss_limit_mb=2560 "$f" 2>&1); then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL $t $(basename "$f")"
      printf '%s\n' "$out" | grep -E -m1 -A20 '==ERROR|runtime error|^fuzz_|ALARM|out-of-memory'
    fi
  done
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
