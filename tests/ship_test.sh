#!/usr/bin/env bash
# The release, end to end: scripts/release builds into a temporary dist directory from a
# clean build directory, then every artifact is checked the way a user would use it:
#   1. the binary is fully static (no loader, no dynamic section, so no glibc version), and
#      --version prints the CMake project version and the git commit; with NPLUS1_OLD_ROOT
#      (a root file system of an older Debian, scripts/packaging/oldroot.sh) it also runs
#      there, under chroot;
#   2. the .deb: metadata (no Depends), contents (binary, man page, copyright, changelog),
#      and the unpacked binary finds the 3 N+1s of fixtures/projects/article;
#   3. the wheel: WHEEL, METADATA and RECORD (sha256) are right; its manylinux tags hold
#      for its binary (scripts/packaging/check_wheel.py), and the check refuses a
#      manylinux_2_17 tag on DEV_NPLUS1 (a build linked with this machine's glibc) while
#      accepting manylinux_2_N for N its newest GLIBC_ symbol version; installed with pip
#      into a fresh venv, its nplus1 runs; a pre-commit hook installs it too;
#   4. the GitHub Action: action.yml's shape, and its steps (scripts/packaging/action.sh)
#      run as the action runs them, installing from dist/ and writing SARIF;
#   5. SHA256SUMS matches, and the installer refuses a binary that does not.
# Usage: ship_test.sh SOURCE_DIR VERSION DEV_NPLUS1   (VERSION: CMake's PROJECT_VERSION)
set -euo pipefail
src=$(cd "$1" && pwd)
version=$2
dev=$(realpath "$3")
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
whl=$dist/nplus1-$version-py3-none-manylinux_2_17_$arch.manylinux2014_$arch.whl
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
# static IN LABEL: no program interpreter, no dynamic section, no glibc symbol version.
static() {
  ! readelf --wide -l "$1" | grep -q 'Requesting program interpreter' || fail "$2 asks for a dynamic loader"
  readelf --wide -d "$1" | grep -q 'There is no dynamic section' || fail "$2 has a dynamic section"
  ! readelf --wide -V "$1" | grep -q 'GLIBC_' || fail "$2 requires glibc symbol versions"
  file -b "$1" | grep -q 'statically linked' || fail "$2: file says '$(file -b "$1")'"
}
static "$bin" "the binary"
echo "binary: fully static: $(file -b "$bin" | cut -d, -f1-2,4)"

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

# In an older Debian (scripts/packaging/oldroot.sh), whose glibc is older than the build's.
if [ -n "${NPLUS1_OLD_ROOT:-}" ]; then
  root=$NPLUS1_OLD_ROOT
  [ "$(id -u)" -eq 0 ] || fail "NPLUS1_OLD_ROOT needs root (chroot)"
  [ -f "$root/etc/debian_version" ] || fail "$root is not a Debian root file system (scripts/packaging/oldroot.sh)"
  inside=$(mktemp -d "$root/tmp/nplus1-ship.XXXXXX")
  trap 'rm -rf "$work" "$inside"' EXIT
  cp "$bin" "$inside/nplus1"
  cp -r fixtures/projects/article "$inside/article"
  rm -rf "$inside/article/.nplus1_cache"
  rel=${inside#"$root"}
  # awk reads all of ldd's output: `| head -1` can close the pipe first, and under pipefail
  # ldd's SIGPIPE would end the test without a word.
  old_glibc=$(chroot "$root" /usr/bin/ldd --version | awk 'NR == 1 {print $NF}')
  here_glibc=$(ldd --version | awk 'NR == 1 {print $NF}')
  [ "$(printf '%s\n' "$old_glibc" "$here_glibc" | sort -V | head -1)" = "$old_glibc" ] &&
    [ "$old_glibc" != "$here_glibc" ] || fail "$root's glibc $old_glibc is not older than this machine's $here_glibc"
  rc=0
  out=$(chroot "$root" /bin/sh -c "cd '$rel' && ./nplus1 check --no-color --no-cache article" 2>&1) || rc=$?
  [ "$rc" -eq 1 ] && [ "$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: NP[0-9]{3} ' <<<"$out")" -eq 3 ] || {
    echo "$out"; fail "in the $root chroot: exit $rc, expected 1 and 3 findings"; }
  echo "Debian $(cat "$root/etc/debian_version") chroot (glibc $old_glibc, this machine $here_glibc): exit 1, 3 findings"
else
  echo "older Debian: not tried (NPLUS1_OLD_ROOT unset; scripts/packaging/oldroot.sh makes one)"
fi

# --- 2. the .deb --------------------------------------------------------------------------
info=$(dpkg-deb --info "$deb")
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = nplus1 ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), expected $version"
[ "$(field Architecture)" = "$debarch" ] || fail "Architecture: $(field Architecture)"
# A static binary depends on no package, not even libc6.
for f in Depends Pre-Depends Recommends; do
  [ -z "$(field $f)" ] || fail "$f: $(field $f), expected none"
