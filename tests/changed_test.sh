#!/usr/bin/env bash
# Changed-files mode (files named one by one: pre-commit, --changed-since): naming a file
# reports every finding of a whole run that lies in it or points into it (its queryset, a
# note, a fix edit), byte for byte the whole run's, with and without the cache.
# - a view named alone reports the template / serializer findings its querysets feed;
# - a template named alone reports itself; a models module, the admin columns reading it;
# - for every file of the project, the named run is exactly the whole run's findings
#   touching that file (or a module importing it), in text and JSON, cached or not;
# - a view losing its select_related, named with a warm cache: one module analyzed, and
#   the template's finding reported; a `# noqa` at its queryset silences it either way.
# Usage: changed_test.sh NPLUS1 SHOP_FIXTURE
set -euo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/shop"
rm -rf "$work/shop/.nplus1_cache"
cd "$work/shop"
fail=0

run() { "$bin" check --no-color "$@" 2>/dev/null || true; }

# has NAME PATTERN ARGS...: a run's output holds a line matching PATTERN.
has() {
  local name=$1 pattern=$2
  shift 2
  if run "$@" | grep -qE "$pattern"; then
    echo "ok $name"
  else
    echo "FAIL $name: no '$pattern' in the output of check $*"
    fail=1
  fi
}

for cache in --no-cache ""; do
  [[ -z $cache ]] && run . >/dev/null # warm the cache
  has "view -> its template ${cache:-cached}" \
    '^orders/templates/orders/tpl_customer_fk.html:[0-9]+:[0-9]+: NP101 ' \
    $cache orders/views.py
  has "viewset -> its serializer ${cache:-cached}" \
    '^orders/serializers.py:[0-9]+:[0-9]+: NP101 ' $cache orders/api.py
  has "models -> the admin column reading them ${cache:-cached}" \
    '^library/admin.py:[0-9]+:[0-9]+: NP[0-9]{3} ' $cache library/models.py
  has "template -> itself ${cache:-cached}" \
    '^orders/templates/orders/tpl_customer_fk.html:[0-9]+:[0-9]+: NP101 ' \
    $cache orders/templates/orders/tpl_customer_fk.html
done

# Every file of the project named alone, against the whole run.
"$bin" check --no-cache --no-color . >"$work/whole.txt" 2>/dev/null || true
"$bin" check --no-cache --format json . >"$work/whole.json" 2>/dev/null || true
find . \( -name '*.py' -o -name '*.html' \) -not -path './.nplus1_cache/*' | sed 's|^\./||' |
  sort >"$work/files"
if ! /usr/bin/python3 - "$bin" "$work" <<'PY'; then
import concurrent.futures, json, re, subprocess, sys
bin, work = sys.argv[1], sys.argv[2]
files = open(f"{work}/files").read().split()

def blocks(text):
    """The findings of a text report, each as its lines (the summary line dropped)."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith("nplus1:"):
            continue
        if re.match(r"^\S.*:\d+:\d+: NP\d{3} ", line) or not out:
            out.append("")
        out[-1] += line
    return out

def check(args):
    return subprocess.run([bin, "check", "--no-color", *args], capture_output=True,
                          text=True).stdout

whole_text = set(blocks(open(f"{work}/whole.txt").read()))
whole = json.load(open(f"{work}/whole.json"))["findings"]
whole_json = {json.dumps(f, sort_keys=True) for f in whole}

def paths(f):
    out = {f["location"]["path"]} | {n["path"] for n in f["notes"]}
    return out | {e["path"] for e in (f["fix"] or {}).get("edits", [])}

def named(job):
    """The problems of one file named alone; the number of findings located elsewhere."""
    name, cache = job
    problems = []
    got = json.loads(check([*cache, "--format", "json", name]))["findings"]
    got_json = [json.dumps(f, sort_keys=True) for f in got]
    # Only the whole run's findings, each once ...
    if not set(got_json) <= whole_json or len(set(got_json)) != len(got_json):
        problems.append(f"FAIL {name} {cache}: a finding not in the whole run (or twice)")
    # ... and every one of them that touches the file.
    missing = [f for f in whole
               if name in paths(f) and json.dumps(f, sort_keys=True) not in got_json]
    if missing:
        problems.append(f"FAIL {name} {cache}: {len(missing)} finding(s) touching it not "
                        f"reported, e.g. {missing[0]['location']}")
    for b in blocks(check([*cache, name])):
        if b not in whole_text:
            problems.append(f"FAIL {name} {cache}: text differs from the whole run's:\n{b}")
    return problems, sum(1 for f in got if f["location"]["path"] != name)

jobs = [(name, cache) for cache in (["--no-cache"], []) for name in files]
bad = 0
seen_elsewhere = 0
with concurrent.futures.ThreadPoolExecutor(2) as pool:
    for problems, elsewhere in pool.map(named, jobs):
        for p in problems:
            print(p)
        bad += len(problems)
        seen_elsewhere += elsewhere
if seen_elsewhere == 0:
    print("FAIL no named file reported a finding located in another file")
    bad += 1
print(f"{'FAIL' if bad else 'ok'} {len(files)} files named one by one, with and without the "
      f"cache ({seen_elsewhere} findings located outside the named file)")
sys.exit(1 if bad else 0)
PY
  fail=1
fi

# A view loses its select_related: named alone with a warm cache, only it is analyzed, and
# the finding it causes in its template is reported, as without the cache.
run . >/dev/null
sed -i "/^def customer_select_related(/,/^def /s/Order.objects.select_related('customer')/Order.objects.all()/" \
  orders/views.py
grep -q "^    orders = Order.objects.all()" orders/views.py || { echo "FAIL: sed"; exit 1; }
stats=$({ "$bin" check --cache-stats orders/views.py 2>&1 >/dev/null || true; } | grep '^nplus1: cache:')
[[ $stats == *"analyzed 1,"* ]] || { echo "FAIL warm run after one view: $stats"; fail=1; }
tpl='^orders/templates/orders/tpl_ok_select_related.html:3:36: NP101 '
has "select_related dropped, cached" "$tpl" orders/views.py
has "select_related dropped, no cache" "$tpl" --no-cache orders/views.py
cmp -s <(run orders/views.py) <(run --no-cache orders/views.py) ||
  { echo "FAIL cached and uncached runs differ"; fail=1; }
run --no-cache . | grep -qE "$tpl" ||
  { echo "FAIL the whole run does not have the finding"; fail=1; }

# A `# noqa` on the view's queryset line silences the template's finding whichever of the
# two is named, and is not reported as unused when the view is named.
sed -i "/^def customer_select_related(/,/^def /s/Order.objects.all()$/Order.objects.all()  # noqa: NP101/" \
  orders/views.py
grep -q "Order.objects.all()  # noqa: NP101$" orders/views.py || { echo "FAIL: sed noqa"; exit 1; }
for named in orders/views.py orders/templates/orders/tpl_ok_select_related.html; do
  for cache in --no-cache ""; do
    out=$(run $cache "$named")
    if grep -qE "$tpl|NP903" <<<"$out"; then
      echo "FAIL noqa on the queryset line, $named named ${cache:-cached}:"
      echo "$out" | grep -E "$tpl|NP903"
      fail=1
    else
      echo "ok noqa on the queryset line, $named named ${cache:-cached}"
    fi
  done
done

exit $fail
