#!/usr/bin/env bash
# Baseline: recorded findings are silent, survive edits to other lines, new ones are
# reported, fixed entries are announced; --statistics, --quiet and --output-file.
set -euo pipefail
bin=$1
src=$2 # fixtures/projects/article: 3 findings
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/p" && cd "$work/p"
"$bin" check --write-baseline base.json . 2>/dev/null
status=0; out=$("$bin" check --baseline base.json --no-color . 2>&1) || status=$?
[ $status -eq 0 ] || { echo "baseline did not silence: $out"; exit 1; }
# Lines moved: still silent.
sed -i '1i # a new first line\n' customers/views.py orders/views.py
"$bin" check --baseline base.json --quiet . >/dev/null || { echo "moved lines resurrected findings"; exit 1; }
# A new N+1: reported, and only it.
cat >> orders/views.py <<'PY'


def order_totals(request):
    return [order.customer.name for order in Order.objects.filter(total__gt=0)]
PY
status=0; out=$("$bin" check --baseline base.json --no-color . 2>&1) || status=$?
[ $status -eq 1 ] && [ "$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: NP[0-9]{3} ' <<<"$out")" = 1 ] || { echo "new finding: $out"; exit 1; }
# Fix everything: the baseline entries are reported as removable.
"$bin" check --fix --unsafe-fixes . >/dev/null 2>&1 || true
out=$("$bin" check --baseline base.json . 2>&1 || true)
grep -q "3 baseline entries no longer match" <<<"$out" || { echo "stale entries: $out"; exit 1; }
# Statistics, quiet, output file.
git -C "$work" init -q 2>/dev/null || true
cp -r "$src" "$work/q" && cd "$work/q"
{ "$bin" check --statistics . || true; } | grep -qE "^NP101 +2 +fk-access-per-row" || { "$bin" check --statistics .; exit 1; }
"$bin" check --quiet --no-color . | grep -q "nplus1:" && { echo "--quiet printed a summary"; exit 1; }
"$bin" check --format json --output-file out.json . >/dev/null || true
/usr/bin/python3 -c "import json; d=json.load(open('out.json')); assert len(d['findings']) == 3" ||
  { echo "--output-file"; exit 1; }
echo "baseline, statistics, quiet and output-file behave"
