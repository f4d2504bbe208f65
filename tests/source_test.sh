#!/usr/bin/env bash
# Installing nplus1 from its source repository, as pre-commit and pip do:
#   1. a clean copy of this checkout (its tracked and unignored files: no build/, no
#      grammars/node_modules) is made a git repository;
#   2. pre-commit runs the `nplus1` hook (language: python) with `repo:` that repository:
#      pre-commit clones it and pip-installs it into the hook's virtualenv, with build
#      isolation and no package index: pyproject.toml's in-tree backend runs `npm ci` for the
#      grammars (offline, from npm's cache) and CMake, and packs the wheel. The hook must
#      find the 3 N+1s of fixtures/projects/article;
#   3. `pip wheel --no-build-isolation --no-deps` in pre-commit's clone (the backend reusing
#      that compile: NPLUS1_BUILD_DIR) gives nplus1-VERSION-py3-none-linux_ARCH.whl, whose
#      tag check_wheel.py confirms, and which installs into a fresh venv and works.
# One compile in all (target nplus1 only), a few minutes on two cores.
# Usage: source_test.sh SOURCE_DIR VERSION
set -euo pipefail
src=$(cd "$1" && pwd)
version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v pre-commit >/dev/null || fail "pre-commit is not installed (scripts/bootstrap.sh installs it)"
command -v npm >/dev/null || fail "npm is not installed (scripts/bootstrap.sh installs it)"

# --- 1. the clean copy, as a repository ------------------------------------------------------
mkdir "$work/repo"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
   tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$work/repo"
[ ! -e "$work/repo/grammars/node_modules" ] || fail "the clean copy has grammars/node_modules"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.invalid
export GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.invalid
(cd "$work/repo" && git init -q . && git add -A && git commit -qm source)
pre-commit validate-manifest "$work/repo/.pre-commit-hooks.yaml" || fail "pre-commit rejects .pre-commit-hooks.yaml"

# --- 2. pre-commit installs the hook from the repository ----------------------------------
export PRE_COMMIT_HOME=$work/pc PIP_NO_INDEX=1 PIP_CONFIG_FILE=/dev/null
export PIP_FIND_LINKS=/usr/share/python-wheels PIP_DISABLE_PIP_VERSION_CHECK=1
export npm_config_offline=true NPLUS1_BUILD_DIR=$work/build
mkdir "$work/proj"
cp -r "$src/fixtures/projects/article/." "$work/proj/"
rm -rf "$work/proj/.nplus1_cache"
cat >"$work/proj/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $work/repo
    rev: $(git -C "$work/repo" rev-parse HEAD)
    hooks:
      - id: nplus1
        args: [--no-color]
YAML
(cd "$work/proj" && git init -q . && git add -A)
rc=0
(cd "$work/proj" && pre-commit run --all-files) >"$work/hook.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q '^nplus1: 3 finding(s)' "$work/hook.log" || {
  tail -60 "$work/hook.log"; fail "the nplus1 hook (built from source) should fail with 3 findings (exit $rc)"; }
echo "pre-commit: the nplus1 hook, pip-installed from the repository (compiled), 3 findings"

# --- 3. pip wheel in pre-commit's clone --------------------------------------------------
clone=$(dirname "$(ls -d "$PRE_COMMIT_HOME"/repo*/pyproject.toml | head -1)")
[ -f "$clone/scripts/packaging/nplus1_backend.py" ] || fail "no pre-commit clone of the repository in $PRE_COMMIT_HOME"
venv=$(ls -d "$clone"/py_env-* | head -1)
"$venv/bin/nplus1" --version | grep -q "^nplus1 $version " || fail "the hook's nplus1 does not say $version"
/usr/bin/python3 -m venv "$work/venv"
(cd "$clone" && "$work/venv/bin/pip" wheel --quiet --no-build-isolation --no-deps -w "$work/wheels" .) ||
  fail "pip wheel --no-build-isolation failed"
whl=$work/wheels/nplus1-$version-py3-none-linux_$(uname -m).whl
[ -f "$whl" ] || { ls -l "$work/wheels"; fail "pip wheel made no $(basename "$whl")"; }
/usr/bin/python3 "$src/scripts/packaging/check_wheel.py" "$whl" || fail "check_wheel.py refuses $(basename "$whl")"
"$work/venv/bin/pip" install --quiet "$whl"
out=$("$work/venv/bin/nplus1" check --no-color "$src/fixtures/projects/article" 2>&1) && fail "no findings from the wheel's nplus1"
grep -q '^nplus1: 3 finding(s)' <<<"$out" || { echo "$out"; fail "the wheel's nplus1: expected 3 findings"; }
echo "pip wheel: $(basename "$whl"), installed in a fresh venv, 3 findings"
echo "source: OK"
