#!/usr/bin/env bash
# Speed and memory of nplus1 on real code: the HEAD trees of the 20 open-source Django
# projects of ../shared/realworld/repos.json (and Django's own source, from Debian's
# python3-django), each measured against its parse floor in the same run.
#
# For each tree (copied to a temporary directory first: the edits and the cache stay there),
# at each thread count (-j1 and -j2 by default), the median of RUNS runs (default 3) of:
#   floor  build/bench/nplus1-parsefloor: tree-sitter alone parsing the same .py files
#          (nplus1's discovery and settings, its thread pool, trees deleted at once)
#   parse  nplus1 check --parse-only (read + parse + lower every file, templates too)
#   cold   nplus1 check --no-cache (a whole cold run)
#   warm   nplus1 check with a warm cache and nothing changed
#   edit   nplus1 check with a warm cache after a comment was appended to one views.py
# and the peak RSS of each (/usr/bin/time %M); prints a table with cold/floor and the cold
# run's RSS in bytes per source line (lines of the .py files and templates nplus1 reads).
#
# Usage:
#   bench/realworld.sh [--bin NPLUS1] [--floor PARSEFLOOR] [--runs N] [--jobs '1 2']
#                      [--repo SUBSTRING]... [--no-django] [--django DIR] HEADS
#   bench/realworld.sh --extract MIRRORS HEADS
#
# HEADS holds one directory per project, <owner>+<name>, with the project's tree at the
# head_commit repos.json names (nothing of it is committed here). To make it: bring each
# repository of repos.json onto the machine as a git directory (`git clone --bare
# https://github.com/<owner>/<name> MIRRORS/<owner>+<name>/repo`, or the search tool's
# fetch, which leaves the same layout), then `bench/realworld.sh --extract MIRRORS HEADS`
# runs `git archive <head_commit> | tar -x` for every repository found in MIRRORS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repos_json=$here/../../shared/realworld/repos.json
[[ -f $repos_json ]] || repos_json=/work/shared/realworld/repos.json
py=/usr/bin/python3

if [[ ${1:-} == --extract ]]; then
  (($# == 3)) || { echo "usage: bench/realworld.sh --extract MIRRORS HEADS" >&2; exit 2; }
  mirrors=$2 heads=$3
  mkdir -p "$heads"
  "$py" -c 'import json, sys
for r in json.load(open(sys.argv[1]))["repos"]:
    print(r["name"].replace("/", "+"), r["head_commit"])' "$repos_json" |
    while read -r dir commit; do
      git=$mirrors/$dir/repo
      [[ -d $git/.git ]] && git=$git/.git
      if [[ ! -d $git ]]; then
        echo "no-tree: $dir (no git directory at $mirrors/$dir/repo)" >&2
        continue
      fi
      rm -rf "${heads:?}/$dir" && mkdir -p "$heads/$dir"
      git --git-dir="$git" archive "$commit" | tar -x -C "$heads/$dir"
      echo "extracted $dir at $commit" >&2
    done
  exit 0
fi

bin=$here/../build/analyzer/driver/nplus1
floor=$here/../build/bench/nplus1-parsefloor
runs=${RUNS:-3}
jobs=(1 2)
filters=()
django=/usr/lib/python3/dist-packages/django
heads=
while (($#)); do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --floor) floor=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --jobs) read -ra jobs <<<"$2"; shift 2 ;;
    --repo) filters+=("$2"); shift 2 ;;
    --no-django) django=; shift ;;
    --django) django=$2; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench/realworld.sh: unknown option $1" >&2; exit 2 ;;
    *) heads=$1; shift ;;
  esac
