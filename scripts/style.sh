#!/usr/bin/env bash
# Style checks, as CI runs them (.ci/run):
#   clang-format (.clang-format, check mode) over analyzer/, rules/ and tests/unit/, and no
#   file of analyzer/ or rules/ over 1,200 lines;
#   clang-tidy (only the checks of .clang-tidy) over the sources of analyzer/ and rules/,
#   in parallel, with the compile commands of a build directory (configured when it has
#   none; CMakeLists.txt exports them).
#
#   scripts/style.sh                 check everything; exit 1 on any finding
#   scripts/style.sh --fix           apply clang-format in place (and nothing else)
#   scripts/style.sh PATH...         only the files under these paths (files or directories)
#   --format-only / --tidy-only      one of the two tools
#   --build DIR                      the build directory (default: build)
#   -j N                             clang-tidy processes (default: nproc)
#
# The tools are Debian's clang-format-19 and clang-tidy-19 (scripts/bootstrap.sh installs
# them): formatting changes between clang-format versions, so the version is pinned.
# $CLANG_FORMAT / $CLANG_TIDY name others.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

fix=0 format=1 tidy=1 build=build jobs=$(nproc 2>/dev/null || echo 2)
paths=()
while [ $# -gt 0 ]; do
  case $1 in
    --fix) fix=1 tidy=0 ;;
    --format-only) tidy=0 ;;
    --tidy-only) format=0 ;;
    --build) build=$2; shift ;;
    -j) jobs=$2; shift ;;
    -j*) jobs=${1#-j} ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "style.sh: unknown option $1" >&2; exit 2 ;;
    *) paths+=("${1%/}") ;;
  esac
  shift
done
clang_format=${CLANG_FORMAT:-clang-format-19}
clang_tidy=${CLANG_TIDY:-clang-tidy-19}

# under DIR...: does the file lie under one of the paths given (or were none given)?
wanted() {
  [ ${#paths[@]} -eq 0 ] && return 0
  local p
  for p in "${paths[@]}"; do
    case $1 in "$p" | "$p"/*) return 0 ;; esac
  done
  return 1
}

# The files of each tool, as git knows them (a fresh clone has nothing else): C++ sources
# and headers; Rules.def is an X-macro list, not a file clang-format can lay out.
list() {
  local f
  while IFS= read -r f; do
    wanted "$f" && echo "$f"
  done < <(git ls-files -- "$@")
}
mapfile -t format_files < <(list 'analyzer/*.cpp' 'analyzer/*.h' 'rules/*.cpp' 'rules/*.h' \
                                 'tests/unit/*.cpp' 'tests/unit/*.h')
mapfile -t tidy_files < <(list 'analyzer/*.cpp' 'rules/*.cpp')

status=0
if [ "$format" = 1 ] && [ ${#format_files[@]} -gt 0 ]; then
  command -v "$clang_format" >/dev/null ||
    { echo "style.sh: $clang_format is missing (scripts/bootstrap.sh installs it)" >&2; exit 2; }
  if [ "$fix" = 1 ]; then
    "$clang_format" -i --style=file "${format_files[@]}"
    echo "clang-format: ${#format_files[@]} files formatted in place"
  elif "$clang_format" --dry-run -Werror --style=file "${format_files[@]}"; then
    echo "clang-format: ${#format_files[@]} files ok"
  else
    echo "clang-format: the files above are not formatted (scripts/style.sh --fix formats them)"
    status=1
  fi
fi

# No source file of analyzer/ or rules/ over 1,200 lines (the architecture issue's rule,
# beside clang-tidy's readability-function-size for functions): split it along its seams.
if [ "$format" = 1 ] && [ "$fix" = 0 ]; then
  long=0
  for f in "${format_files[@]}"; do
    case $f in analyzer/* | rules/*) ;; *) continue ;; esac
    n=$(wc -l <"$f")
    if [ "$n" -gt 1200 ]; then
      echo "$f: $n lines (at most 1200: split it along its seams)"
      long=1
    fi
  done
  [ "$long" = 0 ] || status=1
fi

if [ "$tidy" = 1 ] && [ ${#tidy_files[@]} -gt 0 ]; then
  command -v "$clang_tidy" >/dev/null ||
    { echo "style.sh: $clang_tidy is missing (scripts/bootstrap.sh installs it)" >&2; exit 2; }
  if [ ! -f "$build/compile_commands.json" ]; then
    echo "style.sh: configuring $build for its compile_commands.json"
    cmake -S . -B "$build" -G Ninja >/dev/null
  fi
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  # One clang-tidy per file, $jobs at a time, each writing its own log (no interleaving).
  # The build's warnings are the compiler's business (-Werror there): -Wno-error keeps
  # clang's own warnings (and GCC-only flags it does not know) out of the verdict, and only
  # the checks .clang-tidy enables, as errors (WarningsAsErrors), fail the run.
  printf '%s\0' "${tidy_files[@]}" |
    xargs -0 -P "$jobs" -I{} sh -c '
      log="$2/$(printf %s "$3" | tr / _).log"
      "$0" -p "$1" --quiet --extra-arg=-Wno-error --extra-arg=-Wno-unknown-warning-option \
        "$3" >"$log" 2>&1 || echo "$3" >>"$2/failed"' "$clang_tidy" "$build" "$out" {}
  if [ -f "$out/failed" ]; then
    sort "$out/failed" | while IFS= read -r f; do
      grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter|^Error while processing' \
        "$out/$(printf %s "$f" | tr / _).log" || true
    done
    echo "clang-tidy: findings in $(wc -l <"$out/failed") of ${#tidy_files[@]} files"
    status=1
  else
    echo "clang-tidy: ${#tidy_files[@]} files ok"
  fi
fi
exit $status
