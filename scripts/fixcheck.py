#!/usr/bin/python3
"""Check that nplus1's fixes are safe on a real tree.

    python3 scripts/fixcheck.py BIN TREE [--work DIR] [--json]

TREE is never written: it is copied to DIR/<basename> (default
/tmp/fixcheck), where `BIN check --fix --unsafe-fixes --no-cache` runs.
Two checks:

1. parse: every .py file the fix changed that parsed before (python3
   ast.parse) must still parse.
2. lookups: every lookup a fix adds (from `BIN check --format json
   --unsafe-fixes` on TREE: each finding's fix.edits) must be a valid path
   from the queryset's model in `BIN models --format json TREE`:
   select_related / list_select_related steps fk, o2o or reverse-o2o;
   prefetch_related steps any relation; only() steps before the last fk/o2o
   (the last step may be a plain field, which the model list does not hold).
   The queryset's model is the `Name.objects` root the message names when
   one model has that class name, else the row model (`per app.Model row`);
   when the lookup is valid from neither but from some other model (the
   queryset is a related manager or get_queryset()), it counts as
   root_inferred. Lookups from Django's own models (auth.User...), which
   `models` does not list, count as unchecked.

Prints one line per failure with its cause, then a summary; exits 1 when
anything failed.
"""
import argparse
import ast
import collections
import json
import os
import re
import shutil
import subprocess
import sys

SELECT_KINDS = {'fk', 'o2o', 'reverse-o2o'}
STRING_RE = re.compile(r"""'([^'\\]*)'|"([^"\\]*)\"""")
CALL_RE = re.compile(r'\.(select_related|prefetch_related|only)\(')
UNKNOWN = 'unknown model'  # Django's own (auth.User...): not listed
ROW_RE = re.compile(r'per ([\w.]+) row')
ROOT_RE = re.compile(r'\b([A-Z]\w*)\.objects\b')


def run(args, cwd=None):
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    return proc.stdout


def parses(data):
    try:
        ast.parse(data)
        return True
    except (SyntaxError, ValueError):
        return False


class Models:
    def __init__(self, doc):
        self.relations = {}
        self.by_class = collections.defaultdict(list)
        self.parents = {}
        for m in doc['models']:
            self.parents[m['name']] = m.get('parents', [])
            self.relations[m['name']] = {r['name']: r for r in m['relations']}
            self.by_class[m['name'].rsplit('.', 1)[-1]].append(m['name'])

    def relation(self, model, name):
        """The relation `name` of model, its own or a parent's (proxy,
        multi-table)."""
        rel = self.relations.get(model, {}).get(name)
        if rel is not None:
            return rel
        for parent in self.parents.get(model, []):
            rel = self.relation(parent, name)
            if rel is not None:
                return rel
        return None

    def builtin_parent(self, model):
        return any(p not in self.relations or self.builtin_parent(p)
                   for p in self.parents.get(model, []))

    def walk(self, root, lookup, kind):
        """None when valid, else why not."""
        model = root
        steps = lookup.split('__')
        for i, step in enumerate(steps):
            if kind == 'only' and i == len(steps) - 1:
                return None
            if model not in self.relations:
                return UNKNOWN
            rel = self.relation(model, step)
            if rel is None and self.builtin_parent(model):
                return UNKNOWN  # a relation of Django's own parent (auth.Group)
            if rel is None:
                return f'{model} has no relation {step!r}'
            if kind == 'select' and rel['kind'] not in SELECT_KINDS:
                return f'select_related through {rel["kind"]} {model}.{step}'
            if kind == 'only' and rel['kind'] not in {'fk', 'o2o'}:
                return f'only() through {rel["kind"]} {model}.{step}'
            if rel['kind'] in {'gfk'}:
                if i != len(steps) - 1:
                    return f'lookup goes on past generic FK {model}.{step}'
                return None
            model = rel['target']
        return None


def enclosing(text, offset):
    """The kind of the call or tuple an edit at offset extends."""
    depth = 0
    i = offset - 1
    while i >= 0:
        c = text[i]
        if c in ')]':
            depth += 1
        elif c in '([':
            if depth == 0:
                head = text[max(0, i - 60):i + 1]
                m = re.search(r'(select_related|prefetch_related|only)\s*\($', head)
                if m:
                    return m.group(1)
                if re.search(r'list_select_related\s*=\s*[(\[]$', head):
                    return 'select_related'
                return None
            depth -= 1
        i -= 1
    return None


def edit_lookups(text, edit):
    """[(kind, lookup)] that one edit adds."""
    content = edit['content']
    out = []
    if 'list_select_related' in content:
        body = content.split('list_select_related', 1)[1]
        for m in STRING_RE.finditer(body):
            out.append(('select_related', m.group(1) or m.group(2)))
        return out
    calls = list(CALL_RE.finditer(content))
    if calls:
        for n, call in enumerate(calls):
            end = calls[n + 1].start() if n + 1 < len(calls) else len(content)
            seg = content[call.end():end]
            # Prefetch('x', queryset=...) keeps its first string only.
            for m in STRING_RE.finditer(seg):
                out.append((call.group(1), m.group(1) or m.group(2)))
        return out
    kind = enclosing(text, edit['offset'])
    if kind is None:
        return [(None, m.group(1) or m.group(2))
                for m in STRING_RE.finditer(content)]
    return [(kind, m.group(1) or m.group(2))
            for m in STRING_RE.finditer(content)]


