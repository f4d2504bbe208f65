#!/usr/bin/env python3
"""workflow.lsp.scripted: drives `nplus1 server` the way an editor does, over stdio.

On a copy of the article's project (a view whose queryset feeds a template):
- requests before `initialize` get -32002, malformed JSON -32700, an unknown method -32601,
  bad params -32602, a request after `shutdown` -32600; an unknown notification gets no
  answer; none of them stops the server;
- after `initialized` the whole project's findings are published (the template's NP101,
  with the view's queryset as related information);
- the code action on the template's finding edits the view (another file) with the fix;
- the fix typed into the view's buffer, unsaved, clears the template's diagnostics, and
  dropping the select_related again brings them back (the files on disk never change);
- hover on the finding shows exactly what `nplus1 rule NP101` prints;
- the analysis goes through the project's incremental cache;
- `shutdown` then `exit` ends the server with status 0; `exit` alone with 1.

Usage: client_test.py NPLUS1 ARTICLE_FIXTURE
"""
import json
import os
import pathlib
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 120  # seconds for one analysis on a loaded machine


class Client:
    """A minimal LSP client: frames messages, reads them on a thread, tracks diagnostics."""

    started = []

    def __init__(self, argv, cwd):
        Client.started.append(self)
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox = queue.Queue()
        self.stderr = []
        self.diagnostics = {}  # uri -> the last list published
        self.versions = {}  # uri -> the document version it was published for
        self.published = []  # (time, uri, diagnostics) in arrival order
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(out.read(length))
            if message.get("method") == "textDocument/publishDiagnostics":
                p = message["params"]
                self.diagnostics[p["uri"]] = p["diagnostics"]
                self.versions[p["uri"]] = p.get("version")
                self.published.append((time.monotonic(), p["uri"], p["diagnostics"]))
            self.inbox.put(message)

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr.append(line.decode(errors="replace"))

    def send_raw(self, body):
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def send(self, message):
        self.send_raw(json.dumps(message).encode())

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def next_response(self):
        """The next message that is not a notification."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self.inbox.get(timeout=max(0.1, deadline - time.monotonic()))
            if message is None:
                raise AssertionError("the server closed its output")
            if "method" not in message:
                return message

    def call(self, method, params):
        id_ = self.request(method, params)
        response = self.next_response()
        check(response.get("id") == id_, f"{method}: the response answers request {id_}")
        return response

    def wait_published(self, uri, version):
        """Waits until diagnostics are published for `version` of the open document `uri`."""
        self.wait_diagnostics(uri, lambda d: self.versions.get(uri) == version,
                              f"diagnostics for version {version}")

    def wait_diagnostics(self, uri, predicate, what):
        """Waits until the diagnostics published for `uri` satisfy `predicate`."""
        deadline = time.monotonic() + TIMEOUT
        while not predicate(self.diagnostics.get(uri, [])):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; last for {uri}: "
                                     f"{self.diagnostics.get(uri)}")
            try:
                message = self.inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError("the server closed its output")
        return self.diagnostics.get(uri, [])


failures = 0


def check(condition, what):
    global failures
    print(("ok " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures += 1


def codes(diags):
    return sorted(d["code"] for d in diags)


def position_of(text, offset):
    """The LSP position (UTF-16 columns) of a character offset of `text`."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


def offset_of(text, pos):
    lines = text.split("\n")
    start = sum(len(l) + 1 for l in lines[:pos["line"]])
    line = lines[pos["line"]]
    units = 0
    for i, ch in enumerate(line):
        if units >= pos["character"]:
            return start + i
        units += len(ch.encode("utf-16-le")) // 2
    return start + len(line)


def apply_edits(text, edits):
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"],
                                          e["range"]["start"]["character"]), reverse=True):
        b, e_ = offset_of(text, e["range"]["start"]), offset_of(text, e["range"]["end"])
        text = text[:b] + e["newText"] + text[e_:]
    return text


