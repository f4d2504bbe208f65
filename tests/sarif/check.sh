#!/usr/bin/env bash
# Runs `nplus1 check --format sarif PATH` (from the current directory, so the artifact URIs
# are relative to %SRCROOT%) and validates the log against the SARIF 2.1.0 schema.
#   tests/sarif/check.sh NPLUS1_BIN PATH OUT.sarif
set -euo pipefail
bin=$1
path=$2
out=$3
status=0
"$bin" check --format sarif "$path" >"$out" || status=$?
# 0: no findings, 1: findings; anything else is a usage error or a crash.
if [ "$status" -ge 2 ]; then
  echo "nplus1 check --format sarif $path failed with exit $status"; exit 1
fi
exec /usr/bin/python3 "$(dirname "$0")/validate.py" "$out"
