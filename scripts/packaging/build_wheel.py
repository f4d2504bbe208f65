#!/usr/bin/env python3
"""Builds the nplus1 wheel, nplus1-VERSION-py3-none-PLATFORMS.whl (scripts/packaging/nplus1_wheel.py:
standard library only, no setuptools, no PyPI), then checks its tags (check_wheel.py).

    build_wheel.py --binary BUILD/analyzer/driver/nplus1 --version 0.1.0 --outdir DIR
                   [--platform TAG]... [--strip /usr/bin/strip]

--platform, repeatable: the wheel's platform tags; default linux_<machine>, a wheel for this
machine only. scripts/release passes manylinux_2_17_x86_64 and manylinux2014_x86_64 for
the fully static binary, which check_wheel.py verifies before the wheel is kept.
SOURCE_DATE_EPOCH, when set, fixes the timestamps in the zip. Prints the wheel's path.
"""
import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nplus1_wheel  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--platform", action="append", default=[])
    ap.add_argument("--strip", default="")
    args = ap.parse_args()

    platforms = args.platform or ["linux_" + sysconfig.get_platform().split("-", 1)[1].replace("-", "_")]
    with tempfile.TemporaryDirectory(prefix="nplus1-wheel-") as stage:
        binary = args.binary
        if args.strip:
            binary = os.path.join(stage, "nplus1")
            subprocess.run([args.strip, "--strip-all", "-o", binary, args.binary], check=True)
        try:
            wheel = nplus1_wheel.write_wheel(args.outdir, binary, args.version, platforms)
        except (OSError, ValueError) as e:
            sys.exit("build_wheel.py: %s" % e)
    done = subprocess.run([sys.executable, os.path.join(HERE, "check_wheel.py"), wheel],
                          stdout=subprocess.PIPE, universal_newlines=True)
    if done.returncode:
        sys.stderr.write(done.stdout)
        os.remove(wheel)
        sys.exit("build_wheel.py: the wheel's tags are not true of its binary; removed %s" % wheel)
    print(wheel)


if __name__ == "__main__":
    main()
