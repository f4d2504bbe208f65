#!/usr/bin/env python3
"""Checks that a wheel's platform tags are true of the executables inside it, as a package
index's auditwheel would (Debian has no auditwheel):

    check_wheel.py WHEEL [--readelf readelf]

For every ELF file in the wheel and every platform tag of its name:
  - the ELF machine matches the tag's architecture (x86_64, aarch64, i686);
  - manylinux_X_Y (and the legacy aliases manylinux1/2010/2014): it asks for no glibc
    symbol version above X.Y (readelf -V), needs no shared library beyond the manylinux
    allowlist (readelf -d, PEP 599/600), and no libstdc++/libgcc_s symbol versions beyond
    those of manylinux2014's toolchain when X.Y is 2.17 or older;
  - linux_ARCH: only the architecture (a wheel for the machine that built it).
A fully static executable (no dynamic section) satisfies any manylinux tag. Prints one line
per ELF file and tag; exits 1 when a tag is not satisfied, 2 on bad input.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import zipfile

# PEP 599's allowlist for manylinux2014 (manylinux_2_17), which PEP 600 keeps for later
# glibc versions, plus the dynamic loader itself.
ALLOWED_LIBS = {
    "libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libdl.so.2", "librt.so.1",
    "libc.so.6", "libnsl.so.1", "libutil.so.1", "libpthread.so.0", "libresolv.so.2",
    "libX11.so.6", "libXext.so.6", "libXrender.so.1", "libICE.so.6", "libSM.so.6",
    "libGL.so.1", "libgobject-2.0.so.0", "libgthread-2.0.so.0", "libglib-2.0.so.0",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld-linux.so.2",
}
LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
# The newest toolchain symbol versions manylinux2014's GCC 4.8 runtime provides.
TOOLCHAIN_2_17 = {"GLIBCXX": (3, 4, 19), "CXXABI": (1, 3, 7), "GCC": (4, 8, 0)}
MACHINES = {"x86_64": "X86-64", "aarch64": "AArch64", "i686": "80386"}


def parse_tag(tag):
    """(kind, glibc (major, minor) or None, arch) for a platform tag, or None."""
    m = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", tag)
    if m:
        return "manylinux", (int(m.group(1)), int(m.group(2))), m.group(3)
    m = re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)", tag)
    if m:
        return "manylinux", LEGACY[m.group(1)], m.group(2)
    m = re.fullmatch(r"linux_(\w+)", tag)
    if m:
        return "linux", None, m.group(1)
    return None


def version_tuple(text):
    return tuple(int(x) for x in text.split("."))


def elf_facts(path, readelf):
    """machine, NEEDED libraries, and the version references {prefix: [version tuple]}."""
    def run(*args):
        done = subprocess.run([readelf, "--wide", *args, path], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)
        if done.returncode:
            raise RuntimeError("readelf %s %s: %s" % (" ".join(args), path, done.stderr.strip()))
        return done.stdout
    machine = re.search(r"^\s*Machine:\s*(.*)$", run("-h"), re.M).group(1)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("-d"))
    versions = {}
    for prefix, ver in re.findall(r"Name: (GLIBC|GLIBCXX|CXXABI|GCC)_([0-9.]+)", run("-V")):
        versions.setdefault(prefix, []).append(version_tuple(ver))
    interp = re.search(r"Requesting program interpreter: ([^\]]+)\]", run("-l"))
    return machine, needed, versions, interp.group(1) if interp else None


def check(path, tag, facts):
    """The reasons PATH does not satisfy TAG (empty when it does)."""
    parsed = parse_tag(tag)
    if parsed is None:
        return ["unknown platform tag"]
    kind, glibc, arch = parsed
    machine, needed, versions, _ = facts
    problems = []
    if MACHINES.get(arch, "?") not in machine:
        problems.append("machine is %r, the tag says %s" % (machine, arch))
    if kind == "linux":
        return problems
    for lib in needed:
        if lib not in ALLOWED_LIBS:
            problems.append("needs %s, not in the manylinux allowlist" % lib)
    newest = max(versions.get("GLIBC", []), default=None)
    if newest and newest > glibc:
        problems.append("needs GLIBC_%s, newer than the tag's glibc %d.%d"
                        % (".".join(map(str, newest)), *glibc))
    if glibc <= (2, 17):
        for prefix, limit in TOOLCHAIN_2_17.items():
            top = max(versions.get(prefix, []), default=None)
            if top and top > limit:
                problems.append("needs %s_%s, newer than manylinux2014's %s"
                                % (prefix, ".".join(map(str, top)), ".".join(map(str, limit))))
    return problems


def describe(facts):
    _, needed, versions, interp = facts
    if not needed and interp is None:
        return "static (no loader, no shared libraries)"
    glibc = max(versions.get("GLIBC", []), default=None)
    return "needs %s; max GLIBC_%s" % (", ".join(needed) or "nothing",
                                       ".".join(map(str, glibc)) if glibc else "none")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel")
    ap.add_argument("--readelf", default="readelf")
    args = ap.parse_args()

    m = re.fullmatch(r"[^-]+-[^-]+(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl",
                     os.path.basename(args.wheel))
    if not m:
        print("check_wheel.py: %s is not a wheel file name" % args.wheel, file=sys.stderr)
        return 2
    tags = m.group(3).split(".")
    bad = 0
    with zipfile.ZipFile(args.wheel) as z, tempfile.TemporaryDirectory() as tmp:
        # The WHEEL file must list exactly the tags of the name.
        wheel_file = [n for n in z.namelist() if n.endswith(".dist-info/WHEEL")]
        listed = re.findall(r"^Tag: (\S+)$", z.read(wheel_file[0]).decode(), re.M) if wheel_file else []
        expanded = sorted("%s-%s-%s" % (py, abi, plat) for py in m.group(1).split(".")
                          for abi in m.group(2).split(".") for plat in tags)
        if sorted(listed) != expanded:
            print("FAIL: WHEEL lists tags %s, the file name says %s" % (listed, expanded))
            bad += 1
        elves = [n for n in z.namelist() if z.read(n)[:4] == b"\x7fELF"]
        if not elves:
            print("FAIL: no ELF file in the wheel")
            return 1
        for name in elves:
            path = os.path.join(tmp, os.path.basename(name))
            with open(path, "wb") as f:
                f.write(z.read(name))
            facts = elf_facts(path, args.readelf)
            for tag in tags:
                problems = check(name, tag, facts)
                status = "FAIL" if problems else "ok"
                print("%s: %s %s: %s" % (status, name, tag, "; ".join(problems) or describe(facts)))
                bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