done
contents=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $1, $NF}' | sort)
want=$(printf '%s\n' "-rwxr-xr-x ./usr/bin/nplus1" "-rw-r--r-- ./usr/share/doc/nplus1/changelog.gz" \
  "-rw-r--r-- ./usr/share/doc/nplus1/copyright" "-rw-r--r-- ./usr/share/man/man1/nplus1.1.gz" | sort)
[ "$contents" = "$want" ] || { echo "$contents"; fail "unexpected .deb contents"; }
dpkg-deb -x "$deb" "$work/deb"
d=$work/deb/usr
static "$d/bin/nplus1" "the packaged binary"
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
echo "deb: $(field Package) $(field Version) $(field Architecture), no Depends, $(wc -l <<<"$contents") files"
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
tags = [("Tag", "py3-none-" + p) for p in whl.rsplit("-", 1)[1][:-4].split(".")]
for want in [("Wheel-Version", "1.0"), ("Root-Is-Purelib", "false")] + tags:
    if want not in wheel:
        fail("WHEEL lacks %s: %s" % (": ".join(want), wheel))
for name in ("LICENSE", "copyright"):
    if di + name not in names:
        fail("no %s in %s" % (name, di))
if b"Apache License" not in z.read(di + "LICENSE"):
    fail("LICENSE is not the Apache License")
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

# The release wheel through pre-commit: a `repo: local` hook of `language: python` gets a
# virtualenv with only its additional_dependencies, here the wheel (README "pre-commit").
command -v pre-commit >/dev/null || fail "pre-commit is not installed (scripts/bootstrap.sh installs it)"
export HOME=$work/home PRE_COMMIT_HOME=$work/pc GIT_CONFIG_NOSYSTEM=1
export PIP_NO_INDEX=1 PIP_FIND_LINKS=/usr/share/python-wheels PIP_CONFIG_FILE=/dev/null
mkdir -p "$HOME" "$work/proj"
git config --global user.email dev@example.invalid
git config --global user.name dev
cp -r fixtures/projects/article/. "$work/proj/"
rm -rf "$work/proj/.nplus1_cache"
cat >"$work/proj/.pre-commit-config.yaml" <<YAML
repos:
  - repo: local
    hooks:
      - id: nplus1
        name: nplus1
        entry: nplus1 check --no-color
        language: python
        additional_dependencies: ["$whl"]
        types_or: [python, html]
        require_serial: true
YAML
(cd "$work/proj" && git init -q . && git add -A)
rc=0
(cd "$work/proj" && pre-commit run --all-files) >"$work/hook.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q '^nplus1: 3 finding(s)' "$work/hook.log" || {
  cat "$work/hook.log"; fail "the pre-commit hook with the wheel should fail with 3 findings (exit $rc)"; }
echo "pre-commit: a language: python hook installed from the wheel, 3 findings"

