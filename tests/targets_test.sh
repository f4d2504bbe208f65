#!/usr/bin/env bash
# Which files are checked: a file named alone still sees the whole project; naming a models
# module re-checks the modules importing it; --changed-since REV checks what git changed.
set -euo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" && mkdir -p shop && touch manage.py shop/__init__.py
cat > shop/models.py <<'PY'
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
PY
cat > shop/views.py <<'PY'
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.all()]
PY
cat > shop/other.py <<'PY'
def unrelated():
    return 1
PY
run() { "$bin" check --no-color "$@" 2>&1 || true; }
run shop/views.py | grep -q "views.py:5.*NP101" || { echo "a view named alone"; exit 1; }
run shop/models.py | grep -q "views.py:5.*NP101" || { echo "a model change must re-check its views"; exit 1; }
[ -z "$(run shop/other.py | grep NP101)" ] || { echo "an unrelated file reported views.py"; exit 1; }
git init -q . && git add -A && git -c user.email=a@b.invalid -c user.name=n commit -qm init
out=$(run --changed-since HEAD)
grep -q "no Python or template file changed" <<<"$out" || { echo "$out"; exit 1; }
echo "# touched" >> shop/models.py
run --changed-since HEAD | grep -q "views.py:5.*NP101" || { echo "--changed-since"; exit 1; }
echo "targets: single files, importers of changed models, --changed-since behave"