def main():
    nplus1, fixture = os.path.realpath(sys.argv[1]), sys.argv[2]
    work = pathlib.Path(tempfile.mkdtemp())
    try:
        project = work / "article"
        shutil.copytree(fixture, project, ignore=shutil.ignore_patterns(".nplus1_cache"))
        run(nplus1, project)
        without_root(nplus1, project)
        cache_after_unsaved_edit(nplus1, project)
        exit_without_shutdown(nplus1, project)
    finally:
        for c in Client.started:
            if c.proc.poll() is None:
                c.proc.kill()
                c.proc.wait()
        shutil.rmtree(work)
    print("client_test: %s" % ("FAILED, %d failure(s)" % failures if failures else "ok"))
    return 1 if failures else 0


def run(nplus1, project):
    view = project / "orders" / "views.py"
    template = project / "orders" / "templates" / "orders" / "list.html"
    view_uri, template_uri = view.as_uri(), template.as_uri()
    view_text = view.read_text()
    c = Client([nplus1, "server", "--debounce-ms", "50"], cwd=str(project.parent))

    # Before initialize, and malformed input: errors, and the server goes on.
    r = c.call("textDocument/hover", {"textDocument": {"uri": view_uri},
                                      "position": {"line": 0, "character": 0}})
    check(r.get("error", {}).get("code") == -32002, "a request before initialize: -32002")
    c.send_raw(b'{"jsonrpc": "2.0", "id": 99, "method": ')
    r = c.next_response()
    check(r.get("error", {}).get("code") == -32700 and r.get("id") is None,
          "malformed JSON: -32700 with a null id")

    r = c.call("initialize", {"processId": os.getpid(), "rootUri": project.as_uri(),
                              "capabilities": {}})
    caps = r.get("result", {}).get("capabilities", {})
    check(caps.get("hoverProvider") is True and "codeActionProvider" in caps
          and caps.get("textDocumentSync", {}).get("change") == 1,
          "initialize: hover, code actions, full document sync")
    r = c.call("initialize", {"capabilities": {}})
    check(r.get("error", {}).get("code") == -32600, "a second initialize: -32600")
    c.notify("initialized", {})

    # The whole project is published, the template's finding among it.
    diags = c.wait_diagnostics(template_uri, lambda d: "NP101" in codes(d),
                               "the template's NP101 after initialized")
    d = next(d for d in diags if d["code"] == "NP101")
    check(d["source"] == "nplus1" and d["severity"] == 2 and d["range"]["start"]["line"] == 1,
          "the template's NP101: source nplus1, a warning, on line 2")
    related = [r["location"]["uri"] for r in d.get("relatedInformation", [])]
    check(view_uri in related, "its related information points at the view's queryset")
    customers = (project / "customers" / "templates" / "customers" / "list.html").as_uri()
    c.wait_diagnostics(customers, lambda d: "NP102" in codes(d),
                       "another template's NP102 without opening anything")

    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": view_uri, "languageId": "python", "version": 1, "text": view_text}})

    # The fix of the template's finding is an edit of the view.
    r = c.call("textDocument/codeAction", {
        "textDocument": {"uri": template_uri}, "range": d["range"],
        "context": {"diagnostics": [d]}})
    actions = r.get("result") or []
    titles = [a["title"] for a in actions]
    check(any(t.startswith("nplus1: Add .select_related('customer')") and
              t.endswith(("(safe)", "(unsafe)")) for t in titles),
          f"a quick fix titled with the fix and its safety: {titles}")
    action = actions[0] if actions else {"edit": {"changes": {}}}
    changes = action["edit"].get("changes", {})
    check(list(changes) == [view_uri] and action.get("kind") == "quickfix",
          "the quick fix edits the view, not the template")
    fixed = apply_edits(view_text, changes.get(view_uri, []))
    check("orders = Order.objects.select_related('customer').all()" in fixed,
          "applied, it adds select_related('customer') to the view's queryset")
    r = c.call("textDocument/codeAction", {
        "textDocument": {"uri": template_uri}, "range": d["range"],
        "context": {"diagnostics": [d], "only": ["source.organizeImports"]}})
    check(r.get("result") == [], "no quick fix when the client asks only for another kind")

    # Hover: the rule's documentation, as `nplus1 rule NP101` prints it.
    r = c.call("textDocument/hover", {"textDocument": {"uri": template_uri},
                                      "position": d["range"]["start"]})
    doc = subprocess.run([nplus1, "rule", "NP101"], capture_output=True, text=True).stdout
    contents = (r.get("result") or {}).get("contents", {})
    check(contents.get("kind") == "markdown" and contents.get("value") == doc,
          "hover on the finding: `nplus1 rule NP101`, as Markdown")
    r = c.call("textDocument/hover", {"textDocument": {"uri": template_uri},
                                      "position": {"line": 0, "character": 0}})
    check("result" in r and r["result"] is None, "hover away from any finding: null")

    # The fix typed into the view, unsaved: the template's finding goes away.
    c.notify("textDocument/didChange", {"textDocument": {"uri": view_uri, "version": 2},
                                        "contentChanges": [{"text": fixed}]})
    c.wait_diagnostics(template_uri, lambda d: d == [],
                       "the template's diagnostics cleared by the view's unsaved fix")
    check(view.read_text() == view_text, "the file on disk is unchanged")

    # Dropping the select_related again in the buffer brings it back: one round timed.
    start = time.monotonic()
    c.notify("textDocument/didChange", {"textDocument": {"uri": view_uri, "version": 3},
                                        "contentChanges": [{"text": view_text}]})
    c.wait_diagnostics(template_uri, lambda d: "NP101" in codes(d),
                       "the template's NP101 back after dropping select_related")
    print("ok editing a view republishes its template's diagnostics: didChange -> "
          "publishDiagnostics in %.0f ms (50 ms of it debounce)"
          % ((time.monotonic() - start) * 1000))

    # An incremental change (sent although the server asked for full ones) applies too.
    line = view_text.splitlines().index("    orders = Order.objects.all()")
    col = len("    orders = Order.objects.")
    c.notify("textDocument/didChange", {"textDocument": {"uri": view_uri, "version": 4},
                                        "contentChanges": [{
                                            "range": {"start": {"line": line, "character": col},
                                                      "end": {"line": line, "character": col}},
                                            "text": "select_related('customer')."}]})
    c.wait_diagnostics(template_uri, lambda d: "NP101" not in codes(d),
                       "an incremental change to the view clears the template's NP101")

    # Closed unsaved, the view counts as it is on disk again: the finding is back.
    c.notify("textDocument/didClose", {"textDocument": {"uri": view_uri}})
    c.wait_diagnostics(template_uri, lambda d: "NP101" in codes(d),
                       "the template's NP101 back once the edited view is closed unsaved")

    # Errors on the way do not stop the server.
    c.notify("$/nplus1/unknownNotification", {})
    r = c.call("workspace/symbol", {"query": "x"})
    check(r.get("error", {}).get("code") == -32601,
          "an unknown method: -32601 (and no answer to an unknown notification before it)")
    r = c.call("textDocument/hover", {"textDocument": {"uri": template_uri}})
    check(r.get("error", {}).get("code") == -32602, "hover without a position: -32602")
    r = c.call("textDocument/codeAction", {"textDocument": {"uri": "untitled:1"},
                                           "range": d["range"], "context": {}})
    check(r.get("error", {}).get("code") == -32602, "a URI that is not a file: -32602")

    check((project / ".nplus1_cache").is_dir(), "the analysis wrote the project's cache")
    # "N finding(s); parsed P, analyzed A, reused R module(s)": the first analysis does
    # every module, an edit of the view only the view and its importers.
    rounds = [tuple(map(int, m.groups())) for m in
              (re.search(r"analyzed (\d+), reused (\d+) module", l) for l in c.stderr) if m]
    cached = len(rounds) >= 3 and rounds[0][1] == 0 and all(
        0 < a <= 2 and r == rounds[0][0] - a for a, r in rounds[2:])
    check(cached, "the edits went through the cache: the view and its importer analyzed, "
          "the other modules reused" + ("" if cached else "; log:\n" + "".join(c.stderr)))

    r = c.call("shutdown", None)
    check("result" in r and r["result"] is None, "shutdown: a null result")
    r = c.call("textDocument/hover", {"textDocument": {"uri": template_uri},
                                      "position": d["range"]["start"]})
    check(r.get("error", {}).get("code") == -32600, "a request after shutdown: -32600")
    c.notify("exit", None)
    check(c.proc.wait(timeout=TIMEOUT) == 0, "exit after shutdown: status 0")
    check(view.read_text() == view_text, "the server wrote no source file")


