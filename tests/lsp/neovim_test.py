#!/usr/bin/env python3
"""workflow.lsp.neovim: a real editor's LSP client against `nplus1 server`.

Runs Neovim headless with tests/lsp/minimal_init.lua on a copy of the article's project and
checks what Neovim saw: the template's NP101 diagnostic (source, code, line), the quick fix
that edits the view, the rule's documentation on hover, the template's finding gone once
the view's buffer (unsaved) has the fix, and the server's clean exit. Skipped (status 77)
when Neovim is not installed (scripts/bootstrap.sh installs it).

Usage: neovim_test.py NPLUS1 ARTICLE_FIXTURE
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

failures = 0


def check(condition, what):
    global failures
    print(("ok " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures += 1


def main():
    nvim = shutil.which("nvim")
    if not nvim:
        print("SKIPPED: Neovim (nvim) is not installed")
        return 77
    nplus1, fixture = os.path.realpath(sys.argv[1]), sys.argv[2]
    init = pathlib.Path(__file__).resolve().parent / "minimal_init.lua"
    work = pathlib.Path(tempfile.mkdtemp())
    try:
        project = work / "article"
        shutil.copytree(fixture, project, ignore=shutil.ignore_patterns(".nplus1_cache"))
        view = project / "orders" / "views.py"
        template = project / "orders" / "templates" / "orders" / "list.html"
        view_text = view.read_text()
        out = work / "seen.json"
        env = dict(os.environ, NPLUS1_BIN=nplus1, NPLUS1_ROOT=str(project),
                   NPLUS1_TEMPLATE=str(template), NPLUS1_VIEW=str(view), NPLUS1_OUT=str(out))
        # Neovim's state, logs and configuration stay in the temporary directory.
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            env[var] = str(work / "xdg")
        run = subprocess.run([nvim, "--headless", "-i", "NONE", "-n", "-u", str(init)],
                             cwd=str(project), env=env, timeout=600, capture_output=True,
                             text=True)
        check(run.returncode == 0, f"nvim exited with 0 (got {run.returncode})")
        if not out.exists():
            print("Neovim wrote nothing; its output:\n" + run.stdout + run.stderr)
            return 1
        seen = json.loads(out.read_text())
        for s in seen["steps"]:
            check(s["ok"], "nvim: " + s["name"])
        np101 = [d for d in seen.get("template", []) if d.get("code") == "NP101"]
        check(len(np101) == 1 and np101[0]["lnum"] == 1 and np101[0]["source"] == "nplus1"
              and np101[0]["severity"] == 2 and "customer" in np101[0]["message"],
              f"the template's diagnostic as Neovim shows it: {seen.get('template')}")
        actions = seen.get("actions", [])
        check(any(a["title"].startswith("nplus1: Add .select_related('customer')")
                  and a["files"] == [str(view)] for a in actions),
              f"a quick fix that edits the view: {actions}")
        check((seen.get("hover") or "").startswith("# fk-access-per-row (NP101)"),
              "hover shows the rule's documentation")
        check(not any(d.get("code") == "NP101" for d in seen.get("template_after", [])),
              "the template's finding is gone after the view's unsaved fix")
        check(seen.get("exit_code") == 0, "the server exited with 0 after shutdown and exit")
        check(view.read_text() == view_text, "the view on disk is unchanged")
    finally:
        shutil.rmtree(work)
    print("neovim_test: %s" % ("FAILED, %d failure(s)" % failures if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
