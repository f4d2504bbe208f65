#!/usr/bin/python3
"""Compare `nplus1 check --format json` output with a generated tree's .planted.json.

    /usr/bin/python3 bench/compare.py TREE/.planted.json findings.json [--verbose]

Prints one line: `found F/P planted, missed M, unexpected U (near-miss hits N)`, then (with
--verbose, or always for problems) each missed planted N+1 and each unexpected finding with
its source line. A finding is matched on (file, line, code); every finding that is not
planted is unexpected, and those on a near-miss line are counted separately too.
Exit status 0 when nothing is missed or unexpected, 1 otherwise.
"""
import json
import os
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    verbose = '--verbose' in sys.argv
    planted_path, findings_path = args
    root = os.path.dirname(os.path.abspath(planted_path))
    with open(planted_path) as f:
        info = json.load(f)
    with open(findings_path) as f:
        report = json.load(f)

    def norm(path):
        path = os.path.normpath(path)
        if os.path.isabs(path):
            path = os.path.relpath(path, root)
        return path

    planted = {(p['file'], p['line'], p['code']): p for p in info['planted']}
    near = {(n['file'], n['line']): n for n in info['near_misses']}
    found = {}
    for fd in report['findings']:
        loc = fd['location']
        found.setdefault((norm(loc['path']), loc['line'], fd['code']), fd)
    hit = [k for k in planted if k in found]
    missed = [k for k in planted if k not in found]
    unexpected = [k for k in found if k not in planted]
    near_hits = [k for k in unexpected if (k[0], k[1]) in near]

    def line_of(path, line):
        try:
            with open(os.path.join(root, path), encoding='utf-8') as f:
                return f.read().split('\n')[line - 1].strip()
        except (OSError, IndexError):
            return '?'

    print(f'found {len(hit)}/{len(planted)} planted, missed {len(missed)}, '
          f'unexpected {len(unexpected)} (near-miss hits {len(near_hits)}), '
          f'{len(near)} near-misses')
    if verbose or missed or unexpected:
        for k in sorted(missed):
            print(f'  MISSED     {k[0]}:{k[1]} {k[2]} [{planted[k]["kind"]}]: {line_of(k[0], k[1])}')
        for k in sorted(unexpected):
            tag = f'near-miss {near[(k[0], k[1])]["kind"]}' if (k[0], k[1]) in near else 'not planted'
            print(f'  UNEXPECTED {k[0]}:{k[1]} {k[2]} [{tag}]: {line_of(k[0], k[1])}')
            print(f'             {found[k]["message"]}')
    return 0 if not missed and not unexpected else 1


if __name__ == '__main__':
    sys.exit(main())