# The wheel's tags, as a package index would check them (Debian has no auditwheel): the
# release wheel passes; the same check refuses manylinux_2_17 for DEV_NPLUS1, linked with
# this machine's glibc, and accepts exactly its newest GLIBC_ version.
checkw=scripts/packaging/check_wheel.py
/usr/bin/python3 "$checkw" "$whl" || fail "check_wheel.py refuses the release wheel"
newest=$(readelf --wide -V "$dev" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
[[ $newest =~ ^2\.([0-9]+)$ ]] || fail "$dev: no GLIBC_ symbol versions (readelf -V)"
minor=${BASH_REMATCH[1]}
mkwheel() { # DIR PLATFORM: a wheel of DEV_NPLUS1 tagged PLATFORM
  /usr/bin/python3 -c 'import sys; sys.path.insert(0, "scripts/packaging"); import nplus1_wheel
print(nplus1_wheel.write_wheel(sys.argv[1], sys.argv[2], sys.argv[3], [sys.argv[4]]))' \
    "$work/$1" "$dev" "$version" "$2"
}
for tag in manylinux_2_17_$arch manylinux2014_$arch "manylinux_2_$((minor - 1))_$arch"; do
  if out=$(/usr/bin/python3 "$checkw" "$(mkwheel "t-$tag" "$tag")"); then
    echo "$out"; fail "check_wheel.py accepts $tag for a binary needing GLIBC_$newest"
  fi
  grep -q "needs GLIBC_$newest, newer than" <<<"$out" || { echo "$out"; fail "check_wheel.py: no reason given for $tag"; }
done
for tag in "manylinux_2_${minor}_$arch" "linux_$arch"; do
  /usr/bin/python3 "$checkw" "$(mkwheel "t-$tag" "$tag")" >/dev/null ||
    fail "check_wheel.py refuses $tag for a binary needing GLIBC_$newest"
done
/usr/bin/python3 "$checkw" "$(mkwheel t-arm manylinux_2_17_aarch64)" >/dev/null &&
  fail "check_wheel.py accepts aarch64 for an $arch binary"
echo "check_wheel.py: release wheel OK; a GLIBC_$newest binary is refused manylinux_2_17 and 2_$((minor - 1)), accepted 2_$minor"

# --- 4. the GitHub Action ---------------------------------------------------------------
# action.yml's shape: a composite action with the documented inputs, whose run steps call
# scripts that exist, and which uploads the check step's SARIF file.
/usr/bin/python3 - action.yml <<'PY'
import os, re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
def fail(msg):
    sys.exit("FAIL: action.yml: " + msg)
if doc["runs"]["using"] != "composite":
    fail("not a composite action")
for name in ("path", "args", "version", "sarif"):
    if name not in doc["inputs"] or "description" not in doc["inputs"][name]:
        fail("no documented input %r" % name)
steps = doc["runs"]["steps"]
ids = {s.get("id") for s in steps}
for s in steps:
    if "run" in s:
        if s.get("shell") != "bash":
            fail("run step %r has no shell: bash" % s.get("name"))
        for script in re.findall(r"\$GITHUB_ACTION_PATH/(\S+?)\"", s["run"]):
            if not os.path.isfile(script):
                fail("step %r runs %s, which does not exist" % (s.get("name"), script))
    for expr in re.findall(r"\$\{\{\s*([^}]*?)\s*\}\}", yaml.safe_dump(s)):
        m = re.match(r"(inputs|steps)\.([\w-]+)", expr)
        if m and m.group(1) == "inputs" and m.group(2) not in doc["inputs"]:
            fail("step %r uses an undeclared input %s" % (s.get("name"), expr))
        if m and m.group(1) == "steps" and m.group(2) not in ids:
            fail("step %r refers to no step %s" % (s.get("name"), expr))
upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
if len(upload) != 1 or "steps.check.outputs.sarif-file" not in upload[0]["with"]["sarif_file"]:
    fail("no upload-sarif step uploading the check step's sarif-file")
print("action.yml: composite, inputs %s, %d steps" % (sorted(doc["inputs"]), len(steps)))
PY
# Its steps as the runner runs them: install from dist/ (not the network), then check the
# article's project with SARIF, then without.
act=$work/action
mkdir -p "$act/tmp" "$act/proj"
cp -r fixtures/projects/article/. "$act/proj/"
rm -rf "$act/proj/.nplus1_cache"
: >"$act/path"; : >"$act/out1"; : >"$act/out2"
RUNNER_TEMP=$act/tmp GITHUB_PATH=$act/path NPLUS1_FROM=$dist NPLUS1_VERSION="" \
  bash scripts/packaging/action.sh install 2>"$act/install.log" ||
  { cat "$act/install.log"; fail "action.sh install from dist/ failed"; }
installed=$(cat "$act/path")/nplus1
cmp -s "$installed" "$bin" || fail "the action installed $installed, not the release binary"
(cd "$act/proj" && PATH=$(cat "$act/path"):$PATH GITHUB_OUTPUT=$act/out1 INPUT_PATH=. \
   INPUT_ARGS="--no-cache" INPUT_SARIF=true INPUT_SARIF_FILE=$act/tmp/nplus1.sarif \
   bash "$src/scripts/packaging/action.sh" check) 2>"$act/check.log" ||
  { cat "$act/check.log"; fail "action.sh check (sarif) failed"; }
grep -qx 'exit-code=1' "$act/out1" && grep -qx "sarif-file=$act/tmp/nplus1.sarif" "$act/out1" ||
  { cat "$act/out1"; fail "action.sh check: wrong step outputs"; }
/usr/bin/python3 -c 'import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
n = sum(len(r["results"]) for r in runs)
sys.exit(0 if n == 3 else "FAIL: the SARIF file has %d results, expected 3" % n)' "$act/tmp/nplus1.sarif"
(cd "$act/proj" && PATH=$(cat "$act/path"):$PATH GITHUB_OUTPUT=$act/out2 INPUT_PATH=. \
   INPUT_ARGS="--no-cache" INPUT_SARIF=false bash "$src/scripts/packaging/action.sh" check) \
   >"$act/annotations" 2>"$act/check2.log" || { cat "$act/check2.log"; fail "action.sh check (annotations) failed"; }
[ "$(grep -cE '^::(error|warning|notice) ' "$act/annotations")" -eq 3 ] || { cat "$act/annotations"; fail "expected 3 annotations"; }
grep -qx 'exit-code=1' "$act/out2" || fail "action.sh check (annotations): exit-code"
echo "action: installed from dist/ ($(basename "$bin")), SARIF with 3 results, 3 annotations, exit-code=1"
# The installer refuses a binary that does not match SHA256SUMS.
cp -r "$dist" "$work/bad"
printf 'x' >>"$work/bad/$(basename "$bin")"
if bash scripts/packaging/install.sh --version "$version" --from "$work/bad" --dest "$work/bad-bin" 2>"$work/bad.log"; then
  fail "install.sh installed a binary that does not match SHA256SUMS"
fi
grep -q 'does not match SHA256SUMS' "$work/bad.log" || { cat "$work/bad.log"; fail "install.sh: no reason given"; }
[ ! -e "$work/bad-bin/nplus1" ] || fail "install.sh left the bad binary in place"
echo "install.sh: a binary not matching SHA256SUMS is refused"
echo "ship: OK"
