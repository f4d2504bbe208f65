#!/usr/bin/env bash
# The command line's ruff habits, on a copy of the suppress fixture (one NP101 and two NP903
# by default): --select/--ignore/--extend-select/--extend-ignore/--per-file-ignores filter the
# findings and replace or extend the configuration's; --exit-zero; --config and --isolated;
# --stdin-filename; invalid settings exit 2 naming the file and line or the option;
# --show-settings; --output-format, -q, -v, --show-fixes; Django pins with extras.
set -euo pipefail
bin=$1
src=$2 # fixtures/projects/suppress
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/p"
rm -rf "$work/p/.nplus1_cache" # another test may have left one in the fixture
cd "$work/p"
fail() { echo "cli: $*" >&2; exit 1; }
# The sorted codes of a run's findings (JSON on stdout).
codes() { local st=0; "$bin" check --no-cache --no-color --format json "$@" >"$work/codes.json" || st=$?
  [ "$st" -le 1 ] || { echo "exit $st" >&2; return 1; }
  /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(f["code"] for f in json.load(open(sys.argv[1]))["findings"])))' "$work/codes.json"; }
# Runs nplus1 check; sets $status, stdout in $work/out, stderr in $work/err.
run() { status=0; "$bin" check --no-cache --no-color "$@" >"$work/out" 2>"$work/err" || status=$?; }
expect_codes() { local want=$1; shift; local got; got=$(codes "$@") || fail "$*: failed";
  [ "$got" = "$want" ] || fail "$*: got '$got', want '$want'"; }

# Selection on the command line: codes, prefixes, commas, repetition.
expect_codes "NP101 NP903 NP903"
expect_codes "NP903 NP903" --select NP9
expect_codes "NP101" --ignore NP903
expect_codes "NP101 NP903 NP903" --select NP101,NP903
expect_codes "NP101 NP903 NP903" --select NP101 --select NP903
expect_codes "NP101 NP903 NP903" --select NP1 --extend-select NP903
expect_codes "NP101" --extend-ignore NP9
expect_codes "NP101" --select NP101 --ignore NP1 --ignore NP903 # the more specific prefix wins
expect_codes "" --select NP1 --ignore NP101
expect_codes "NP101" --per-file-ignores 'app/views.py:NP903'
expect_codes "NP101 NP903 NP903" --per-file-ignores 'other/*.py:NP903'
expect_codes "" --per-file-ignores 'views.py:NP1,NP9'

# The command line over the configuration, as ruff: --select starts afresh (the file's
# ignore no longer counts); --extend-select/--ignore/--extend-ignore win over the file's
# selection, whatever its specificity; --per-file-ignores replaces the file's.
printf '[tool.nplus1]\nignore = ["NP903"]\n' > pyproject.toml
expect_codes "NP101"
expect_codes "NP903 NP903" --select NP9
expect_codes "" --ignore NP101
expect_codes "" --extend-ignore NP101
expect_codes "NP101 NP903 NP903" --extend-select NP9
printf '[tool.nplus1]\nselect = ["NP101", "NP903"]\n' > pyproject.toml
expect_codes "NP903 NP903" --ignore NP1
printf '[tool.nplus1]\n[tool.nplus1.per-file-ignores]\n"app/*.py" = ["NP903"]\n' > pyproject.toml
expect_codes "NP101"
expect_codes "NP903 NP903" --per-file-ignores 'app/*.py:NP101'
# extend-select and extend-ignore in the file, in either order.
printf '[tool.nplus1]\nextend-select = ["NP903"]\nselect = ["NP301"]\nextend-ignore = ["NP1"]\n' > pyproject.toml
expect_codes "NP903 NP903"

