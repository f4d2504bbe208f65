#!/usr/bin/env bash
# Builds nplus1 and runs it on the bundled example project.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/build.sh" build
cd "$here/fixtures/projects/shop"
"$here/build/analyzer/driver/nplus1" check . "$@" || [ $? -eq 1 ]
