#!/usr/bin/env bash
# The release, end to end: scripts/release builds into a temporary dist directory from a
# clean build directory, then every artifact is checked the way a user would use it:
#   1. the binary needs only libc, libm and the loader (ldd), and --version prints the
#      CMake project version and the git commit;
#   2. the .deb: metadata (Depends only libc6), contents (binary, man page, copyright,
#      changelog), and the unpacked binary finds the 3 N+1s of fixtures/projects/article;
#   3. the wheel: WHEEL, METADATA and RECORD (sha256) are right; installed with pip into a
#      fresh venv, its nplus1 runs; the nplus1-wheel pre-commit hook installs it too;
#   4. SHA256SUMS matches.
# Usage: ship_test.sh SOURCE_DIR VERSION   (VERSION: CMake's PROJECT_VERSION)
set -euo pipefail
src=$(cd "$1" && pwd)
version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$src"

# --- the release --------------------------------------------------------------------------
if ! bash scripts/release --build-dir "$work/build" --dist-dir "$work/dist" >"$work/release.log" 2>&1; then
  cat "$work/release.log"; fail "scripts/release failed"
fi
dist=$work/dist
arch=$(uname -m)
debarch=$(dpkg --print-architecture)
bin=$dist/nplus1-$version-linux-$arch
deb=$dist/nplus1_${version}_${debarch}.deb
whl=$dist/nplus1-$version-py3-none-linux_$arch.whl
expected=$(printf '%s\n' SHA256SUMS "$(basename "$bin")" "$(basename "$deb")" "$(basename "$whl")" | sort)
[ "$(ls "$dist" | sort)" = "$expected" ] || { ls -l "$dist"; fail "dist/ should hold exactly: $expected"; }
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
echo "release: $(cd "$dist" && ls | tr '\n' ' ')"

# Runs nplus1 on the article's project: exit 1 and its 3 findings.
check_article() { # LABEL NPLUS1...
  local label=$1 out rc=0
  shift
  out=$("$@" check --no-color fixtures/projects/article 2>&1) || rc=$?
  [ "$rc" -eq 1 ] || { echo "$out"; fail "$label: exit $rc on fixtures/projects/article, expected 1"; }
  [ "$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: NP[0-9]{3} ' <<<"$out")" -eq 3 ] || { echo "$out"; fail "$label: expected 3 findings"; }
  grep -q '^nplus1: 3 finding(s)' <<<"$out" || { echo "$out"; fail "$label: no summary of 3 findings"; }
  echo "$label: fixtures/projects/article -> exit 1, 3 findings"
}

# --- 1. the binary ------------------------------------------------------------------------
libs=$(ldd "$bin" | awk '{print $1}')
while read -r lib; do
  case $lib in
    linux-vdso.so.1 | libc.so.6 | libm.so.6 | /lib*/ld-linux*.so.*) ;;
    *) ldd "$bin"; fail "the binary needs $lib (only libc, libm and the loader are allowed)" ;;
  esac
done <<<"$libs"
echo "ldd: $(tr '\n' ' ' <<<"$libs")"

commit=unknown
if top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
  commit=$(git -C "$src" rev-parse --short=12 HEAD)
fi
ver=$("$bin" --version)
grep -q "^nplus1 $version " <<<"$ver" || fail "--version says '$ver', expected nplus1 $version"
grep -q "$commit" <<<"$ver" || fail "--version says '$ver': no git commit $commit"
echo "--version: $ver"
# "unknown" outside a git checkout, and inside someone else's repository.
mkdir -p "$work/nogit" "$work/outer/inner"
git -C "$work/outer" init -q
for d in "$work/nogit" "$work/outer/inner"; do
  cmake -DSOURCE_DIR="$d" -DVERSION="$version" -DOUTPUT="$d/Version.h" \
        -P scripts/packaging/version.cmake
  grep -q '^#define NPLUS1_GIT_COMMIT "unknown"$' "$d/Version.h" || {
    cat "$d/Version.h"; fail "Version.h outside a git checkout should say unknown"; }
done
check_article "binary" "$bin"

# --- 2. the .deb --------------------------------------------------------------------------
info=$(dpkg-deb --info "$deb")
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = nplus1 ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), expected $version"
[ "$(field Architecture)" = "$debarch" ] || fail "Architecture: $(field Architecture)"
[[ "$(field Depends)" =~ ^libc6(\ \(\>=\ [0-9.]+\))?$ ]] ||
  fail "Depends: '$(field Depends)', expected libc6 only"
for f in Pre-Depends Recommends; do
  [ -z "$(field $f)" ] || fail "$f: $(field $f)"
done
! grep -q -- '-dev' <<<"$(field Depends)" || fail "a -dev dependency"
contents=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $1, $NF}' | sort)
want=$(printf '%s\n' "-rwxr-xr-x ./usr/bin/nplus1" "-rw-r--r-- ./usr/share/doc/nplus1/changelog.gz" \
  "-rw-r--r-- ./usr/share/doc/nplus1/copyright" "-rw-r--r-- ./usr/share/man/man1/nplus1.1.gz" | sort)
[ "$contents" = "$want" ] || { echo "$contents"; fail "unexpected .deb contents"; }
dpkg-deb -x "$deb" "$work/deb"
d=$work/deb/usr
ldd "$d/bin/nplus1" | grep -q 'libstdc++' && fail "the packaged binary needs libstdc++"
zcat "$d/share/doc/nplus1/changelog.gz" | grep -q "^## \[$version\]" ||
  fail "changelog.gz has no section for $version"