# --isolated ignores the configuration (even a broken one); --config reads another file.
printf '[tool.nplus1]\nselect = ["NP101"]\n' > pyproject.toml
expect_codes "NP101"
expect_codes "NP101 NP903 NP903" --isolated
mkdir -p "$work/conf"
printf 'select = ["NP9"]\n' > "$work/conf/nplus1.toml"
expect_codes "NP903 NP903" --config "$work/conf/nplus1.toml"
printf '[tool.nplus1]\nignore = ["NP101"]\n' > "$work/conf/pyproject.toml"
expect_codes "NP903 NP903" --config "$work/conf/pyproject.toml"
printf '[tool.other]\nx = 1\n' > "$work/conf/pyproject.toml"
run --config "$work/conf/pyproject.toml" .
[ "$status" -eq 2 ] && grep -q 'no \[tool.nplus1\] table' "$work/err" || fail "--config without table: $status $(cat "$work/err")"
run --config "$work/conf/missing.toml" .
[ "$status" -eq 2 ] && grep -q -- '--config .*missing.toml: no such file' "$work/err" || fail "--config missing: $status"
run --config "$work/conf/nplus1.toml" --isolated .
[ "$status" -eq 2 ] || fail "--config with --isolated: $status"

# Invalid settings: exit 2 with the file and line, or the option; --exit-zero does not hide it.
printf '[tool.nplus1]\n# comment\nextend-exclude = ["x"]\nselect = ["np101"]\n' > pyproject.toml
run --exit-zero .
[ "$status" -eq 2 ] || fail "select = [\"np101\"]: exit $status"
grep -q 'pyproject.toml:4: unknown rule code "np101" in select' "$work/err" || fail "np101: $(cat "$work/err")"
expect_codes "NP101 NP903 NP903" --isolated
printf '[tool.nplus1]\nignore = ["NP1", "NP77"]\n' > pyproject.toml
run .
[ "$status" -eq 2 ] && grep -q 'pyproject.toml:2: unknown rule code "NP77" in ignore' "$work/err" || fail "NP77: $(cat "$work/err")"
printf '[tool.nplus1]\nselect = ["NP1"]\nextend-ignore = "NP1"\nextend-select = [1]\n' > pyproject.toml
run .
[ "$status" -eq 2 ] && grep -q "pyproject.toml:4: 'extend-select' must be a list of strings" "$work/err" || fail "type: $(cat "$work/err")"
printf '[tool.nplus1]\nselect = ["NP1"]\nignor = ["NP1"]\n' > pyproject.toml
run .
[ "$status" -eq 2 ] && grep -q "pyproject.toml:3: unknown key 'ignor'" "$work/err" || fail "key: $(cat "$work/err")"
rm pyproject.toml
for bad in "--select=np101" "--ignore=NP1,XX" "--extend-select=NP0" "--extend-ignore=np9"; do
  run "$bad" .
  opt=${bad%%=*}
  [ "$status" -eq 2 ] && grep -q "unknown rule code .* in $opt" "$work/err" || fail "$bad: $status $(cat "$work/err")"
done
run --per-file-ignores 'app/*.py' .
[ "$status" -eq 2 ] && grep -q -- '--per-file-ignores wants GLOB:CODES' "$work/err" || fail "per-file no codes: $status"
run --per-file-ignores 'app/*.py:np1' .
[ "$status" -eq 2 ] && grep -q 'unknown rule code "np1" in --per-file-ignores' "$work/err" || fail "per-file np1: $status"

# Exit codes: 1 with findings, 0 with --exit-zero (the findings still printed), 0 without.
run .
[ "$status" -eq 1 ] || fail "findings: exit $status"
run --exit-zero .
[ "$status" -eq 0 ] && grep -qE '^[^ ]+:[0-9]+:[0-9]+: NP101 ' "$work/out" || fail "--exit-zero: exit $status"
run --select NP101 --ignore NP101 .
[ "$status" -eq 0 ] && grep -q 'no N+1 queries found' "$work/out" || fail "nothing selected: exit $status"
run --diff .
[ "$status" -eq 1 ] || fail "--diff: exit $status"
run --diff --exit-zero .
[ "$status" -eq 0 ] && grep -q '^+++ b/app/views.py' "$work/out" || fail "--diff --exit-zero: exit $status"

