#!/usr/bin/env bash
# Installs everything nplus1 needs to build and test on a fresh Debian 12 machine:
# Debian packages (toolchain, LLVM Support, JSON, doctest, Django and the third-party
# apps the fixture projects use, for the proofs; clang-format and clang-tidy for
# scripts/style.sh; for the release: dpkg-dev, binutils,
# glibc's static libc.a, and debootstrap for scripts/packaging/oldroot.sh)
# and the pinned tree-sitter grammars from npm. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(cmake ninja-build g++ llvm-19-dev libzstd-dev zlib1g-dev
          nlohmann-json3-dev doctest-dev libtomlplusplus-dev
          python3-django python3-djangorestframework python3-jsonschema pre-commit git
          python3-django-taggit python3-django-treebeard python3-django-mptt
          python3-django-model-utils python3-django-tables2 python3-django-graphene neovim
          clang-19 libclang-rt-19-dev clang-format-19 clang-tidy-19
          dpkg-dev file groff-base python3-venv python3-yaml binutils libc6-dev debootstrap)
# Some images ship Node.js from another source whose package already carries npm and
# conflicts with Debian's npm: install Debian's only when npm is missing.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Pinned npm packages, one directory each (package.json + package-lock.json, no registry
# URLs): installed when node_modules is missing or older than the lock file.
for dir in grammars tests/sarif; do
  d="$here/$dir"
  if [ ! -f "$d/node_modules/.package-lock.json" ] ||
     [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
    (cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
