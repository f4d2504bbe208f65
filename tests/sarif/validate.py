#!/usr/bin/python3
"""Validate SARIF logs against the SARIF 2.1.0 JSON schema, plus the rules of the SARIF
spec that a schema cannot state (ruleIndex agrees with ruleId, every uriBaseId is
defined, regions do not run backwards, ...).

    /usr/bin/python3 tests/sarif/validate.py LOG.sarif [LOG.sarif ...] [--schema PATH]

LOG may be `-` for standard input. Exit status: 0 all valid, 1 a log is invalid, 2 the
schema or the jsonschema module is missing (run scripts/bootstrap.sh).

The schema is the pinned npm package in this directory (package.json:
@microsoft/jest-sarif ships the SARIF 2.1.0 schema); jsonschema is Debian's
python3-jsonschema.
"""

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SCHEMA = HERE / "node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"

# RFC 3986: a URI reference is made of unreserved and reserved characters and
# percent-encoded octets only; a URI also starts with a scheme.
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_uri_reference(value):
    return not isinstance(value, str) or bool(_URI_CHARS.match(value))


def is_uri(value):
    return not isinstance(value, str) or (is_uri_reference(value) and bool(_SCHEME.match(value)))


def format_checker(jsonschema):
    """The stock checker, plus `uri` / `uri-reference`, which jsonschema checks only when
    optional modules (not packaged for Debian 12) are installed."""
    checker = jsonschema.FormatChecker()
    checker.checks("uri")(is_uri)
    checker.checks("uri-reference")(is_uri_reference)
    return checker


def region_errors(region, where):
    errors = []
    start, end = region.get("startLine"), region.get("endLine", region.get("startLine"))
    if start is not None and end is not None and end < start:
        errors.append(f"{where}: endLine {end} is before startLine {start}")
    if start is not None and start == end:
        begin, stop = region.get("startColumn", 1), region.get("endColumn")
        if stop is not None and stop < begin:
            errors.append(f"{where}: endColumn {stop} is before startColumn {begin}")
    return errors


def semantic_errors(log):
    """Checks of SARIF 2.1.0 'SHALL's that the JSON schema does not encode."""
    errors = []
    for r, run in enumerate(log.get("runs", [])):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        ids = [rule.get("id") for rule in rules]
        if len(set(ids)) != len(ids):
            errors.append(f"runs[{r}].tool.driver.rules: duplicate rule ids")
        bases = run.get("originalUriBaseIds", {})
        for name, base in bases.items():
            uri = base.get("uri", "")
            if not _SCHEME.match(uri) or not uri.endswith("/"):  # §3.14.14
                errors.append(f"runs[{r}].originalUriBaseIds[{name}]: {uri!r} must be an "
                              "absolute URI ending with '/'")

        def check_artifact(location, where):
            base = location.get("uriBaseId")
            if base is not None and base not in bases:
                errors.append(f"{where}: uriBaseId {base!r} is not in originalUriBaseIds")
            if base is not None and _SCHEME.match(location.get("uri", "")):
                errors.append(f"{where}: an absolute uri cannot have a uriBaseId")

        def check_physical(physical, where):
            if "artifactLocation" in physical:
                check_artifact(physical["artifactLocation"], where + ".artifactLocation")
            if "region" in physical:
                errors.extend(region_errors(physical["region"], where + ".region"))

        for i, result in enumerate(run.get("results", [])):
            where = f"runs[{r}].results[{i}]"
            index = result.get("ruleIndex")
            if index is not None:  # §3.27.6: ruleIndex points at the rule ruleId names
                if not 0 <= index < len(rules):
                    errors.append(f"{where}: ruleIndex {index} is out of range")
                elif ids[index] != result.get("ruleId"):
                    errors.append(f"{where}: ruleIndex {index} is {ids[index]!r}, "
                                  f"not ruleId {result.get('ruleId')!r}")
            for j, loc in enumerate(result.get("locations", [])):
                check_physical(loc.get("physicalLocation", {}), f"{where}.locations[{j}]")
            related = result.get("relatedLocations", [])
            related_ids = [loc["id"] for loc in related if "id" in loc]
            if len(set(related_ids)) != len(related_ids):  # §3.28.2
                errors.append(f"{where}.relatedLocations: duplicate ids")
            for j, loc in enumerate(related):
                check_physical(loc.get("physicalLocation", {}),
                               f"{where}.relatedLocations[{j}]")
            for f, fix in enumerate(result.get("fixes", [])):
                for c, change in enumerate(fix.get("artifactChanges", [])):
                    at = f"{where}.fixes[{f}].artifactChanges[{c}]"
                    check_artifact(change.get("artifactLocation", {}), at + ".artifactLocation")
                    for p, rep in enumerate(change.get("replacements", [])):
                        errors.extend(region_errors(rep.get("deletedRegion", {}),
                                                    f"{at}.replacements[{p}].deletedRegion"))
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", help="SARIF files, or - for standard input")
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA)
    args = parser.parse_args()

    try:
        import jsonschema
    except ImportError:
        print("validate.py: the jsonschema module is missing (apt-get install "
              "python3-jsonschema; scripts/bootstrap.sh does)", file=sys.stderr)
        return 2
    if not args.schema.is_file():
        print(f"validate.py: no SARIF schema at {args.schema} (npm ci in tests/sarif; "
              "scripts/bootstrap.sh does)", file=sys.stderr)
        return 2
    schema = json.loads(args.schema.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=format_checker(jsonschema))

    failed = False
    for name in args.logs:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
            log = json.loads(text)
        except (OSError, ValueError) as e:
            print(f"{name}: cannot read a JSON document: {e}")
            failed = True
            continue
        errors = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                  for e in sorted(validator.iter_errors(log), key=lambda e: [str(p) for p in e.path])]
        errors += semantic_errors(log)
        results = sum(len(run.get("results", [])) for run in log.get("runs", []))
        if errors:
            failed = True
            for error in errors:
                print(f"{name}: {error}")
            print(f"{name}: INVALID, {len(errors)} error(s)")
        else:
            print(f"{name}: valid SARIF 2.1.0, {results} result(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
