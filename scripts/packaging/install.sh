#!/usr/bin/env bash
# Installs nplus1 VERSION's release binary into DEST, checked against the release's
# SHA256SUMS; when that fails and --source is given, builds nplus1 from that source tree
# instead (what scripts/bootstrap.sh installs is needed then). Prints the installed path.
# The GitHub Action (action.yml, through action.sh) uses it; so can anyone.
#
# Usage: install.sh --version VERSION --from URL|DIR --dest DEST [--source SRC]
#   --from   where the release's assets are: a directory (scripts/release's dist/) or a
#            URL prefix (a GitHub release's download URL, .../releases/download/vVERSION)
#   --dest   the directory nplus1 goes into (created)
#   --source a source tree to build from when the binary cannot be had
set -euo pipefail
version="" from="" dest="" source=""
while [ $# -gt 0 ]; do
  case $1 in
    --version) version=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    --dest) dest=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    *) echo "install.sh: unknown argument '$1' (see the header of this script)" >&2; exit 2 ;;
  esac
done
say() { echo "install.sh: $*" >&2; }
[ -n "$version" ] && [ -n "$dest" ] || { say "--version and --dest are required"; exit 2; }
[[ $version =~ ^[0-9]+(\.[0-9]+)*$ ]] || { say "version '$version' is not a release number"; exit 2; }
[ "$(uname -s)" = Linux ] || say "warning: release binaries are for Linux; this is $(uname -s)"
asset=nplus1-$version-linux-$(uname -m)
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch NAME: the release asset NAME into $work.
fetch() {
  case $from in
    http://* | https://*)
      if command -v curl >/dev/null; then
        curl -fsSL --retry 3 -o "$work/$1" "${from%/}/$1"
      else
        wget -q -O "$work/$1" "${from%/}/$1"
      fi ;;
    *) cp -- "$from/$1" "$work/$1" ;;
  esac
}

# The release binary: fetched, then its line of SHA256SUMS checked.
download() {
  [ -n "$from" ] || { say "no --from given"; return 1; }
  fetch SHA256SUMS || { say "no SHA256SUMS at $from"; return 1; }
  fetch "$asset" || { say "no $asset at $from"; return 1; }
  grep -E "^[0-9a-f]{64}  $asset\$" "$work/SHA256SUMS" >"$work/sum" ||
    { say "SHA256SUMS at $from does not list $asset"; return 1; }
  (cd "$work" && sha256sum --quiet -c sum >&2) || { say "$asset does not match SHA256SUMS"; return 1; }
  install -m 755 "$work/$asset" "$dest/nplus1"
}

# From source: a Release build of the nplus1 target alone.
build() {
  say "building nplus1 from $source"
  bash "$source/scripts/bootstrap.sh" >&2
  cmake -S "$source" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$work/build" --target nplus1 >&2
  install -m 755 "$work/build/analyzer/driver/nplus1" "$dest/nplus1"
}

if ! download; then
  [ -n "$source" ] || { say "could not install nplus1 $version (and no --source to build from)"; exit 1; }
  build
fi
"$dest/nplus1" --version >&2
echo "$dest/nplus1"
