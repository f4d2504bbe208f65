#!/usr/bin/env python3
"""The progress line of `nplus1 check` (stderr): shown on a terminal only, erased at the end,
never with -q, and only once the run has lasted --progress-delay milliseconds.

    progress_test.py NPLUS1_BIN PROJECT_DIR

stderr is a pseudo-terminal from Python's pty module; stdout stays a pipe, so the report
itself is never mixed with the progress line."""
import os
import pty
import re
import select
import subprocess
import sys

binary, project = sys.argv[1], sys.argv[2]
LINE = re.compile(rb"\rnplus1: (parsing|analyzing) (\d+)/(\d+) (files|modules)")
failures = []


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(args, tty):
    """(exit status, stdout bytes, stderr bytes) of `nplus1 check --no-cache ARGS PROJECT`."""
    cmd = [binary, "check", "--no-cache", "--no-color", *args, project]
    env = {**os.environ, "NO_COLOR": "1"}
    if not tty:
        p = subprocess.run(cmd, capture_output=True, env=env)
        return p.returncode, p.stdout, p.stderr
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    err = b""
    out = b""
    while True:
        ready, _, _ = select.select([master, p.stdout], [], [], 30)
        if not ready:
            p.kill()
            sys.exit("FAIL nplus1 hung")
        if p.stdout in ready:
            chunk = p.stdout.read1(65536)
            out += chunk
        if master in ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            err += chunk
            if not chunk and p.poll() is not None:
                break
        if p.poll() is not None and p.stdout not in ready and master not in ready:
            break
    out += p.stdout.read()
    os.close(master)
    return p.wait(), out, err.replace(b"\r\n", b"\n")


# On a terminal, with no delay: the line shows, counts within their totals, and is erased.
status, out, err = run(["--progress-delay", "0"], tty=True)
check(f"exit status 1 (findings) on a terminal: {status}", status == 1)
lines = LINE.findall(err)
check(f"a progress line on the terminal: {err[:200]!r}", bool(lines))
check("counts never exceed their totals", all(int(d) <= int(t) for _, d, t, _ in lines))
check("the parse stage counts files, the analysis modules",
      all((v == b"parsing") == (u == b"files") for v, _, _, u in lines))
last = err.rfind(b"\rnplus1: ")
drawn = LINE.match(err, last)
erase = re.match(rb"\r( +)\r", err[drawn.end():].lstrip(b" \b")) if drawn else None
check(f"the last line drawn is erased with blanks: {err[last:last + 200]!r}",
      bool(erase) and len(erase.group(1)) >= drawn.end() - last - 1)
check("the report on stdout holds no progress", b"nplus1: parsing" not in out and b"NP10" in out)

# The same run with stderr not a terminal: no progress, the same report.
status2, out2, err2 = run(["--progress-delay", "0"], tty=False)
check("no progress when stderr is not a terminal", not LINE.search(err2) and b"\r" not in err2)
check("the report does not depend on the terminal", out2 == out and status2 == status)

# -q: never.
status3, _, err3 = run(["--progress-delay", "0", "-q"], tty=True)
check(f"no progress with -q: {err3[:120]!r}", not LINE.search(err3) and status3 == 1)

# A run shorter than the delay shows nothing.
_, _, err4 = run(["--progress-delay", "600000"], tty=True)
check(f"nothing before the delay: {err4[:120]!r}", not LINE.search(err4) and b"\r" not in err4)

sys.exit(1 if failures else 0)
