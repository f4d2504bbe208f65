#!/usr/bin/env bash
# Golden tests of the rendered output: `nplus1 check --no-cache --no-color` on a fixture
# project, run from inside it so every path is relative, in the text and JSON formats,
# compared byte for byte (exit status included) with tests/golden/<project>.<format>.
# Each output must also be the same at -j1 and -j2 (determinism under parallelism).
#
#   tests/golden_test.sh NPLUS1_BIN PROJECT_DIR GOLDEN_DIR            # compare
#   tests/golden_test.sh NPLUS1_BIN PROJECT_DIR GOLDEN_DIR --update   # rewrite the goldens
#
# After an intended change of the output, regenerate with --update (see docs/DESIGN.md,
# "Tests"), read `git diff tests/golden/`, and commit the goldens with the change.
set -euo pipefail
bin=$(realpath "$1")
project=$2
golden=$3
update=${4:-}
[ -z "$update" ] || [ "$update" = "--update" ] || { echo "unknown option: $update" >&2; exit 2; }
[ -d "$project" ] || { echo "no project directory $project" >&2; exit 2; }
name=$(basename "$project")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# render FORMAT JOBS: the output of one run, with its exit status as the last line.
render() {
  local rc=0
  (cd "$project" && "$bin" check --no-cache --no-color --format "$1" "-j$2" .) \
    >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" -ge 2 ]; then
    echo "nplus1 check --format $1 -j$2 failed with exit $rc:" >&2; cat "$work/err" >&2; exit 1
  fi
  cat "$work/out"
  echo "exit status: $rc"
}

fail=0
for format in text json; do
  render "$format" 1 >"$work/$format.j1"
  render "$format" 2 >"$work/$format.j2"
  if ! cmp -s "$work/$format.j1" "$work/$format.j2"; then
    echo "FAIL $name $format: -j1 and -j2 differ"
    diff -u "$work/$format.j1" "$work/$format.j2" || true
    fail=1
    continue
  fi
  want=$golden/$name.$format
  if [ "$update" = "--update" ]; then
    cp "$work/$format.j1" "$want"
    echo "wrote $want"
    continue
  fi
  [ -f "$want" ] || { echo "FAIL no golden file $want (run with --update)"; fail=1; continue; }
  if cmp -s "$want" "$work/$format.j1"; then
    echo "ok   $name $format: $(wc -l <"$want") lines, identical at -j1 and -j2"
  else
    echo "FAIL $name $format differs from $want (intended? rerun with --update):"
    diff -u "$want" "$work/$format.j1" || true
    fail=1
  fi
done
exit $fail
