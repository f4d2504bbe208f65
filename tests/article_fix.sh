#!/usr/bin/env bash
# The article end to end: its own tests (assertNumQueries) fail on the broken project,
# `nplus1 check --fix` patches the views, then the project's test suite passes and a
# second check finds nothing fixable.
set -euo pipefail
bin=$1
project=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Without Django the project's tests cannot run: fail and say so (never pass unchecked).
/usr/bin/python3 -c 'import django' 2>/dev/null || {
  echo "FAIL Django cannot be imported by /usr/bin/python3 (install python3-django;" \
       "scripts/bootstrap.sh does): the article's tests were not run"; exit 1; }
cp -r "$project" "$work/p"
cd "$work/p"
if /usr/bin/python3 manage.py test tests api_tests >"$work/before.log" 2>&1; then
  echo "the article's tests pass before the fix: the fixture no longer shows the N+1s"
  exit 1
fi
grep -q 'FAILED (failures=3)' "$work/before.log" || { cat "$work/before.log"; exit 1; }
status=0
"$bin" check --fix --no-color . >"$work/fix.log" 2>&1 || status=$?
[ "$status" -le 1 ] || { cat "$work/fix.log"; exit 1; }
for f in customers/views.py orders/views.py; do
  diff -u "$project/$f.fixed" "$f"
done
/usr/bin/python3 manage.py test tests api_tests 2>&1 | tail -3
/usr/bin/python3 manage.py test tests api_tests >/dev/null 2>&1
left=$("$bin" check --diff --no-color . 2>/dev/null || true)
[ -z "$left" ] || { echo "fixes left after --fix:"; echo "$left"; exit 1; }
echo "article: 3 failing query-count tests before --fix (2 templates, 1 DRF), all passing after"