def roots(models, finding):
    msg = finding['message']
    names = []
    for m in ROOT_RE.finditer(msg):
        cands = models.by_class.get(m.group(1), [])
        if len(cands) == 1:
            names.append(cands[0])
    row = ROW_RE.search(msg)
    if row:
        names.append(row.group(1))
    seen = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def check_tree(binary, tree, work, report):
    name = os.path.basename(os.path.normpath(tree)).split('+')[-1]
    copy = os.path.join(work, name)
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(tree, copy, symlinks=True)
    for root, dirs, files in os.walk(copy):
        os.chmod(root, 0o755)
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                os.chmod(p, 0o644)
    models = Models(json.loads(run([binary, 'models', '--format', 'json', '.'], cwd=tree)))
    doc = json.loads(run([binary, 'check', '--format', 'json',
                          '--unsafe-fixes', '--no-cache', '.'], cwd=tree))
    run([binary, 'check', '--fix', '--unsafe-fixes', '--no-cache',
         '--no-color', '.'], cwd=copy)

    stats = collections.Counter()
    fails = []
    texts = {}
    for f in doc['findings']:
        fix = f.get('fix')
        if not fix:
            continue
        stats['fixes'] += 1
        cands = roots(models, f)
        for e in fix['edits']:
            path = os.path.join(tree, e['path'])
            if path not in texts:
                with open(path, 'rb') as fh:
                    texts[path] = fh.read().decode('utf-8', 'replace')
            for kind, lookup in edit_lookups(texts[path], e):
                if kind is None:
                    if e['content'].strip().startswith('chunk_size'):
                        continue
                    fails.append(('lookup', f"{e['path']}:{e['line']}",
                                  f'cannot tell which call {lookup!r} goes to'))
                    continue
                stats['lookups'] += 1
                walk_kind = {'select_related': 'select',
                             'prefetch_related': 'prefetch',
                             'only': 'only'}[kind]
                if walk_kind == 'only':
                    stats['only_lookups'] += 1
                why = None
                for root in cands:
                    why = models.walk(root, lookup, walk_kind)
                    if why is None:
                        break
                if not cands:
                    why = 'no queryset model in the message'
                if why is not None and why != UNKNOWN and any(
                        models.walk(m, lookup, walk_kind) is None
                        for m in models.relations):
                    # The queryset's model is not in the message (a related
                    # manager, get_queryset()...): valid from some model.
                    stats['root_inferred'] += 1
                    why = None
                if why == UNKNOWN:
                    stats['unchecked'] += 1
                    stats['lookups'] -= 1
                    continue
                if why is not None:
                    fails.append(('lookup', f"{e['path']}:{e['line']}",
                                  f'{kind}({lookup!r}) from {"/".join(cands)}: '
                                  f'{why} [{f["code"]}]'))

    diff = run(['diff', '-rq', tree, copy])
    for line in diff.splitlines():
        m = re.match(r'Files (.*) and (.*) differ$', line)
        if not m or not m.group(1).endswith('.py'):
            continue
        stats['files'] += 1
        with open(m.group(1), 'rb') as fh:
            before = fh.read()
        with open(m.group(2), 'rb') as fh:
            after = fh.read()
        if not parses(before):
            stats['files_unparsed_before'] += 1
            continue
        if not parses(after):
            fails.append(('parse', os.path.relpath(m.group(1), tree),
                          'fixed file does not parse'))
    stats['parse_failures'] = sum(1 for f in fails if f[0] == 'parse')
    stats['invalid_lookups'] = sum(1 for f in fails if f[0] == 'lookup')
    for kind, where, why in fails:
        report.write(f'{name}: {kind}: {where}: {why}\n')
    return name, stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('binary')
    ap.add_argument('trees', nargs='+')
    ap.add_argument('--work', default='/tmp/fixcheck')
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    os.makedirs(args.work, exist_ok=True)
    total = collections.Counter()
    rows = []
    for tree in args.trees:
        name, stats = check_tree(binary, os.path.abspath(tree), args.work,
                                 sys.stdout)
        rows.append((name, stats))
        total.update(stats)
    cols = ('fixes', 'files', 'lookups', 'root_inferred', 'unchecked', 'parse_failures', 'invalid_lookups')
    print(f'{"project":<20}' + ''.join(f'{c:>16}' for c in cols))
    for name, stats in rows + [('TOTAL', total)]:
        print(f'{name:<20}' + ''.join(f'{stats[c]:>16}' for c in cols))
    return 1 if total['parse_failures'] or total['invalid_lookups'] else 0


if __name__ == '__main__':
    sys.exit(main())
