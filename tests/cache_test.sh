#!/usr/bin/env bash
# The incremental cache gives the same findings as a run without it, byte for byte, after
# every kind of change (a view, a template, a model, a helper module appearing and
# disappearing, files named one by one), never trusts a corrupt cache, and parses only
# what a change needs.
# Usage: cache_test.sh NPLUS1 SHOP_FIXTURE
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/shop"
cd "$work/shop"
fail=0

# same NAME [ARGS...]: the cached run (twice: writing, then reading the cache) and a
# --no-cache run print the same, in text, JSON and SARIF.
same() {
  local name=$1 f out rc
  shift
  for f in text json sarif; do
    rc=0
    "$bin" check --format "$f" --no-cache "$@" >"$work/want" 2>/dev/null || rc=$?
    ((rc <= 1)) || { echo "FAIL $name: --no-cache exited $rc"; fail=1; }
    "$bin" check --format "$f" "$@" >"$work/got1" 2>/dev/null || true
    "$bin" check --format "$f" "$@" >"$work/got2" 2>/dev/null || true
    if ! cmp -s "$work/want" "$work/got1" || ! cmp -s "$work/want" "$work/got2"; then
      echo "FAIL $name ($f): cached output differs"
      diff "$work/want" "$work/got1" | head -20 || true
      fail=1
    fi
  done
  echo "ok $name"
}

# stats [ARGS...]: the cache line of a run
stats() { { "$bin" check --cache-stats "$@" 2>&1 >/dev/null || true; } | grep '^nplus1: cache:' || true; }

expect_stats() {
  local name=$1 want=$2 got
  shift 2
  got=$(stats "$@")
  if [[ $got != *"$want"* ]]; then
    echo "FAIL $name: wanted '$want' in '$got'"
    fail=1
  else
    echo "ok $name: $got"
  fi
}

same cold
expect_stats "warm run parses nothing" "parsed 0, analyzed 0"
[[ -f .nplus1_cache/.gitignore ]] || { echo "FAIL no .gitignore in the cache"; fail=1; }

# A view edited: lines shift above every finding of the file; a new N+1 appears.
sed -i '1i # a comment that moves every line down' orders/views.py
cat >>orders/views.py <<'EOF'


def cache_test_new_view(request):
    orders = Order.objects.all()
    return [o.customer.name for o in orders]
EOF
expect_stats "one view changed" "analyzed 1,"
sed -i '1i # again' orders/views.py
same "view edited"

# A template edited: the views rendering it are analyzed again, nothing else.
sed -i '1i {# a comment #}' blog/templates/blog/tpl_comment_set_count.html
expect_stats "template changed" "analyzed 1,"
sed -i '1i {# again #}' blog/templates/blog/tpl_comment_set_count.html
same "template edited"

# A helper module appears that a view imports, then disappears.
mkdir -p orders/extra
: >orders/extra/__init__.py
cat >orders/extra/helpers.py <<'EOF'
def names(orders):
    return [o.customer.name for o in orders]
EOF
cat >>orders/loops.py <<'EOF'


def cache_test_helper_user():
    from orders.extra.helpers import names
    from orders.models import Order
    return names(Order.objects.all())
EOF
same "helper module added"
rm -r orders/extra
same "helper module removed"

# A model changed: a relation gains a related_name; every module is analyzed again.
sed -i 's/^class Order(models.Model):/class Order(models.Model):\n    note = models.TextField(default="")/' orders/models.py
expect_stats "model changed" "full run"
same "model edited"

# Files named one by one (pre-commit) and their importers.
same "named files" orders/models.py blog/views.py blog/templates/blog/tpl_comment_set_count.html

# A corrupt or truncated cache is never trusted.
same "before corruption"
size=$(stat -c %s .nplus1_cache/cache.bin)
truncate -s $((size / 2)) .nplus1_cache/cache.bin
expect_stats "truncated cache" "full run: cache file corrupt or truncated"
printf 'X' | dd of=.nplus1_cache/cache.bin bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
expect_stats "flipped byte" "full run: cache file corrupt or truncated"
printf 'garbage' >.nplus1_cache/cache.bin
same "garbage cache"

# --cache-dir keeps it elsewhere; --no-cache writes nothing.
rm -rf .nplus1_cache
"$bin" check --no-cache >/dev/null || true
[[ ! -e .nplus1_cache ]] || { echo "FAIL --no-cache wrote a cache"; fail=1; }
"$bin" check --cache-dir "$work/elsewhere" >/dev/null || true
[[ -f $work/elsewhere/cache.bin && ! -e .nplus1_cache ]] ||
  { echo "FAIL --cache-dir not used"; fail=1; }
expect_stats "--cache-dir read back" "parsed 0," --cache-dir "$work/elsewhere"

exit $fail
