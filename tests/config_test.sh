#!/usr/bin/env bash
# [tool.nplus1] in pyproject.toml: select/ignore/per-file-ignores change what is reported,
# --show-settings shows where settings came from, and a bad key is an error with its line.
set -euo pipefail
bin=$1
src=$2 # fixtures/projects/suppress: one NP101 and two NP903 by default
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/p"
cd "$work/p"
count() { "$bin" check --no-color --format json "$@" . | /usr/bin/python3 -c \
  'import json,sys; print(" ".join(sorted(f["code"] for f in json.load(sys.stdin)["findings"])))'; }
[ "$(count)" = "NP101 NP903 NP903" ] || { echo "defaults: $(count)"; exit 1; }
printf '[tool.nplus1]\nignore = ["NP903"]\n' > pyproject.toml
[ "$(count)" = "NP101" ] || { echo "ignore: $(count)"; exit 1; }
printf '[tool.nplus1]\nselect = ["NP9"]\n' > pyproject.toml
[ "$(count)" = "NP903 NP903" ] || { echo "select: $(count)"; exit 1; }
printf '[tool.nplus1]\n[tool.nplus1.per-file-ignores]\n"app/*.py" = ["NP1", "NP903"]\n' > pyproject.toml
[ -z "$(count)" ] || { echo "per-file-ignores: $(count)"; exit 1; }
printf '[tool.nplus1]\ndjango-version = "4.2"\n' > pyproject.toml
"$bin" check --show-settings . | grep -q 'django-version = "4.2"  # django-version in' || exit 1
rm pyproject.toml
printf 'Django==4.1.3\ndjangorestframework==3.14.0\n' > requirements.txt
"$bin" check --show-settings . | grep -q 'django-version = "4.1"  # pinned in .*requirements.txt' ||
  { "$bin" check --show-settings .; exit 1; }
rm requirements.txt
printf '[tool.nplus1]\nselect = ["NP1"]\nunknown-key = 1\n' > pyproject.toml
status=0
"$bin" check . >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] || { echo "unknown key: exit $status"; exit 1; }
grep -q "pyproject.toml:3: unknown key 'unknown-key'" "$work/err" || { cat "$work/err"; exit 1; }
printf '[tool.nplus1]\nunsafe-fixes = "yes"\n' > pyproject.toml
status=0
"$bin" check . >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q "must be true or false" "$work/err" || { cat "$work/err"; exit 1; }
rm pyproject.toml
# Test code is not read at all unless --include-tests (or include-tests = true) asks for its
# findings; --verbose counts the files left unread. A settings module among them is read.
mkdir -p app/tests
printf 'from app.models import Order\n\n\ndef test_names():\n    return [o.customer.name for o in Order.objects.all()]\n' > app/tests/test_names.py
printf 'from app.models import Order\n\n\ndef names():\n    return [o.customer.name for o in Order.objects.all()]\n' > conftest.py
# A production helper read per row only by a test's loop is the test's finding.
printf 'def label(o):\n    return o.customer.name\n' > app/labels.py
printf 'from app.labels import label\nfrom app.models import Order\n\n\ndef test_labels():\n    return [label(o) for o in Order.objects.all()]\n' > app/tests/test_labels.py
[ "$(count)" = "NP101 NP903 NP903" ] || { echo "tests hidden: $(count)"; exit 1; }
printf 'TEMPLATES = []\n' > app/tests/settings.py
printf 'def broken(:\n' > app/tests/test_broken.py
"$bin" check --verbose --no-color . >/dev/null 2>"$work/err" || true
grep -q ", 4 test file(s) not read (--include-tests)" "$work/err" || { cat "$work/err"; exit 1; }
rm app/tests/settings.py app/tests/test_broken.py
[ "$(count --include-tests)" = "NP101 NP101 NP101 NP101 NP903 NP903" ] || { echo "--include-tests: $(count --include-tests)"; exit 1; }
printf '[tool.nplus1]\ninclude-tests = true\n' > pyproject.toml
[ "$(count)" = "NP101 NP101 NP101 NP101 NP903 NP903" ] || { echo "include-tests = true: $(count)"; exit 1; }
"$bin" check --show-settings . | grep -q '^include-tests = true' || exit 1
rm -r pyproject.toml app/tests conftest.py app/labels.py
# Management commands likewise: their findings, and those of a production helper read per
# row only by a command's loop, need --include-commands (or include-commands = true).
mkdir -p app/management/commands
printf 'from django.core.management.base import BaseCommand\nfrom app.labels import label\nfrom app.models import Order\n\n\nclass Command(BaseCommand):\n    def handle(self, *args, **options):\n        for o in Order.objects.all():\n            print(o.customer.name, label(o))\n' > app/management/commands/names.py
printf 'def label(o):\n    return o.customer.name\n' > app/labels.py
[ "$(count)" = "NP101 NP903 NP903" ] || { echo "commands hidden: $(count)"; exit 1; }
summary=$("$bin" check --no-color . | tail -1 || true)
[[ "$summary" == *"; 1 finding(s) in management commands hidden (--include-commands shows them)" ]] ||
  { echo "summary: $summary"; exit 1; }
[ "$(count --include-commands)" = "NP101 NP101 NP903 NP903" ] || { echo "--include-commands: $(count --include-commands)"; exit 1; }
printf '[tool.nplus1]\ninclude-commands = true\n' > pyproject.toml
[ "$(count)" = "NP101 NP101 NP903 NP903" ] || { echo "include-commands = true: $(count)"; exit 1; }
"$bin" check --show-settings . | grep -q '^include-commands = true' || exit 1
echo "config: select, ignore, per-file-ignores, include-tests, include-commands, show-settings and errors behave"
