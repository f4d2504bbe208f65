#!/usr/bin/env bash
# pre-commit, for real: a temporary git repository with a small Django project and a local
# nplus1 hook. A commit that adds an N+1 (here, in a template) is refused with the finding;
# the commit that fixes the view goes through. Then, on a copy of the shop fixture (the
# second argument): a commit that drops a select_related from a view (or a DRF viewset's
# `queryset =`) is refused for the finding it causes in the template (the serializer) that
# reads the rows, though only the view is committed; --changed-since sees it too.
# Usage: precommit_test.sh NPLUS1 [SHOP_FIXTURE]
set -euo pipefail
bin=$(realpath "$1")
shop=${2:+$(realpath "$2")}
command -v pre-commit >/dev/null || { echo "pre-commit is not installed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" PRE_COMMIT_HOME="$work/cache" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
cd "$work" && mkdir repo && cd repo
git init -q .
git config user.email dev@example.invalid
git config user.name dev
mkdir -p shop/templates/shop
touch manage.py shop/__init__.py
cat > shop/models.py <<'PY'
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
PY
cat > shop/views.py <<'PY'
from django.shortcuts import render

from .models import Order


def order_list(request):
    orders = Order.objects.all()
    return render(request, 'shop/list.html', {'orders': orders})
PY
echo '<p>orders</p>' > shop/templates/shop/list.html
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: local
    hooks:
      - id: nplus1
        name: nplus1
        entry: $bin check --no-color
        language: system
        types_or: [python, html]
        require_serial: true
YAML
git add -A && git commit -qm "project" --no-verify
pre-commit install >/dev/null
# 1. The template starts reading order.customer: the commit is refused, with the finding.
printf '{%% for order in orders %%}{{ order.customer.name }}{%% endfor %%}\n' > shop/templates/shop/list.html
git add shop/templates/shop/list.html
if git commit -qm "show customers" >"$work/out1" 2>&1; then
  cat "$work/out1"; echo "FAIL: the commit with an N+1 went through"; exit 1
fi
grep -q "NP101" "$work/out1" || { cat "$work/out1"; echo "FAIL: no NP101 in the hook output"; exit 1; }
grep -q "shop/templates/shop/list.html" "$work/out1" || { cat "$work/out1"; exit 1; }
# 2. Fix the view with nplus1 itself; the commit (template + view) passes.
"$bin" check --fix --no-color . >/dev/null 2>&1 || true
grep -q "select_related('customer')" shop/views.py || { cat shop/views.py; exit 1; }
git add -A
git commit -qm "show customers, select_related" >"$work/out2" 2>&1 || {
  cat "$work/out2"; echo "FAIL: the fixed commit was refused"; exit 1; }
echo "pre-commit: N+1 commit refused with NP101, fixed commit accepted"
[[ -n $shop ]] || exit 0

# The shop fixture, committed as it is; then the hook from here on.
cp -r "$shop" "$work/shop" && cd "$work/shop"
rm -rf .nplus1_cache && find . -name '*.fixed' -delete
cp "$work/repo/.pre-commit-config.yaml" .
git init -q .
git config user.email dev@example.invalid
git config user.name dev
git add -A && git commit -qm "the shop" --no-verify
pre-commit install >/dev/null

# commit MESSAGE: commits what is staged through the hook; 0 when the hook let it through.
commit() { git commit -qm "$1" >"$work/out" 2>&1; }
# refused WHAT PATTERN: the last commit was refused with a line matching PATTERN; the
# change is then undone.
refused() {
  grep -qE "$2" "$work/out" || { cat "$work/out"; echo "FAIL $1: no '$2' in the hook output"; exit 1; }
  git reset -q --hard HEAD
  echo "pre-commit: $1 refused"
}

# 1. The orders views and API with nplus1's fixes applied: clean, the commit goes through.
"$bin" check --fix --unsafe-fixes --no-color . >/dev/null 2>&1 || true
git add orders/views.py orders/api.py
commit "orders: select_related where nplus1 says" || { cat "$work/out"; echo "FAIL: clean commit 1 refused"; exit 1; }
git checkout -q -- .
# 2. An edit of the view that changes no queryset goes through.
echo "# a comment" >>orders/views.py
git add orders/views.py
commit "orders: a comment" || { cat "$work/out"; echo "FAIL: a harmless view edit refused"; exit 1; }
echo "pre-commit: the shop's fixed views commit cleanly"

# 3. A view drops select_related('customer'); its template reads order.customer.
sed -i "/^def customer_select_related(/,/^def /s/Order.objects.select_related('customer')/Order.objects.all()/" \
  orders/views.py
git diff --quiet && { echo "FAIL: the view was not edited"; exit 1; }
git add orders/views.py
if commit "orders: no select_related"; then
  cat "$work/out"; echo "FAIL: dropping select_related from a view went through"; exit 1
fi
refused "select_related dropped from a view" \
  '^orders/templates/orders/tpl_ok_select_related.html:3:36: NP101 '

# 4. A DRF viewset's queryset drops it; its serializer reads customer.name.
sed -i "/^class OrderArticleSelectedViewSet(/,/^class /s/Order.objects.select_related('customer')/Order.objects.all()/" \
  orders/api.py
git diff --quiet && { echo "FAIL: the viewset was not edited"; exit 1; }
out=$("$bin" check --no-color --changed-since HEAD 2>&1 || true)
grep -qE '^orders/serializers.py:140:[0-9]+: NP101 ' <<<"$out" ||
  { echo "$out"; echo "FAIL: --changed-since HEAD misses the serializer's finding"; exit 1; }
git add orders/api.py
if commit "orders api: no select_related"; then
  cat "$work/out"; echo "FAIL: dropping select_related from a viewset went through"; exit 1
fi
refused "select_related dropped from a viewset" '^orders/serializers.py:140:[0-9]+: NP101 '