head -1 "$d/share/doc/nplus1/copyright" | grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ||
  fail "copyright is not in the Debian copyright format"
man=$(zcat "$d/share/man/man1/nplus1.1.gz")
grep -q "^\.TH NPLUS1 1 .*\"nplus1 $version\"" <<<"$man" || fail "man page header"
for code in $("$d/bin/nplus1" rule --all | awk '{print $1}'); do
  grep -q "^\.SS $code " <<<"$man" || fail "the man page has no section for $code"
done
grep -q 'changed\\-since' <<<"$man" || fail "the man page lacks the check options"
# groff (groff-base, installed by scripts/bootstrap.sh) must be there: a missing tool is a
# failure, never a check passed without running.
command -v groff >/dev/null || fail "groff is not installed (groff-base; scripts/bootstrap.sh installs it)"
warnings=$(groff -man -Tutf8 -ww -z <<<"$man" 2>&1)
[ -z "$warnings" ] || { echo "$warnings"; fail "groff warns about the man page"; }
echo "deb: $(field Package) $(field Version) $(field Architecture), Depends: $(field Depends), $(wc -l <<<"$contents") files"
check_article "deb" "$d/bin/nplus1"

# --- 3. the wheel -------------------------------------------------------------------------
/usr/bin/python3 - "$whl" "$version" <<'PY'
import base64, hashlib, sys, zipfile
whl, version = sys.argv[1], sys.argv[2]
di = "nplus1-%s.dist-info/" % version
z = zipfile.ZipFile(whl)
names = z.namelist()
def fail(msg):
    sys.exit("FAIL: wheel: " + msg)
def headers(name):
    text = z.read(di + name).decode().split("\n\n")[0]
    return [tuple(l.split(": ", 1)) for l in text.splitlines() if ": " in l]
wheel = headers("WHEEL")
for want in [("Wheel-Version", "1.0"), ("Root-Is-Purelib", "false"),
             ("Tag", "py3-none-" + whl.rsplit("-", 1)[1][:-4])]:
    if want not in wheel:
        fail("WHEEL lacks %s: %s" % (": ".join(want), wheel))
meta = dict(headers("METADATA"))
if meta.get("Name") != "nplus1" or meta.get("Version") != version:
    fail("METADATA says %s %s" % (meta.get("Name"), meta.get("Version")))
record = [l.rsplit(",", 2) for l in z.read(di + "RECORD").decode().splitlines()]
listed = {r[0] for r in record}
if listed != set(names):
    fail("RECORD lists %s, the zip holds %s" % (sorted(listed), sorted(names)))
for path, digest, size in record:
    if path == di + "RECORD":
        if digest or size:
            fail("RECORD must not hash itself")
        continue
    data = z.read(path)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    if digest != want or int(size) != len(data):
        fail("RECORD is wrong for %s" % path)
script = z.getinfo("nplus1-%s.data/scripts/nplus1" % version)
if not (script.external_attr >> 16) & 0o100:
    fail("the script is not executable")
if not z.read(script.filename).startswith(b"\x7fELF"):
    fail("the script is not the nplus1 executable")
print("wheel: %s; WHEEL, METADATA and RECORD (%d sha256 entries) check out"
      % (whl.rsplit("/", 1)[1], len(record) - 1))
PY
/usr/bin/python3 -m venv "$work/venv"
PIP_CONFIG_FILE=/dev/null "$work/venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$whl"
venv_ver=$("$work/venv/bin/nplus1" --version)
[ "$venv_ver" = "$ver" ] || fail "venv nplus1 --version: '$venv_ver', expected '$ver'"
echo "venv: pip install --no-index OK; nplus1 --version: $venv_ver"
check_article "venv" "$work/venv/bin/nplus1"

# The nplus1-wheel pre-commit hook: pre-commit clones the hook repository, runs
# `pip install .` there and installs the wheel named in additional_dependencies. The hook
# repository here holds this checkout's .pre-commit-hooks.yaml and root pyproject.toml
# (until that file exists, the one proposed in scripts/packaging/pre-commit/).
command -v pre-commit >/dev/null || fail "pre-commit is not installed (scripts/bootstrap.sh installs it)"
export HOME=$work/home PRE_COMMIT_HOME=$work/pc GIT_CONFIG_NOSYSTEM=1
export PIP_NO_INDEX=1 PIP_FIND_LINKS=/usr/share/python-wheels PIP_CONFIG_FILE=/dev/null
mkdir -p "$HOME" "$work/hooks" "$work/proj"
git config --global user.email dev@example.invalid
git config --global user.name dev
cp .pre-commit-hooks.yaml "$work/hooks/"
if [ -f pyproject.toml ]; then cp pyproject.toml "$work/hooks/"
else cp scripts/packaging/pre-commit/pyproject.toml "$work/hooks/"; fi
(cd "$work/hooks" && git init -q . && git add -A && git commit -qm hooks)
cp -r fixtures/projects/article/. "$work/proj/"
cat >"$work/proj/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $work/hooks
    rev: $(git -C "$work/hooks" rev-parse HEAD)
    hooks:
      - id: nplus1-wheel
        args: [--no-color]
        additional_dependencies: ["$whl"]
YAML
(cd "$work/proj" && git init -q . && git add -A)
rc=0
(cd "$work/proj" && pre-commit run --all-files) >"$work/hook.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q '^nplus1: 3 finding(s)' "$work/hook.log" || {
  cat "$work/hook.log"; fail "the nplus1-wheel hook should fail with 3 findings (exit $rc)"; }
echo "pre-commit: nplus1-wheel hook installed from the wheel, 3 findings"
echo "ship: OK"