# --show-settings: the command line's values and where each value came from.
printf '[tool.nplus1]\nignore = ["NP903"]\n' > pyproject.toml
run --show-settings --select NP1 --extend-select NP903 --per-file-ignores 'x/*.py:NP102' .
[ "$status" -eq 0 ] || fail "--show-settings: exit $status"
grep -q '^select = \["NP1"\]  # --select$' "$work/out" || fail "show select: $(cat "$work/out")"
grep -q '^extend-select = \["NP903"\]  # --extend-select$' "$work/out" || fail "show extend-select"
grep -q '^ignore = \[\]  # default$' "$work/out" || fail "show ignore after --select"
grep -q '^per-file-ignores."x/\*.py" = \["NP102"\]  # --per-file-ignores$' "$work/out" || fail "show per-file"
# (Whole codes only, so that a new rule does not break the test.)
reported() { grep '^# rules reported: ' "$work/out" | tr -s ' ,' '\n\n' | grep -qx "$1"; }
reported NP101 && reported NP107 && reported NP903 && ! reported NP301 && ! reported NP901 ||
  fail "show rules: $(grep rules "$work/out")"
run --show-settings --extend-select NP9 --ignore NP102 .
grep -q '^ignore = \["NP903"\]  # .*pyproject.toml:2$' "$work/out" || fail "show ignore"
grep -q '^# then the command line, which wins over the lines above: --extend-select NP9 --ignore NP102$' "$work/out" ||
  fail "show later: $(cat "$work/out")"
reported NP101 && reported NP103 && reported NP301 && reported NP903 && ! reported NP102 ||
  fail "show later rules: $(grep rules "$work/out")"
run --show-settings --isolated .
grep -q '^ignore = \[\]  # default$' "$work/out" && grep -q 'isolated' "$work/out" || fail "show isolated"
rm pyproject.toml

# --stdin-filename: the buffer replaces the file for the run; nothing is written.
cp app/reports.py "$work/reports.orig"
grep -q 'file-ignore\[NP102\]' app/reports.py || fail "fixture changed: reports.py"
sed 's/# nplus1: file-ignore\[NP102\]//' app/reports.py > "$work/buffer.py"
expect_codes "" app/reports.py
got=$("$bin" check --no-color --format json --stdin-filename app/reports.py < "$work/buffer.py" |
  /usr/bin/python3 -c 'import json,sys; print(" ".join(f["code"] + "@" + f["location"]["path"] for f in json.load(sys.stdin)["findings"]))') || true
[ "$got" = "NP102@app/reports.py" ] || fail "--stdin-filename: '$got'"
status=0
"$bin" check --no-color --stdin-filename app/reports.py < "$work/buffer.py" > "$work/out" || status=$?
[ "$status" -eq 1 ] && grep -q '^app/reports.py:6:20: NP102 ' "$work/out" || fail "--stdin-filename text: $status"
status=0
"$bin" check --stdin-filename app/reports.py < app/reports.py > "$work/out" || status=$?
[ "$status" -eq 0 ] || fail "--stdin-filename with the file's own text: exit $status"
status=0
"$bin" check --diff --stdin-filename app/reports.py < "$work/buffer.py" > "$work/out" || status=$?
[ "$status" -eq 1 ] && grep -q "^+.*Customer.objects.prefetch_related('orders')" "$work/out" || fail "--stdin-filename --diff: $status"
status=0
"$bin" check --fix --stdin-filename app/reports.py < "$work/buffer.py" > "$work/out" 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q 'cannot be combined with --fix' "$work/err" || fail "--stdin-filename --fix: $status"
cmp -s app/reports.py "$work/reports.orig" || fail "--stdin-filename changed the file on disk"
[ ! -e .nplus1_cache ] || fail "--stdin-filename wrote a cache"
# A template's buffer too: without its `{# noqa #}`, the view's queryset shows in it.
grep -q '{# noqa: NP101 #}' app/templates/app/list.html || fail "fixture changed: list.html"
status=0
sed 's/{# noqa: NP101 #}//' app/templates/app/list.html |
  "$bin" check --no-color --stdin-filename app/templates/app/list.html > "$work/out" || status=$?