done
[[ -n $heads && -d $heads ]] || { echo "usage: bench/realworld.sh [options] HEADS (see --help)" >&2; exit 2; }
for b in "$bin" "$floor"; do
  [[ -x $b ]] || { echo "bench/realworld.sh: $b is not built (cmake --build build)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/nplus1-realworld.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Copies, so that a rebuild during the run does not change what is measured.
cp "$bin" "$work/nplus1" && bin=$work/nplus1
cp "$floor" "$work/parsefloor" && floor=$work/parsefloor

# The trees: every <owner>+<name> of repos.json present in HEADS, then Django.
trees=()
while read -r dir; do
  [[ -d $heads/$dir ]] || { echo "no-tree: $dir" >&2; continue; }
  if ((${#filters[@]})); then
    keep=0
    for f in "${filters[@]}"; do [[ $dir == *"$f"* ]] && keep=1; done
    ((keep)) || continue
  fi
  trees+=("$heads/$dir")
done < <("$py" -c 'import json, sys
for r in sorted(json.load(open(sys.argv[1]))["repos"], key=lambda r: r["name"].lower()):
    print(r["name"].replace("/", "+"))' "$repos_json")
[[ -n $django && -d $django ]] && trees+=("$django")

# measure NAME J CMD...: the median wall time (s) of $runs runs into T[NAME,J], their
# median CPU time (user + system, s) into C[NAME,J] and the largest peak RSS (KiB) into
# M[NAME,J]. Exit status 0 or 1 (findings) is fine, anything else aborts with the
# command's stderr.
declare -A T C M
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() {
  local name=$1 j=$2; shift 2
  local i t0 t1 rc walls=() cpus=() rss=0 r cpu
  for ((i = 0; i < runs; i++)); do
    [[ $name == edit ]] && echo "# edited by bench/realworld.sh $RANDOM$RANDOM" >>"$edit_file"
    rc=0
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M %U %S' -o "$work/time.out" "$@" >/dev/null 2>"$work/stderr" || rc=$?
    t1=$EPOCHREALTIME
    if ((rc > 1)); then
      echo "bench/realworld.sh: '$*' exited $rc:" >&2
      cat "$work/stderr" >&2
      exit 1
    fi
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
    read -r r cpu < <(tail -n1 "$work/time.out" | awk '{ printf "%d %.2f\n", $1, $2 + $3 }')
    cpus+=("$cpu")
    ((r > rss)) && rss=$r
  done
  T[$name,$j]=$(printf '%s\n' "${walls[@]}" | median)
  C[$name,$j]=$(printf '%s\n' "${cpus[@]}" | median)
  M[$name,$j]=$rss
}

div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b == 0) print "-"; else printf f, a / b }'; }

echo "machine: $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -n1)), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nplus1:  $("$bin" --version)"
echo "runs:    median of $runs; wall seconds; c/f = cold / floor (wall), cpu c/f = the same in CPU"
echo "         seconds (user + system: what a loaded machine distorts least); RSS = peak of the"
echo "         cold check; B/line = RSS / source lines (.py files and templates nplus1 reads)"
echo
printf '%-32s %2s %6s %7s %7s %7s %7s %6s %7s %7s %7s %7s %6s\n' \
  project j files lines floor parse cold c/f 'cpu c/f' warm edit RSS B/line
worst_ratio=0 worst_ratio_at= worst_cratio=0 worst_cratio_at= worst_bpl=0 worst_bpl_at=
for tree in "${trees[@]}"; do
  name=$(basename "$tree")
  [[ $tree == "$django" ]] && name="django ($("$py" -c 'import django; print(django.get_version())' 2>/dev/null || echo '?'))"
  copy=$work/tree
  rm -rf "$copy" && mkdir -p "$copy"
  # A project root of its own (Django's source has no manage.py or pyproject.toml).
  [[ -e $tree/manage.py || -e $tree/pyproject.toml || -e $tree/setup.py || -e $tree/setup.cfg ]] ||
    touch "$copy/manage.py"
  cp -a "$tree/." "$copy/"
  cd "$copy"
  # Files and lines: the .py files nplus1 reads, and the lines of its templates too.
  read -r files lines < <("$floor" -j 1 . | tr ' ' '\n' | awk -F= '{ v[$1] = $2 }
    END { print v["files"], v["lines"] + v["template_lines"] }')
  edit_file=$(find . -name views.py -not -path '*/migrations/*' -not -path '*/tests/*' | sort | head -n1)
  [[ -n $edit_file ]] || edit_file=$(find . -name '*.py' -not -path '*/migrations/*' | sort | head -n1)
  for j in "${jobs[@]}"; do
    measure floor "$j" "$floor" -j "$j" .
    measure parse "$j" "$bin" check --no-color --parse-only -j "$j" .
    measure cold "$j" "$bin" check --no-color --no-cache -j "$j" .
    rm -rf .nplus1_cache
    "$bin" check --no-color -j "$j" . >/dev/null 2>&1 || true
    measure warm "$j" "$bin" check --no-color -j "$j" .
    measure edit "$j" "$bin" check --no-color -j "$j" .
    ratio=$(div "${T[cold,$j]}" "${T[floor,$j]}")
    cratio=$(div "${C[cold,$j]}" "${C[floor,$j]}")
    bpl=$(div "$((M[cold,$j] * 1024))" "$lines" '%.0f')
    printf '%-32s %2s %6s %7s %6.2fs %6.2fs %6.2fs %5sx %6sx %6.3fs %6.3fs %4dMiB %6s\n' \
      "${name:0:32}" "$j" "$files" "$lines" "${T[floor,$j]}" "${T[parse,$j]}" "${T[cold,$j]}" \
      "$ratio" "$cratio" "${T[warm,$j]}" "${T[edit,$j]}" "$((M[cold,$j] / 1024))" "$bpl"
    awk -v a="$ratio" -v b="$worst_ratio" 'BEGIN { exit !(a > b) }' && worst_ratio=$ratio worst_ratio_at="$name -j$j"
    awk -v a="$cratio" -v b="$worst_cratio" 'BEGIN { exit !(a > b) }' && worst_cratio=$cratio worst_cratio_at="$name -j$j"
    ((bpl > worst_bpl)) && worst_bpl=$bpl worst_bpl_at="$name -j$j"
  done
  cd "$here"
done
echo
echo "worst cold/floor: ${worst_ratio}x wall ($worst_ratio_at), ${worst_cratio}x CPU ($worst_cratio_at)"
echo "worst RSS per source line: $worst_bpl B ($worst_bpl_at)"
echo "edited file: the first views.py of each tree (sorted), a comment appended before each run"
