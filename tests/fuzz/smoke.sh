#!/usr/bin/env bash
# Runs each fuzz target for SECONDS on the seed corpora (tests/fuzz/seeds.sh) and fails on any
# crash, sanitizer report, leak, timeout or out-of-memory. Inputs that fail are kept under
# DIR/smoke/artifacts/<target>/: copy them to tests/fuzz/regressions/<target>/.
#   tests/fuzz/smoke.sh DIR SECONDS [TARGET...]
# DIR holds the fuzz binaries (the build directory or its tests/fuzz/).
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR SECONDS [TARGET...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
seconds=$2
shift 2
[ -x "$dir/fuzz_template" ] || dir=$dir/tests/fuzz
[ -x "$dir/fuzz_template" ] || { echo "smoke.sh: no fuzz binaries in $1" >&2; exit 2; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_template fuzz_python_flow fuzz_config fuzz_fix)

"$here/seeds.sh" "$dir/seeds" >/dev/null || { echo "smoke.sh: seeds.sh failed" >&2; exit 2; }
work=$dir/smoke
rm -rf "$work"
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  dict=()
  [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
  # New units go to the scratch corpus (first directory); the seeds stay as they are.
  "$dir/$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$t/" "${dict[@]}" \
    "$work/corpus/$t" "$dir/seeds/$t" > "$work/$t.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "FAIL $t (exit $rc, ${execs:-?} runs); log: $work/$t.log; inputs: $work/artifacts/$t/"
    grep -E -m1 -A25 '==ERROR|runtime error|^fuzz_|ALARM|out-of-memory' "$work/$t.log"
  else
    echo "ok   $t (${execs:-?} runs in ${seconds}s)"
  fi
done
echo "${#targets[@]} targets: $(( ${#targets[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