def without_root(nplus1, project):
    """A client that sends no workspace root: the project of the first file opened."""
    template = project / "orders" / "templates" / "orders" / "list.html"
    c = Client([nplus1, "server", "--debounce-ms", "0"], cwd="/")
    c.call("initialize", {"rootUri": None, "capabilities": {}})
    c.notify("initialized", {})
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": template.as_uri(), "languageId": "htmldjango", "version": 7,
        "text": template.read_text()}})
    c.wait_diagnostics(template.as_uri(), lambda d: "NP101" in codes(d),
                       "without a workspace root, the opened template's NP101")
    check(c.versions.get(template.as_uri()) == 7,
          "no workspace root: the project of the first file opened, published for its version")
    c.call("shutdown", None)
    c.notify("exit", None)
    check(c.proc.wait(timeout=TIMEOUT) == 0, "exit after shutdown: status 0")


def cache_after_unsaved_edit(nplus1, project):
    """The cache the server leaves after analyzing an unsaved buffer misleads no later run:
    `nplus1 check` naming the template (the view then judged by its size and time on disk)
    still reports what the files on disk cause."""
    view = project / "orders" / "views.py"
    template = project / "orders" / "templates" / "orders" / "list.html"
    text = view.read_text()
    c = Client([nplus1, "server", "--debounce-ms", "0"], cwd=str(project))
    c.call("initialize", {"rootUri": project.as_uri(), "capabilities": {}})
    c.notify("initialized", {})
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": view.as_uri(), "languageId": "python", "version": 1,
        "text": text.replace("Order.objects.all()", "Order.objects.select_related('customer')")}})
    c.wait_published(view.as_uri(), 1)
    check(not c.diagnostics.get(template.as_uri()),
          "with the view's unsaved fix, nothing published for the template")
    c.call("shutdown", None)
    c.notify("exit", None)
    c.proc.wait(timeout=TIMEOUT)
    rel = str(template.relative_to(project))
    cached = subprocess.run([nplus1, "check", "--no-color", rel], cwd=str(project),
                            capture_output=True, text=True).stdout
    fresh = subprocess.run([nplus1, "check", "--no-color", "--no-cache", rel],
                           cwd=str(project), capture_output=True, text=True).stdout
    check(": NP101 " in cached and cached == fresh,
          "after the server, `nplus1 check` with its cache reports the files on disk")


def exit_without_shutdown(nplus1, project):
    c = Client([nplus1, "server"], cwd=str(project))
    c.call("initialize", {"rootUri": project.as_uri(), "capabilities": {}})
    c.notify("exit", None)
    check(c.proc.wait(timeout=TIMEOUT) == 1, "exit without shutdown: status 1")
    c = Client([nplus1, "server"], cwd=str(project))
    c.proc.stdin.close()
    check(c.proc.wait(timeout=TIMEOUT) == 1, "the input ending first: status 1")


if __name__ == "__main__":
    sys.exit(main())