[ "$status" -eq 1 ] && grep -q '^app/templates/app/list.html:2:12: NP101 ' "$work/out" ||
  fail "--stdin-filename template: $status $(cat "$work/out")"
status=0
"$bin" check --stdin-filename app/absent.py < "$work/buffer.py" >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q 'app/absent.py: no such file' "$work/err" || fail "--stdin-filename absent: $status"

# --output-format is --format; -q is --quiet; -v adds lines on stderr only.
"$bin" check --no-cache --format json . > "$work/a.json" || true
"$bin" check --no-cache --output-format json . > "$work/b.json" || true
grep -q '"findings"' "$work/b.json" && cmp -s "$work/a.json" "$work/b.json" || fail "--output-format json differs"
run -q .
grep -qE '^[^ ]+:[0-9]+:[0-9]+: NP101 ' "$work/out" && ! grep -q '^nplus1: 3 finding' "$work/out" || fail "-q: $(tail -1 "$work/out")"
run .
grep -q '^nplus1: 3 finding(s)' "$work/out" || fail "summary line: $(tail -1 "$work/out")"
cp "$work/out" "$work/plain"
run -v .
cmp -s "$work/out" "$work/plain" || fail "-v changed stdout"
grep -q '^nplus1: settings from defaults' "$work/err" && grep -q '^nplus1: done in [0-9]* ms$' "$work/err" &&
  grep -q 'Python file(s)' "$work/err" || fail "-v: $(cat "$work/err")"
run --verbose .
grep -q '^nplus1: done in' "$work/err" || fail "--verbose"
run .
[ ! -s "$work/err" ] || fail "stderr without -v: $(cat "$work/err")"

# --show-fixes: the fixes available, or applied with --fix.
run --show-fixes .
grep -q '^Fixes available (1; ' "$work/out" &&
  grep -q "^  app/views.py:28:15 NP101 Add .select_related('customer') to the queryset (safe)$" "$work/out" ||
  fail "--show-fixes: $(cat "$work/out")"
run .
! grep -q 'Fixes available' "$work/out" || fail "fix list without --show-fixes"
cp -r "$work/p" "$work/fixme"
(cd "$work/fixme" && "$bin" check --no-cache --no-color --fix --show-fixes . >"$work/out" 2>"$work/err") || true
grep -q '^Fixed 1 finding(s):$' "$work/err" &&
  grep -q "^  app/views.py:28:15 NP101 Add .select_related('customer') to the queryset (safe)$" "$work/err" ||
  fail "--fix --show-fixes: $(cat "$work/err")"

# Django pins with extras and ranges, in requirements*.txt and pyproject dependencies.
printf 'pytest-django==4.5.2\nDjango[argon2]==4.1.3\n' > requirements-dev.txt
run --show-settings .
grep -q '^django-version = "4.1"  # pinned in .*requirements-dev.txt$' "$work/out" || fail "pin: $(grep django "$work/out")"
rm requirements-dev.txt
printf '[project]\nname = "p"\ndependencies = [\n  "django[bcrypt]>=4.2,<5",\n]\n' > pyproject.toml
run --show-settings .
grep -q '^django-version = "4.2"  # lowest version allowed by .*pyproject.toml$' "$work/out" || fail "range: $(grep django "$work/out")"
rm pyproject.toml
echo "cli: selection, per-file-ignores, exit codes, --config/--isolated, --stdin-filename, validation, --show-settings, aliases, --show-fixes and pins behave"
