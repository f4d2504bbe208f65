#!/usr/bin/env bash
# Robustness run over real Django code installed from Debian packages.
#
#   bash scripts/corpus.sh NPLUS1 [ASAN_NPLUS1]
#
# Runs `NPLUS1 check --no-color --format json DIR` on each package directory under
# $SITE (default /usr/lib/python3/dist-packages) that exists: django, rest_framework and the
# Django apps listed in $PACKAGES (install them first, e.g.
#   apt-get install -y python3-django-allauth python3-django-filters python3-django-guardian ...).
# Each package directory is passed on its own: dist-packages has no setup.py/pyproject/.git,
# so the analyzer takes the named directory as the project root.
#
# Records the exit code (0 and 1 are fine; 2, a signal, a timeout or output that is not
# JSON is a failure), the wall time and the number of findings per rule, and prints a table.
# With an ASan/UBSan binary (second argument, or build-asan/analyzer/driver/nplus1 when it
# exists; it is copied first so a rebuild cannot swap it mid-run) it also runs that on
# $ASAN_PACKAGES (default: django rest_framework; ASAN_PACKAGES=all for every package) and
# fails on any sanitizer report.  With DETERMINISM=1 it also runs each package with -j 1 and
# fails if the output differs.
#
# Outputs (JSON, stderr) are kept in $OUT (default: a fresh temporary directory).
# Exit status: 0 when no run failed, 1 otherwise, 2 on a usage error.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
if [[ $# -lt 1 || ! -x $1 ]]; then
  echo "usage: $0 NPLUS1_BINARY [ASAN_NPLUS1_BINARY]" >&2
  exit 2
fi
bin=$(readlink -f "$1")
SITE=${SITE:-/usr/lib/python3/dist-packages}
PACKAGES=${PACKAGES:-"django rest_framework allauth django_filters guardian reversion polymorphic
  oauth2_provider graphene_django treebeard taggit mptt model_utils django_extensions
  debug_toolbar django_celery_results simple_history import_export organizations
  django_comments tastypie hyperkitty postorius django_mailman3 django_q"}
ASAN_PACKAGES=${ASAN_PACKAGES:-"django rest_framework"}
TIMEOUT=${TIMEOUT:-600}
OUT=${OUT:-$(mktemp -d /tmp/nplus1-corpus.XXXXXX)}
mkdir -p "$OUT"

asan=""
if [[ $# -ge 2 ]]; then
  asan=$(readlink -f "$2")
elif [[ -x $here/build-asan/analyzer/driver/nplus1 ]]; then
  asan=$OUT/nplus1-asan
  cp "$here/build-asan/analyzer/driver/nplus1" "$asan"
fi

dirs=()
for p in $PACKAGES; do
  [[ -d $SITE/$p ]] && dirs+=("$p")
done
if [[ ${#dirs[@]} -eq 0 ]]; then
  echo "no package directory found under $SITE" >&2
  exit 2
fi

# Python files the analyzer reads by default (migrations and caches are skipped).
count_files() {
  find "$1" \( -name migrations -o -name __pycache__ \) -prune -o -name '*.py' -print | wc -l
}

# summarize JSON -> "total NP101=n NP102=n ..." or "BADJSON"
summarize() {
  python3 - "$1" <<'EOF'
import collections, json, sys
try:
    d = json.load(open(sys.argv[1]))
    c = collections.Counter(f["code"] for f in d["findings"])
    assert d["summary"]["findings"] == len(d["findings"])
except Exception as e:
    print("BADJSON")
    sys.exit(0)
print(len(d["findings"]), " ".join(f"{k}={v}" for k, v in sorted(c.items())) or "-")
EOF
}

failed=0
rows=()
fails=()

# run LABEL BINARY PKG [extra args...]
run() {
  local label=$1 b=$2 p=$3
  shift 3
  local tag=$label.$p
  local t0 t1 rc
  t0=$(date +%s.%N)
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    timeout "$TIMEOUT" "$b" check --no-color --format json "$@" "$SITE/$p" \
      >"$OUT/$tag.json" 2>"$OUT/$tag.stderr" </dev/null
  rc=$?
  t1=$(date +%s.%N)
  local secs
  secs=$(python3 -c "print(f'{$t1-$t0:.2f}')")
  local why=""
  if [[ $rc -eq 124 ]]; then why="timeout after ${TIMEOUT}s"
  elif [[ $rc -ge 128 ]]; then why="signal $((rc - 128))"
  elif [[ $rc -ne 0 && $rc -ne 1 ]]; then why="exit $rc"
  fi
  local sum
  sum=$(summarize "$OUT/$tag.json")
  if [[ -z $why && $sum == BADJSON ]]; then why="output is not valid JSON"; fi
  if [[ -z $why ]] && grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|Assertion .* failed|terminate called' "$OUT/$tag.stderr"; then
    why="sanitizer/assertion report in stderr"
  fi
  local total=${sum%% *} rules=${sum#* }
  [[ $sum == BADJSON ]] && { total="?"; rules="?"; }
  rows+=("$(printf '%-8s %-22s %6s %8s %6s %4s  %s' "$label" "$p" "$(count_files "$SITE/$p")" "$secs" "$total" "$rc" "$rules")")
  if [[ -n $why ]]; then
    failed=1
    fails+=("$label $p: $why (stderr: $OUT/$tag.stderr)")
  fi
  # Expected: 0 with no findings, 1 with findings.
  if [[ -z $why && $total != "?" ]]; then
    if { [[ $total -eq 0 && $rc -ne 0 ]] || [[ $total -gt 0 && $rc -ne 1 ]]; }; then
      failed=1
      fails+=("$label $p: exit $rc does not match $total findings")
    fi
  fi
  echo "$label $p rc=$rc ${secs}s $sum" >&2
}

for p in "${dirs[@]}"; do
  run release "$bin" "$p"
  if [[ ${DETERMINISM:-0} == 1 ]]; then
    run j1 "$bin" "$p" -j 1
    if ! cmp -s "$OUT/release.$p.json" "$OUT/j1.$p.json"; then
      failed=1
      fails+=("j1 $p: output differs from the default -j")
    fi
  fi
done

if [[ -n $asan ]]; then
  [[ $ASAN_PACKAGES == all ]] && ASAN_PACKAGES="${dirs[*]}"
  for p in $ASAN_PACKAGES; do
    [[ -d $SITE/$p ]] || continue
    run asan "$asan" "$p"
    if ! cmp -s "$OUT/release.$p.json" "$OUT/asan.$p.json" 2>/dev/null; then
      failed=1
      fails+=("asan $p: output differs from the release build")
    fi
  done
else
  echo "(no ASan binary: build-asan/analyzer/driver/nplus1 does not exist)" >&2
fi

echo
printf '%-8s %-22s %6s %8s %6s %4s  %s\n' build package files secs finds exit "per rule"
printf '%s\n' "${rows[@]}"
echo
echo "outputs in $OUT"
if [[ $failed -ne 0 ]]; then
  echo "FAILURES:"
  printf '  %s\n' "${fails[@]}"
  exit 1
fi
echo "no crash, no failure"
exit 0
