#!/usr/bin/env bash
# --shard I/N: the findings of the N shards, merged, are exactly those of one run without
# --shard (JSON findings and SARIF results alike), and no finding is in two shards.
# Usage: shard_test.sh NPLUS1 PROJECT...
set -euo pipefail
bin=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
for project in "$@"; do
  for n in 2 3 5; do
    for fmt in json sarif; do
      "$bin" check --no-cache --format "$fmt" "$project" >"$work/whole.$fmt" || true
      for ((i = 1; i <= n; i++)); do
        "$bin" check --no-cache --format "$fmt" --shard "$i/$n" "$project" >"$work/shard$i.$fmt" || true
      done
      if ! /usr/bin/python3 - "$fmt" "$work/whole.$fmt" "$work"/shard*."$fmt" <<'PY'
import json, sys
fmt, whole, shards = sys.argv[1], sys.argv[2], sys.argv[3:]
def items(path):
    d = json.load(open(path))
    return d["findings"] if fmt == "json" else d["runs"][0]["results"]
want = sorted(json.dumps(x, sort_keys=True) for x in items(whole))
got = sorted(json.dumps(x, sort_keys=True) for s in shards for x in items(s))
nonempty = sum(1 for s in shards if items(s))
if want != got:
    print(f"merged {len(got)} findings, whole run {len(want)}")
    sys.exit(1)
if len(want) >= 10 and nonempty < 2:
    print("every finding landed in one shard")
    sys.exit(1)
PY
      then
        echo "FAIL $project --shard */$n ($fmt)"
        fail=1
      else
        echo "ok $project: $n shards ($fmt)"
      fi
      rm -f "$work"/shard*
    done
  done
done
rc=0
"$bin" check --shard 3/2 "$1" >/dev/null 2>&1 || rc=$?
((rc == 2)) || { echo "FAIL --shard 3/2 exited $rc, wanted 2"; fail=1; }
exit $fail
