#!/usr/bin/env bash
# pre-commit, for real: a temporary git repository with a small Django project and a local
# nplus1 hook. A commit that adds an N+1 (here, in a template) is refused with the finding;
# the commit that fixes the view goes through.
set -euo pipefail
bin=$1
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
