#!/usr/bin/python3
"""Checks the fetch-mode alternatives nplus1 offers on a fixture project pinned to Django 6.1+.

    alternatives_test.py BIN PROJECT

A `# alternative: TEXT` comment marks the finding on one of the next three lines: that
finding must offer an alternative, and the file with the alternative's edits applied (alone)
must parse and contain TEXT. Every other finding must offer none. Each applied file must
bind the name the call uses at module level before the call (an import of django.db.models
or of FETCH_PEERS). Then the same project pinned to Django 5.2 must offer no alternative.
"""
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MARK = re.compile(r"#\s*alternative:\s*(.+?)\s*$")


def run(binary, root):
    out = subprocess.run([binary, "check", "--no-cache", "--unsafe-fixes", "--format", "json",
                          root], capture_output=True, text=True, cwd=root)
    if out.returncode not in (0, 1):
        sys.exit(f"nplus1 failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)["findings"]


def markers(root):
    """(relative path, line of the finding it marks) -> expected text."""
    found = {}
    for base, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(base, name)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as f:
                for no, line in enumerate(f, 1):
                    m = MARK.search(line)
                    if m:
                        found[(rel, no)] = m.group(1)
    return found


def bound_before(tree, name, line):
    """True when a module-level import above `line` binds `name` to FETCH_PEERS (or its
    module) from django.db.models."""
    head = name.split(".")[0]
    for node in tree.body:
        if node.lineno >= line:
            break
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                local = a.asname or a.name
                qual = f"{node.module}.{a.name}"
                if local == head and qual in ("django.db.models", "django.db.models.FETCH_PEERS"):
                    return True
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.asname == head and a.name == "django.db.models":
                    return True
    return False


def main():
    binary, project = os.path.abspath(sys.argv[1]), sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as work:
        root = os.path.join(work, "p")
        shutil.copytree(project, root, ignore=shutil.ignore_patterns(".nplus1_cache", "*.fixed"))
        marks = markers(root)
        used = set()
        offered = 0
        for f in run(binary, root):
            loc = f["location"]
            rel = os.path.relpath(os.path.join(root, loc["path"]), root) \
                if not os.path.isabs(loc["path"]) else os.path.relpath(loc["path"], root)
            key = next((k for k in marks if k[0] == rel and 0 < loc["line"] - k[1] <= 3), None)
            alts = f.get("alternatives", [])
            where = f"{rel}:{loc['line']} {f['code']}"
            if key is None:
                if alts:
                    failures.append(f"{where}: unexpected alternative {alts[0]['title']}")
                continue
            used.add(key)
            if len(alts) != 1:
                failures.append(f"{where}: expected one alternative, got {len(alts)}")
                continue
            alt = alts[0]
            offered += 1
            if alt["applicability"] != "unsafe":
                failures.append(f"{where}: the alternative is {alt['applicability']}, not unsafe")
            paths = {e["path"] for e in alt["edits"]}
            if len(paths) != 1:
                failures.append(f"{where}: edits in {len(paths)} files")
                continue
            path = os.path.join(root, paths.pop())
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            data = text.encode("utf-8")
            for e in sorted(alt["edits"], key=lambda e: e["offset"], reverse=True):
                data = data[:e["offset"]] + e["content"].encode() + data[e["end_offset"]:]
            new = data.decode("utf-8")
            try:
                tree = ast.parse(new)
            except SyntaxError as err:
                failures.append(f"{where}: the applied alternative does not parse: {err}")
                continue
            if marks[key] not in new:
                failures.append(f"{where}: `{marks[key]}` not in the applied file")
            for m in re.finditer(r"\.fetch_mode\(([\w.]+)\)", new):
                line = new.count("\n", 0, m.start()) + 1
                if not bound_before(tree, m.group(1), line):
                    failures.append(f"{where}: `{m.group(1)}` is not imported above line {line}")
        for key in sorted(set(marks) - used):
            failures.append(f"{key[0]}:{key[1]}: no finding below this alternative marker")
        # Before Django 6.1 there is no fetch_mode(): nothing is offered.
        for name in ("requirements.txt",):
            p = os.path.join(root, name)
            if os.path.exists(p):
                os.remove(p)
        with open(os.path.join(root, "nplus1.toml"), "w") as fh:
            fh.write('django-version = "5.2"\n')
        old = [f for f in run(binary, root) if f.get("alternatives")]
        if old:
            failures.append(f"{len(old)} alternatives offered on Django 5.2")
    for line in failures:
        print("FAIL", line)
    print(f"{offered} alternatives checked, {len(failures)} failures")
    if offered == 0:
        print("FAIL no alternative was offered")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
