#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml at the top of the repository), which passes its
# inputs in the environment. Tests run it the same way (tests/ship_test.sh).
#
#   action.sh install   installs nplus1 into $RUNNER_TEMP/nplus1 and adds it to $GITHUB_PATH:
#                       NPLUS1_VERSION (the `version` input; default: the version of the
#                       action's own source, project() in its CMakeLists.txt) from the
#                       action repository's GitHub release vVERSION (NPLUS1_FROM overrides:
#                       a URL prefix or a dist/ directory); builds from the action's source
#                       when that fails
#   action.sh check     runs `nplus1 check` on INPUT_PATH with INPUT_ARGS (both split at
#                       white space): INPUT_SARIF=true writes SARIF to INPUT_SARIF_FILE,
#                       false prints GitHub annotations. Sets the step outputs exit-code and
#                       sarif-file; exits 0 on findings (the action fails after the upload),
#                       and with nplus1's status on a usage or configuration error (2).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "nplus1 action: $*" >&2; }
output() { echo "$1=$2" >>"${GITHUB_OUTPUT:-/dev/null}"; }

install_nplus1() {
  local version=${NPLUS1_VERSION:-} from=${NPLUS1_FROM:-} repo=${NPLUS1_ACTION_REPOSITORY:-}
  version=${version#v}
  if [ -z "$version" ]; then
    version=$(sed -n 's/^project(nplus1 VERSION \([0-9.]*\).*/\1/p' "$here/CMakeLists.txt")
  fi
  if [ -z "$from" ]; then
    # github.action_repository can be empty in composite actions: the checkout's path
    # (.../_actions/OWNER/REPO/REF) names it too.
    if [ -z "$repo" ] && [[ $here == */_actions/*/*/* ]]; then
      repo=$(awk -F/ '{print $(NF-2) "/" $(NF-1)}' <<<"$here")
    fi
    [ -n "$repo" ] && from=${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download/v$version
  fi
  local dest=${RUNNER_TEMP:-/tmp}/nplus1 bin
  bin=$(bash "$here/scripts/packaging/install.sh" --version "$version" --from "$from" \
          --dest "$dest" --source "$here")
  echo "$(dirname "$bin")" >>"${GITHUB_PATH:-/dev/null}"
  say "installed $bin"
}

check() {
  local -a paths args
  read -ra paths <<<"${INPUT_PATH:-.}"
  read -ra args <<<"${INPUT_ARGS:-}"
  [ ${#paths[@]} -gt 0 ] || paths=(.)
  local rc=0
  case ${INPUT_SARIF:-true} in
    true)
      local file=${INPUT_SARIF_FILE:-nplus1.sarif}
      nplus1 check --output-format sarif "${args[@]}" "${paths[@]}" >"$file" || rc=$?
      output sarif-file "$file" ;;
    false)
      nplus1 check --output-format github "${args[@]}" "${paths[@]}" || rc=$?
      output sarif-file "" ;;
    *) say "sarif must be true or false, not '${INPUT_SARIF}'"; exit 2 ;;
  esac
  output exit-code "$rc"
  case $rc in
    0) say "no findings" ;;
    1) say "findings (the action fails after reporting them)" ;;
    *) say "nplus1 check failed (exit $rc)"; exit "$rc" ;;
  esac
}

case ${1:-} in
  install) install_nplus1 ;;
  check) check ;;
  *) echo "usage: action.sh install|check" >&2; exit 2 ;;
esac
