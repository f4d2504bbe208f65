#!/usr/bin/env bash
# Copies a fixture project, applies `nplus1 check --fix --unsafe-fixes`, compares every file
# that has a `.fixed` twin with it, checks that every file the fix changed has one, and
# that a second run has nothing left to fix.
set -euo pipefail
bin=$1
project=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$project" "$work/p"
cd "$work"
status=0
"$bin" check --fix --unsafe-fixes --no-color p >/dev/null 2>&1 || status=$?
if [ "$status" -ge 2 ]; then
  echo "nplus1 --fix failed with exit $status"; exit 1
fi
fail=0
count=0
while IFS= read -r twin; do
  rel=${twin#"$project"/}
  rel=${rel%.fixed}
  count=$((count + 1))
  if ! diff -u "$twin" "p/$rel"; then
    echo "MISMATCH: p/$rel differs from its .fixed twin"; fail=1
  fi
done < <(find "$project" -name '*.fixed' | sort)
[ "$count" -gt 0 ] || { echo "no .fixed twins under $project"; exit 1; }
# Every file --fix wrote has a twin: a fix landing in any other file would go unchecked.
while IFS= read -r rel; do
  [ -e "$project/$rel.fixed" ] || {
    echo "UNCHECKED: --fix changed $rel, which has no .fixed twin"; diff -u "$project/$rel" "p/$rel" || true; fail=1; }
done < <(cd p && find . -type f ! -name '*.fixed' | sed 's#^\./##' | sort |
         while IFS= read -r f; do cmp -s "$f" "$project/$f" || echo "$f"; done)
# Idempotence: nothing fixable is left.
left=$("$bin" check --diff --unsafe-fixes --no-color p 2>/dev/null || true)
if [ -n "$left" ]; then
  echo "a second run still has fixes:"; echo "$left"; fail=1
fi
find p -name '*.py' -newer "$project" -print >/dev/null
echo "fix fixture: $count file(s) compared"
exit $fail
