#!/usr/bin/env bash
# Hostile and broken input: every case finishes (no crash, no hang), says what is wrong,
# and the rest of the project is still analyzed. Also: --fix never writes through a symlink
# or outside the project, keeps CRLF; nplus1 never imports the project; output is
# deterministic across thread counts and runs.
set -uo pipefail
bin=$1
fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
# A guard against hangs, not a speed test (bench/ measures speed): a sanitizer build on a
# loaded two-core machine needs minutes for the 9 MB file below.
hang=${NPLUS1_HANG_SECONDS:-400}
check() { # name, expected-substring-or-empty, args...
  local name=$1 want=$2; shift 2
  local out status
  out=$(timeout "$hang" "$bin" check --no-color "$@" 2>&1); status=$?
  if [ $status -ge 2 ] && [ $status -ne 2 -o -z "$want" ]; then
    echo "FAIL $name: exit $status"; echo "$out" | tail -5; fail=1; return
  fi
  if [ -n "$want" ] && ! grep -q -- "$want" <<<"$out"; then
    echo "FAIL $name: no '$want' in:"; echo "$out" | tail -5; fail=1; return
  fi
  echo "ok   $name"
}

p=$work/p
mkdir -p "$p/app/templates/app" && cd "$p" && touch manage.py app/__init__.py
cat > app/models.py <<'PY'
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=5)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    ghost = models.ForeignKey('nowhere.Missing', on_delete=models.CASCADE)


class Loop1(Loop2Base if False else models.Model):
    pass


class A(B):
    pass


class B(A):
    pass
PY
good='from .models import Order\n\ndef f():\n    for o in Order.objects.all():\n        print(o.customer.name, o.ghost)\n'
printf "$good" > app/good.py
printf 'x = 1\n\0\0\0binary\n' > app/binary.py
printf 'name = "caf\xe9"\n' > app/latin1.py
printf '\xef\xbb\xbf'"$good" > app/bom.py
printf "$good" | sed 's/$/\r/' > app/crlf.py
: > app/empty.py
printf 'def broken(:\n    pass\n' > app/syntax.py
mkdir -p app/dir.py
ln -s loop app/loop && ln -s . app/loop/self 2>/dev/null || ln -s . app/selfloop
ln -s does-not-exist.py app/dangling.py
printf '{%% for o in orders %%}{{ o.customer.name }}\n' > app/templates/app/unclosed.html
printf '{{ x\n' > app/templates/app/unclosed_var.html
printf '{%% include "app/self.html" %%}\n' > app/templates/app/self.html
printf '{%% extends "app/b.html" %%}\n' > app/templates/app/a.html
printf '{%% extends "app/a.html" %%}{%% block x %%}{%% endblock %%}\n' > app/templates/app/b.html
cat > app/views.py <<'PY'
from django.shortcuts import render
from .models import Order


def v(request):
    render(request, 'app/self.html', {'orders': Order.objects.all()})
    render(request, 'app/a.html', {'orders': Order.objects.all()})
    return render(request, 'app/unclosed.html', {'orders': Order.objects.all()})
PY
mkdir -p "$work/outside" && printf "$good" > "$work/outside/elsewhere.py"
ln -s "$work/outside/elsewhere.py" app/linked.py

check "binary file is NP902" "binary.py.*NP902"
check "syntax error is NP901, the rest goes on" "syntax.py.*NP901"
check "findings still reported next to broken files" "good.py:5.*NP101"
check "BOM file" "bom.py:5.*NP101"
check "CRLF file" "crlf.py:5.*NP101"
check "unterminated {% for %} is NP901" "unclosed.html.*NP901"
check "unterminated {{ is text, as in Django (finished run)" ""
check "finding in an unclosed template" "unclosed.html:1.*NP101"
check "cycles in includes, extends and model inheritance; a missing relation target" ""
# Size and depth, in a project of their own (checked once: the 9 MB file costs seconds).
big=$work/big && mkdir -p "$big/app" && touch "$big/manage.py" "$big/app/__init__.py"
cp app/models.py "$big/app/models.py"
/usr/bin/python3 -c "print('x = ' + '(' * 5000 + '1' + ')' * 5000)" > "$big/app/deep.py"
/usr/bin/python3 -c "print('def f():\n' + ''.join('    ' * i + 'if x:\n' for i in range(1, 1000)) + '    ' * 1000 + 'pass')" > "$big/app/deep_blocks.py"
/usr/bin/python3 -c "
import sys
sys.stdout.write('from .models import Order\n')
for i in range(120000):
    sys.stdout.write(f'def f{i}(a):\n    return [o.customer_id for o in Order.objects.filter(pk=a)]\n')" > "$big/app/huge.py"
check "a 9 MB file, 5000 nested parentheses, 1000 nested blocks" "deep_blocks.py.*NP901" "$big"
check "a file named on the command line that does not exist" "no such file" app/nope.py

# --fix: CRLF kept; nothing written through the symlink that leaves the project.
before=$(md5sum < "$work/outside/elsewhere.py")
timeout "$hang" "$bin" check --fix --no-color . > "$work/fix.log" 2>&1
grep -q "linked.py: fix not applied: it is a symbolic link" "$work/fix.log" ||
  { echo "FAIL symlink: $(cat "$work/fix.log" | tail -3)"; fail=1; }
[ "$(md5sum < "$work/outside/elsewhere.py")" = "$before" ] || { echo "FAIL wrote outside the project"; fail=1; }
grep -q "select_related('customer', 'ghost')\|select_related('customer')" app/crlf.py &&
  [ "$(grep -c $'\r$' app/crlf.py)" = "$(wc -l < app/crlf.py)" ] || { echo "FAIL CRLF not kept"; cat -A app/crlf.py | head; fail=1; }
grep -q "select_related" app/bom.py && [ "$(head -c 3 app/bom.py | od -An -tx1 | tr -d ' ')" = "efbbbf" ] ||
  { echo "FAIL BOM not kept"; fail=1; }
echo "ok   --fix keeps CRLF and BOM, never writes through a symlink leaving the project"

# Never imports the project: importing any of these would create the marker.
q=$work/q && mkdir -p "$q/site" && cd "$q" && touch manage.py site/__init__.py
for f in settings models apps; do
  printf 'open("%s/IMPORTED", "w").write("%s")\nfrom django.db import models\n' "$work" "$f" > "site/$f.py"
done
timeout 60 "$bin" check --no-color . >/dev/null 2>&1
[ ! -e "$work/IMPORTED" ] || { echo "FAIL the project was imported"; fail=1; }
echo "ok   the project's code is never run"

# Determinism: -j1, -j2 and a second run give the same bytes, on every fixture project.
for d in "$fixtures"/projects/*/; do
  a=$(cd "$d" && "$bin" check --no-color -j1 --format json . 2>&1)
  b=$(cd "$d" && "$bin" check --no-color -j2 --format json . 2>&1)
  c=$(cd "$d" && "$bin" check --no-color -j2 --format json . 2>&1)
  [ "$a" = "$b" ] && [ "$b" = "$c" ] || { echo "FAIL nondeterministic output in $d"; fail=1; }
done
echo "ok   output identical at -j1/-j2 and across runs"
exit $fail
