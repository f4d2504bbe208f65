#!/usr/bin/env python3
"""Builds the nplus1 wheel (nplus1-VERSION-py3-none-PLATFORM.whl) with Debian's
python3-build, python3-setuptools and python3-wheel: no PyPI, no build isolation.

    build_wheel.py --binary BUILD/analyzer/driver/nplus1 --version 0.1.0 --outdir DIR
                   [--strip /usr/bin/strip] [--copyright scripts/packaging/copyright]

The project in scripts/packaging/wheel/ is copied to a temporary staging directory with the
(stripped) binary and the license files: the copyright file and Apache-2.0 (LLVM's license,
which the copyright file refers to; from Debian's /usr/share/common-licenses). The version
comes from CMake; SOURCE_DATE_EPOCH, when set, fixes the timestamps in the zip.
Prints the wheel's path.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--strip", default="")
    ap.add_argument("--copyright", default=os.path.join(HERE, "copyright"))
    ap.add_argument("--apache", default="/usr/share/common-licenses/Apache-2.0")
    args = ap.parse_args()

    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", args.version):
        sys.exit("build_wheel.py: version %r is not a plain release number" % args.version)
    # sysconfig's platform, as wheel tags spell it: linux-x86_64 -> linux_x86_64.
    platform = re.sub(r"[-.]", "_", sysconfig.get_platform())
    if not platform.startswith("linux_"):
        sys.exit("build_wheel.py: unexpected platform %r" % platform)

    outdir = os.path.abspath(args.outdir)
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nplus1-wheel-") as stage:
        for name in ("pyproject.toml", "setup.py", "README.md"):
            shutil.copy(os.path.join(HERE, "wheel", name), stage)
        shutil.copy(args.copyright, os.path.join(stage, "copyright"))
        shutil.copy(args.apache, os.path.join(stage, "Apache-2.0"))
        binary = os.path.join(stage, "nplus1")
        if args.strip:
            subprocess.run([args.strip, "--strip-all", "-o", binary, args.binary], check=True)
        else:
            shutil.copy(args.binary, binary)
        os.chmod(binary, 0o755)

        env = dict(os.environ, NPLUS1_VERSION=args.version, NPLUS1_WHEEL_PLATFORM=platform,
                   PIP_NO_INDEX="1")
        # Run from the staging directory: a `build/` directory in the working directory
        # (the source tree has one) would shadow the `build` module.
        # Its output (setuptools' warnings, plugins of other Debian packages) only on failure.
        done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                               "--outdir", outdir, stage], cwd=stage, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if done.returncode:
            sys.stderr.write(done.stdout.decode("utf-8", "replace"))
            sys.exit("build_wheel.py: python3 -m build failed")

    wheel = os.path.join(outdir, "nplus1-%s-py3-none-%s.whl" % (args.version, platform))
    if not os.path.isfile(wheel):
        sys.exit("build_wheel.py: %s was not built" % wheel)
    print(wheel)


if __name__ == "__main__":
    main()
