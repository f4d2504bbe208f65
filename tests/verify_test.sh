#!/usr/bin/env bash
# `nplus1 check --verify` is the oracle of every fixture test, so it must fail when it
# should: on a missing expected finding, an unexpected one, a wrong code, a finding in a
# file that says `expect-no-findings` (and such a file expecting something), a wrong
# `@+N` offset and a missing template expectation, each with a message naming the file,
# line and code. Each case is a small project built here; a control project shows that
# the same setup passes when the expectations are right.
#   tests/verify_test.sh NPLUS1_BIN
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# A project with one N+1 (views.py line 5: NP101) whose views.py is given by the caller.
project() {
  local dir=$work/$1
  mkdir -p "$dir/shop/templates/shop"
  touch "$dir/manage.py" "$dir/shop/__init__.py"
  cat >"$dir/shop/models.py" <<'PY'
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
PY
  cat >"$dir/shop/views.py"
  echo "$dir"
}

# verify NAME WANT_EXIT PATTERN...: runs --verify on project NAME; the exit status must be
# WANT_EXIT and the output must match every PATTERN (extended regexps).
verify() {
  local name=$1 want=$2 out rc=0
  shift 2
  out=$(cd "$work/$name" && "$bin" check --verify --no-color . 2>&1) || rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; echo "$out"; fail=1; return
  fi
  for pattern in "$@"; do
    if ! grep -Eq -- "$pattern" <<<"$out"; then
      echo "FAIL $name: no line matching /$pattern/ in:"; echo "$out"; fail=1; return
    fi
  done
  echo "ok   $name"
}

project control >/dev/null <<'PY'
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.all()]  # expect: NP101
PY
verify control 0 '^verify: ok, 1 findings, 0 mismatches$'

project missing >/dev/null <<'PY'
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.select_related('customer')]  # expect: NP101
PY
verify missing 1 '^shop/views\.py:5: expected NP101 but found nothing$' \
  '^verify: FAILED, 0 findings, 1 mismatches$'

project unexpected >/dev/null <<'PY'
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.all()]
PY
verify unexpected 1 '^shop/views\.py:5:[0-9]+: unexpected finding NP101: `o\.customer` runs' \
  '^verify: FAILED, 1 findings, 1 mismatches$'

project wrong-code >/dev/null <<'PY'
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.all()]  # expect: NP102
PY
verify wrong-code 1 '^shop/views\.py:5:[0-9]+: unexpected finding NP101: ' \
  '^shop/views\.py:5: expected NP102 but found nothing$' \
  '^verify: FAILED, 1 findings, 2 mismatches$'

project wrong-line >/dev/null <<'PY'
from .models import Order


def names():  # expect: NP101
    return [o.customer.name for o in Order.objects.all()]
PY
verify wrong-line 1 '^shop/views\.py:5:[0-9]+: unexpected finding NP101: ' \
  '^shop/views\.py:4: expected NP101 but found nothing$'

# `# expect@+N:` counts from the comment's line: right, then one line off.
project offset >/dev/null <<'PY'
from .models import Order


# expect@+1: NP101
def names(): return [o.customer.name for o in Order.objects.all()]
PY
verify offset 0 '^verify: ok, 1 findings, 0 mismatches$'
project wrong-offset >/dev/null <<'PY'
from .models import Order


# expect@+2: NP101
def names(): return [o.customer.name for o in Order.objects.all()]
PY
verify wrong-offset 1 '^shop/views\.py:6: expected NP101 but found nothing$' \
  '^shop/views\.py:5:[0-9]+: unexpected finding NP101: '

project no-findings >/dev/null <<'PY'
# expect-no-findings
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.all()]
PY
verify no-findings 1 \
  '^shop/views\.py:6:[0-9]+: unexpected finding NP101 in a file that says expect-no-findings: ' \
  '^verify: FAILED, 1 findings, 1 mismatches$'

# A file that must produce nothing cannot expect something: even a met expectation fails.
project no-findings-contradiction >/dev/null <<'PY'
# expect-no-findings
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.all()]  # expect: NP101
PY
verify no-findings-contradiction 1 \
  '^shop/views\.py:6: expects NP101, but the file says expect-no-findings$'

# The marker is honoured where it is right: a clean file passes.
project no-findings-clean >/dev/null <<'PY'
# expect-no-findings
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.select_related('customer')]
PY
verify no-findings-clean 0 '^verify: ok, 0 findings, 0 mismatches$'

# Templates carry `{# expect: NPxxx #}`; a template N+1 without one fails.
dir=$(project template <<'PY'
from django.shortcuts import render

from .models import Order


def order_list(request):
    return render(request, 'shop/list.html', {'orders': Order.objects.all()})
PY
)
printf '{%% for order in orders %%}\n  {{ order.customer.name }}\n{%% endfor %%}\n' \
  >"$dir/shop/templates/shop/list.html"
verify template 1 \
  '^shop/templates/shop/list\.html:2:[0-9]+: unexpected finding NP101: '
printf '{%% for order in orders %%}\n  {{ order.customer.name }}{# expect: NP101 #}\n{%% endfor %%}\n' \
  >"$dir/shop/templates/shop/list.html"
verify template 0 '^verify: ok, 1 findings, 0 mismatches$'

# A file that cannot be read has no line to carry its expectation: `# expect@NAME:` in a
# file beside it does. Missing, then present.
dir=$(project unreadable <<'PY'
from .models import Order


def names():
    return [o.customer.name for o in Order.objects.all()]  # expect: NP101
PY
)
printf 'x = 1\n\0\n' >"$dir/shop/binary.py"
verify unreadable 1 '^shop/binary\.py: unexpected finding NP902: '
printf '# expect@binary.py: NP902\n' >"$dir/shop/__init__.py"
verify unreadable 0 '^verify: ok, 2 findings, 0 mismatches$'
printf '# expect@other.py: NP902\n' >"$dir/shop/__init__.py"
verify unreadable 1 '^shop/other\.py:0: expected NP902 but found nothing$' \
  '^shop/binary\.py: unexpected finding NP902: '

exit $fail
