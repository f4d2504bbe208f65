#!/usr/bin/env bash
# Wall time and peak memory of `nplus1 check` on Django's own source tree (Debian's
# python3-django), next to a parse-only run of the same files, at -j1 and -j2.
# Usage: bench/django.sh [NPLUS1_BINARY] [TREE]
set -euo pipefail
bin=${1:-build/analyzer/driver/nplus1}
tree=${2:-/usr/lib/python3/dist-packages/django}
files=$(find "$tree" -name '*.py' -not -path '*/migrations/*' | wc -l)
lines=$(find "$tree" -name '*.py' -not -path '*/migrations/*' -print0 | xargs -0 cat | wc -l)
echo "tree: $tree ($files files, $lines lines)"
run() { # label, args...
  local label=$1; shift
  local best=999999
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o /tmp/nplus1-bench.$$ "$bin" check --no-color "$@" "$tree" >/dev/null 2>&1 || true
    read -r secs kb < /tmp/nplus1-bench.$$
    best=$(echo "$secs $best" | awk '{print ($1 < $2) ? $1 : $2}')
  done
  printf '%-22s best of 3: %6.2f s   peak RSS %6d MiB\n' "$label" "$best" $((kb / 1024))
}
run "parse only -j1" --parse-only -j 1
run "check -j1" -j 1
run "parse only -j2" --parse-only -j 2
run "check -j2" -j 2
rm -f /tmp/nplus1-bench.$$
