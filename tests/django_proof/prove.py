#!/usr/bin/python3
"""Prove a fixture project's inline expectations under real Django.

    /usr/bin/python3 tests/django_proof/prove.py PROJECT_DIR
        [--nplus1 BIN] [--unsafe-fixes] [--no-fix CASE_ID,...]

PROJECT_DIR holds manage.py and cases.py. cases.py defines
CASES = {"case_id": "module:function"} and seed(n) (or SEED). Each case
function carries exactly one marker comment:

    # expect: NP1xx   the query count must grow with the data size
    # expect: NP301   an unused eager load: the query count must not grow, and
                      after the fix it still must not grow while a JOIN or a
                      query of every size's SQL is gone (the lookup cost
                      something and nothing needed it)
    # ok[: reason]    the query count must not grow

cases.py may also define URL_CASES = {"case_id": ("/url/", "app/t.html", ...)}:
a GET through django.test.Client, whose data is the status and the response
content. The names are every project template the request renders (each
checked against the templates actually rendered, and none shared with another
case); among them they carry exactly one marker comment, a Django comment tag:

    {# expect: NP1xx #}   {# ok[: reason] #}

cases.py may also define API_CASES = {"case_id": ("/api/url/", "app/f.py:Name",
...)}: a GET (Accept: application/json) through django.test.Client to a DRF or
other JSON endpoint, whose data is the status and the decoded JSON content.
Each "path:Name" is a top-level class or function of a project .py file: the
view and the serializers the request runs (checked: the resolved view and
every project serializer whose to_representation() runs must be named; a name
may also be a serializer that only another action would use), none named by
another case. Among them they carry exactly one marker comment, as in case
functions (`# expect: NP1xx` / `# ok[: reason]`).

cases.py may also define ADMIN_CASES = {"case_id": ("/changelist/url/",
"app/admin.py:Name", ...)}: a GET through django.test.Client logged in as a
superuser (created for these requests only, after every other case of a data
size has run), whose data is the status and the page with its CSRF tokens
removed. The names are top-level classes or functions of project .py files:
the ModelAdmin that serves the changelist (checked) and the module-level
functions its list_display uses; none named by another case. Among them they
carry exactly one marker comment, as in case functions.

cases.py may also define OBJECT_CASES = {"case_id": ("module:function",
"app/f.py:Name", "app/templates/app/t.html", ...)}: a function run like a CASES
function, for code whose per-row reads sit outside it (a django-tables2 Table
whose columns read per row, a form whose choice labels do). The marker comments
are in the named top-level classes or functions of project .py files and in the
named templates (paths under a templates/ directory), exactly one among them;
none is named by another case.

cases.py may also define NO_FIX = {"case_id": "reason"}: cases whose finding
has no automatic fix (display-only rules); they are treated as if listed in
--no-fix.

For N = 2 and N = 6 the harness builds a fresh SQLite database (migrate, then
seed(N)), runs every case under CaptureQueriesContext and records the query
count and the returned data. With --nplus1 it then copies the project, runs
`BIN check --fix --no-color COPY` on the copy and measures again: no case may
grow any more (cases listed in --no-fix or NO_FIX are reported instead), no case may
run more queries at any size than before the fix, and every case must return exactly
the data it returned before the fix.

The measuring runs in a child /usr/bin/python3 process per project directory,
so the code that runs is the code on disk.
"""
import argparse
import ast
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize

SIZES = (2, 6)
PYTHON = '/usr/bin/python3'
EXPECT_RE = re.compile(r'^#\s*expect:\s*(NP\d{3})\s*$')
OK_RE = re.compile(r'^#\s*ok(?::.*)?\s*$')
MARKER_HINT_RE = re.compile(r'^#\s*(expect\b|ok\b)')
# Django's lexer (django.template.base.tag_re); comment tags are {# ... #}.
TEMPLATE_TAG_RE = re.compile(r'({%.*?%}|{{.*?}}|{#.*?#})')
TEMPLATE_EXPECT_RE = re.compile(r'^expect:\s*(NP\d{3})$')
TEMPLATE_OK_RE = re.compile(r'^ok(?::.*)?$')
TEMPLATE_HINT_RE = re.compile(r'^(expect\b|ok\b)')


# ---------------------------------------------------------------------------
# Shared helpers


def settings_module(project_dir):
    """The DJANGO_SETTINGS_MODULE that manage.py names."""
    manage = os.path.join(project_dir, 'manage.py')
    try:
        with open(manage, encoding='utf-8') as handle:
            match = re.search(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]", handle.read())
    except OSError:
        match = None
    if match:
        return match.group(1)
    return os.path.basename(os.path.abspath(project_dir)) + '.settings'


def read_markers(source, first_line, path=None):
    """Markers among the comments of one function's source.

    Returns a list of (kind, line, path) where kind is 'NP1xx' or 'ok', and a
    list of problems (malformed marker comments).
    """
    markers, problems = [], []
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        line = first_line + token.start[0] - 1
        text = token.string.strip()
        expect = EXPECT_RE.match(text)
        if expect:
            markers.append((expect.group(1), line, path))
        elif OK_RE.match(text):
            markers.append(('ok', line, path))
        elif MARKER_HINT_RE.match(text):
            problems.append(f'{path or "line"}:{line}: malformed marker {text!r}')
    return markers, problems


def read_template_markers(text, path=None):
    """Markers among the comment tags of one template, as read_markers()."""
    markers, problems = [], []
    for match in TEMPLATE_TAG_RE.finditer(text):
        token = match.group(0)
        if not token.startswith('{#'):
            continue
        line = text.count('\n', 0, match.start()) + 1
        body = token[2:-2].strip()
        expect = TEMPLATE_EXPECT_RE.match(body)
        if expect:
            markers.append((expect.group(1), line, path))
        elif TEMPLATE_OK_RE.match(body):
            markers.append(('ok', line, path))
        elif TEMPLATE_HINT_RE.match(body):
            problems.append(f'{path}:{line}: malformed marker {token!r}')
    return markers, problems


def object_span(project_dir, ref):
    """(rel, first_line, source) of the top-level class or function that
    "rel/path.py:Name" names, decorators included."""
    rel, sep, name = ref.partition(':')
    if not sep or not rel.endswith('.py') or not name.isidentifier():
        raise ValueError(f'{ref!r} is not "path/to/file.py:Name"')
    path = os.path.join(project_dir, rel)
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    tree = ast.parse(text, path)
    kinds = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    nodes = [n for n in tree.body if isinstance(n, kinds) and n.name == name]
    if len(nodes) != 1:
        raise ValueError(f'{rel} defines {len(nodes)} top-level {name!r}')
    node = nodes[0]
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = text.splitlines(keepends=True)[first - 1:node.end_lineno]
    return os.path.normpath(rel), first, ''.join(lines)


def is_template(rel):
    """Whether a project file is a template: any file under a templates/ directory."""
    parts = rel.split(os.sep)
    return 'templates' in parts[:-1] and not rel.endswith(('.py', '.pyc'))


def stray_markers(project_dir, cases):
    """Marker comments in the project's Python files and templates that no
    registered case owns."""
    owned = {(path, line) for e in cases.values() for _, line, path in e['markers']}
    stray = []
    for root, dirs, names in os.walk(project_dir):
        dirs[:] = sorted(d for d in dirs if d not in ('migrations', '__pycache__'))
        for name in sorted(names):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, project_dir)
            try:
                if name.endswith('.py'):
                    with open(path, encoding='utf-8') as handle:
                        markers, _ = read_markers(handle.read(), 1, rel)
                elif is_template(rel):
                    with open(path, encoding='utf-8') as handle:
                        markers, _ = read_template_markers(handle.read(), rel)
                else:
                    continue
            except (OSError, UnicodeDecodeError, SyntaxError, tokenize.TokenError):
                continue
            stray.extend(f'{rel}:{line}' for _, line, _ in markers if (rel, line) not in owned)
    return stray


def shared_templates(cases):
    """Templates (URL cases) and classes or functions (API cases) that more
    than one case names."""
    owners = {}
    for case_id, entry in cases.items():
        for rel in entry.get('templates', []) + entry.get('objects', []):
            owners.setdefault(rel, []).append(case_id)
    return {rel: ids for rel, ids in sorted(owners.items()) if len(ids) > 1}


def duplicate_case_ids(cases_path):
    """Keys written more than once in the CASES, URL_CASES, API_CASES and
    ADMIN_CASES dict literals of cases.py (together: a case id names one case)."""
    with open(cases_path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), cases_path)
    seen, dups = set(), []
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Dict):
            continue
        if not any(isinstance(t, ast.Name) and t.id in ('CASES', 'URL_CASES', 'API_CASES',
                                                        'ADMIN_CASES', 'OBJECT_CASES')
                   for t in node.targets):
            continue
        for key in node.value.keys:
            if isinstance(key, ast.Constant):
                if key.value in seen:
                    dups.append(key.value)
                seen.add(key.value)
    return dups


# ---------------------------------------------------------------------------
# Child: measure one project directory


def sql_cost(capture):
    """(queries, JOINs) of a CaptureQueriesContext: what an eager load costs."""
    queries = capture.captured_queries
    return len(queries), sum(q['sql'].upper().count(' JOIN ') for q in queries)


def plain(value):
    """Returned data as JSON-comparable plain values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def measure(project_dir, work):
    """Run every case at every size, with databases under work.

    Returns {'cases': {case_id: {...}}, 'errors': [...]}.
    """
    project_dir = os.path.abspath(project_dir)
    base_db = os.path.join(work, 'base.sqlite3')
    os.environ['SHOP_DB_PATH'] = base_db
    os.environ['DJANGO_SETTINGS_MODULE'] = settings_module(project_dir)
    sys.path.insert(0, project_dir)
    sys.dont_write_bytecode = True

    import importlib
    import inspect

    import django
    from django.conf import settings

    django.setup()
    # Whatever the settings say, every size gets its own file database.
    from django.core.management import call_command
    from django.db import connection
    from django.template.loader import get_template
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    # Records the templates each response rendered (response.templates).
    setup_test_environment()

    connection.close()
    connection.settings_dict['NAME'] = base_db
    settings.DATABASES['default']['NAME'] = base_db
    call_command('migrate', verbosity=0, interactive=False)
    connection.close()

    cases_module = importlib.import_module('cases')
    seed = getattr(cases_module, 'seed', None) or getattr(cases_module, 'SEED')
    result = {'cases': {}, 'errors': []}

    functions = {}
    for case_id, target in getattr(cases_module, "CASES", {}).items():
        entry = {'target': target, 'markers': [], 'problems': [], 'runs': {}}
        result['cases'][case_id] = entry
        try:
            module_name, func_name = target.split(':')
            func = getattr(importlib.import_module(module_name), func_name)
            source_lines, first_line = inspect.getsourcelines(func)
            entry['file'] = os.path.relpath(inspect.getsourcefile(func), project_dir)
            entry['markers'], entry['problems'] = read_markers(
                ''.join(source_lines), first_line, entry['file'])
            functions[case_id] = func
        except Exception as error:  # a broken case is a finding, not a crash
            entry['problems'].append(f'cannot load {target}: {type(error).__name__}: {error}')

    def project_relpath(path):
        rel = os.path.relpath(os.path.realpath(path), os.path.realpath(project_dir))
        return None if rel.startswith(os.pardir) else rel

    urls = {}
    for case_id, spec in getattr(cases_module, 'URL_CASES', {}).items():
        entry = {'target': None, 'markers': [], 'problems': [], 'runs': {}, 'templates': []}
        if case_id in result['cases']:
            result['errors'].append(f'case id {case_id!r} is in both CASES and URL_CASES')
            continue
        result['cases'][case_id] = entry
        try:
            url, *names = spec
            entry['target'] = url
            if not names:
                raise ValueError('no template named')
            for name in names:
                origin = get_template(name).origin.name
                rel = project_relpath(origin)
                if rel is None:
                    raise ValueError(f'template {name!r} is not in the project ({origin})')
                with open(origin, encoding='utf-8') as handle:
                    markers, problems = read_template_markers(handle.read(), rel)
                entry['templates'].append(rel)
                entry['markers'].extend(markers)
                entry['problems'].extend(problems)
            entry['file'] = entry['templates'][0]
            urls[case_id] = url
        except Exception as error:  # a broken case is a finding, not a crash
            entry['problems'].append(f'cannot load URL case {spec!r}: '
                                     f'{type(error).__name__}: {error}')

    def load_object_cases(registry, kind, what):
        """API_CASES / ADMIN_CASES: (url, "app/file.py:Object", ...) with markers in the objects."""
        urls_by_case = {}
        for case_id, spec in getattr(cases_module, registry, {}).items():
            entry = {'target': None, 'markers': [], 'problems': [], 'runs': {}, 'objects': []}
            if case_id in result['cases']:
                result['errors'].append(f'case id {case_id!r} is in more than one of '
                                        f'CASES, URL_CASES, API_CASES and ADMIN_CASES')
                continue
            result['cases'][case_id] = entry
            try:
                url, *refs = spec
                entry['target'] = url
                if not refs:
                    raise ValueError(f'no {what} named')
                for ref in refs:
                    rel, first, source = object_span(project_dir, ref)
                    markers, problems = read_markers(source, first, rel)
                    entry['objects'].append(f'{rel}:{ref.partition(":")[2]}')
                    entry['markers'].extend(markers)
                    entry['problems'].extend(problems)
                entry['file'] = entry['objects'][0].partition(':')[0]
                urls_by_case[case_id] = url
            except Exception as error:  # a broken case is a finding, not a crash
                entry['problems'].append(f'cannot load {kind} case {spec!r}: '
                                         f'{type(error).__name__}: {error}')
        return urls_by_case

    for case_id, spec in getattr(cases_module, 'OBJECT_CASES', {}).items():
        entry = {'target': None, 'markers': [], 'problems': [], 'runs': {}, 'objects': []}
        if case_id in result['cases']:
            result['errors'].append(f'case id {case_id!r} is in more than one of CASES, '
                                    f'URL_CASES, API_CASES, ADMIN_CASES and OBJECT_CASES')
            continue
        result['cases'][case_id] = entry
        try:
            target, *refs = spec
            entry['target'] = target
            module_name, func_name = target.split(':')
            func = getattr(importlib.import_module(module_name), func_name)
            if not refs:
                raise ValueError('no class, function or template named')
            for ref in refs:
                if ':' not in ref and is_template(os.path.normpath(ref)):
                    rel = os.path.normpath(ref)
                    with open(os.path.join(project_dir, rel), encoding='utf-8') as handle:
                        markers, problems = read_template_markers(handle.read(), rel)
                    entry['objects'].append(rel)
                else:
                    rel, first, source = object_span(project_dir, ref)
                    markers, problems = read_markers(source, first, rel)
                    entry['objects'].append(f'{rel}:{ref.partition(":")[2]}')
                entry['markers'].extend(markers)
                entry['problems'].extend(problems)
            entry['file'] = entry['objects'][0].partition(':')[0]
            functions[case_id] = func
        except Exception as error:  # a broken case is a finding, not a crash
            entry['problems'].append(f'cannot load object case {spec!r}: '
                                     f'{type(error).__name__}: {error}')

    apis = load_object_cases('API_CASES', 'API', 'view or serializer')
    admins = load_object_cases('ADMIN_CASES', 'admin', 'ModelAdmin')

    result['no_fix'] = {str(k): str(v) for k, v in getattr(cases_module, 'NO_FIX', {}).items()}

    # The project serializers whose to_representation() runs during a request.
    served = set()
    if apis:
        from rest_framework import serializers as drf_serializers

        original = drf_serializers.Serializer.to_representation

        def recording(self, instance):
            served.add(type(self))
            return original(self, instance)

        drf_serializers.Serializer.to_representation = recording

    def project_object(module_name, name):
        """"rel.py:Name" of a top-level object of a project module, or None."""
        module = sys.modules.get(module_name)
        rel = project_relpath(module.__file__) if module and getattr(module, '__file__', None) else None
        return f'{rel}:{name}' if rel else None

    for size in SIZES:
        db = os.path.join(work, f'n{size}.sqlite3')
        shutil.copyfile(base_db, db)
        connection.close()
        connection.settings_dict['NAME'] = db
        try:
            seed(size)
        except Exception as error:
            result['errors'].append(f'seed({size}) failed: {type(error).__name__}: {error}')
            break
        for case_id, func in functions.items():
            capture = CaptureQueriesContext(connection)
            run = {}
            try:
                with capture:
                    data = func()
                run['data'] = plain(data)
            except Exception as error:
                run['error'] = f'{type(error).__name__}: {error}'
            run['queries'], run['joins'] = sql_cost(capture)
            result['cases'][case_id]['runs'][str(size)] = run
        for case_id, url in urls.items():
            entry = result['cases'][case_id]
            capture = CaptureQueriesContext(connection)
            run = {}
            try:
                client = Client(raise_request_exception=True)
                with capture:
                    response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f'GET {url} answered {response.status_code}')
                rendered = sorted({rel for rel in (
                    project_relpath(t.origin.name) for t in response.templates
                    if t.origin is not None and t.origin.name) if rel is not None})
                named = sorted(set(entry['templates']))
                if rendered != named:
                    raise RuntimeError(f'GET {url} rendered {rendered}, URL_CASES names {named}')
                run['data'] = {'status': response.status_code,
                               'content': response.content.decode('utf-8')}
            except Exception as error:
                run['error'] = f'{type(error).__name__}: {error}'
            run['queries'], run['joins'] = sql_cost(capture)
            entry['runs'][str(size)] = run
        for case_id, url in apis.items():
            entry = result['cases'][case_id]
            capture = CaptureQueriesContext(connection)
            run = {}
            served.clear()
            try:
                client = Client(raise_request_exception=True)
                with capture:
                    response = client.get(url, HTTP_ACCEPT='application/json')
                if response.status_code != 200:
                    raise RuntimeError(f'GET {url} answered {response.status_code}')
                content_type = response.get('Content-Type', '')
                if not content_type.startswith('application/json'):
                    raise RuntimeError(f'GET {url} answered {content_type!r}, not JSON')
                view = response.resolver_match.func
                ran = {project_object(view.__module__, view.__name__)}
                ran |= {project_object(cls.__module__, cls.__qualname__) for cls in served}
                ran.discard(None)
                named = set(entry['objects'])
                view_ref = project_object(view.__module__, view.__name__)
                if view_ref is None or view_ref not in named:
                    raise RuntimeError(f'GET {url} is served by {view_ref or view!r}, '
                                       f'which API_CASES does not name')
                if not ran <= named:
                    raise RuntimeError(f'GET {url} ran {sorted(ran - named)}, '
                                       f'which API_CASES does not name')
                run['data'] = {'status': response.status_code,
                               'json': json.loads(response.content.decode('utf-8'))}
            except Exception as error:
                run['error'] = f'{type(error).__name__}: {error}'
            run['queries'], run['joins'] = sql_cost(capture)
            entry['runs'][str(size)] = run
        if admins:
            run_admin_cases(result, admins, size, project_object)
    connection.close()
    return result


CSRF_RE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def run_admin_cases(result, admins, size, project_object):
    """GET every admin changelist of ADMIN_CASES as a superuser that exists only
    while they run (so no other case sees it)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.create_superuser(
        username='nplus1-proof-admin', email='admin@example.com', password=None)
    client = Client(raise_request_exception=True)
    try:
        client.force_login(user)
        for case_id, url in admins.items():
            entry = result['cases'][case_id]
            capture = CaptureQueriesContext(connection)
            run = {}
            try:
                with capture:
                    response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f'GET {url} answered {response.status_code}')
                model_admin = getattr(response.resolver_match.func, 'model_admin', None)
                if model_admin is None:
                    raise RuntimeError(f'GET {url} is not served by a ModelAdmin')
                admin_ref = project_object(type(model_admin).__module__,
                                           type(model_admin).__qualname__)
                if admin_ref is None or admin_ref not in entry['objects']:
                    raise RuntimeError(f'GET {url} is served by {admin_ref or model_admin!r}, '
                                       f'which ADMIN_CASES does not name')
                run['data'] = {'status': response.status_code,
                               'content': CSRF_RE.sub(r'\1\2', response.content.decode('utf-8'))}
            except Exception as error:
                run['error'] = f'{type(error).__name__}: {error}'
            run['queries'], run['joins'] = sql_cost(capture)
            entry['runs'][str(size)] = run
    finally:
        client.logout()
        user.delete()


def measure_in_scratch(project_dir):
    """measure() with its scratch directory always removed."""
    work = tempfile.mkdtemp(prefix='nplus1-proof-')
    try:
        return measure(project_dir, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_child(project_dir):
    """Measure project_dir in a fresh interpreter and return its results."""
    proc = subprocess.run(
        [PYTHON, os.path.abspath(__file__), '--child', project_dir],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f'measuring {project_dir} failed (exit {proc.returncode}):\n'
                           f'{proc.stderr}{proc.stdout}')
    return json.loads(proc.stdout)


# ---------------------------------------------------------------------------
# Parent: check, fix, compare, report


def copy_project(project_dir):
    target_root = tempfile.mkdtemp(prefix='nplus1-fixed-')
    target = os.path.join(target_root, os.path.basename(os.path.abspath(project_dir)))
    shutil.copytree(project_dir, target,
                    ignore=shutil.ignore_patterns('__pycache__', '*.pyc', '*.sqlite3'))
    return target_root, target


def snapshot(directory):
    files = {}
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        for name in names:
            path = os.path.join(root, name)
            with open(path, 'rb') as handle:
                files[os.path.relpath(path, directory)] = handle.read()
    return files


def grows(run_by_size):
    small, large = run_by_size.get(str(SIZES[0])), run_by_size.get(str(SIZES[-1]))
    return large['queries'] > small['queries']


def canonical(data):
    return json.dumps(data, sort_keys=True)


def judge(case_id, base, fixed, no_fix):
    """Verdict for one case: (passed, notes, identical)."""
    notes = []
    markers = base['markers']
    notes.extend(base['problems'])
    if not markers:
        notes.append('no marker')
    elif len(markers) > 1:
        notes.append('%d markers (%s)' % (len(markers), ', '.join(
            f'{path}:{line}' for _, line, path in markers)))
    runs = base['runs']
    for size in SIZES:
        run = runs.get(str(size))
        if run is None:
            notes.append(f'not run at N={size}')
        elif 'error' in run:
            notes.append(f'N={size}: {run["error"]}')
    if notes:
        return False, notes, None
    kind = markers[0][0]
    if kind in ('ok', 'NP301') and grows(runs):
        notes.append(f'marked {kind} but the query count grows')
    if kind not in ('ok', 'NP301') and not grows(runs):
        notes.append(f'marked {kind} but the query count does not grow')
    if kind == 'NP301' and case_id in no_fix:
        notes.append('an NP301 case must be proven by its fix: not in --no-fix / NO_FIX')
    identical = None
    if fixed is not None:
        fruns = fixed['runs']
        broken = False
        for size in SIZES:
            run = fruns.get(str(size))
            if run is None:
                notes.append(f'after fix: not run at N={size}')
                broken = True
            elif 'error' in run:
                notes.append(f'after fix N={size}: {run["error"]}')
                broken = True
        if not broken:
            identical = all(canonical(fruns[str(s)]['data']) == canonical(runs[str(s)]['data'])
                            for s in SIZES)
            if not identical and case_id in no_fix:
                # A case in NO_FIX documents why its fix is not safe to apply, e.g. a
                # prefetch that a write in the same loop would make stale: the changed
                # data is the proof of that reason, reported, not a failure.
                notes.append('no fix (allowed by --no-fix / NO_FIX): the unsafe fix changes '
                             'the returned data')
            elif not identical:
                notes.append('after fix: returned data differs')
            if kind == 'NP301':
                # The lookup cost something (a JOIN or a query) at every size, and the fix
                # took that away without making anything grow (checked below).
                for size in SIZES:
                    before, after = runs[str(size)], fruns[str(size)]
                    cost = (f'N={size}: {before["queries"]} queries/{before["joins"]} JOINs'
                            f' -> {after["queries"]}/{after["joins"]}')
                    if after['queries'] < before['queries'] or (
                            after['queries'] == before['queries']
                            and after['joins'] < before['joins']):
                        notes.append('proof: ' + cost)
                    else:
                        notes.append('after fix: no JOIN or query is gone (' + cost + ')')
            for size in SIZES:
                # A fix must never add queries, wherever the case's count stood.
                before, after = runs[str(size)]['queries'], fruns[str(size)]['queries']
                if after > before:
                    notes.append(f'after fix N={size}: {before} -> {after} queries '
                                 '(the fix adds queries)')
            if grows(fruns):
                if case_id in no_fix:
                    notes.append('no fix (allowed by --no-fix / NO_FIX)')
                else:
                    notes.append('after fix: the query count still grows')
            elif case_id in no_fix:
                notes.append('listed in --no-fix / NO_FIX but the fix works')
        else:
            identical = False
    failed = [n for n in notes
              if not n.startswith(('no fix (allowed', 'listed in --no-fix', 'proof: '))]
    return not failed, notes, identical


def print_table(rows):
    header = ['case', 'marker', 'N=2', 'N=6', 'fixed N=2', 'fixed N=6', 'identical', 'result']
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = ' | '.join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print('-+-'.join('-' * w for w in widths))
    for row in rows:
        print(' | '.join(str(c).ljust(w) for c, w in zip(row, widths)))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('project')
    parser.add_argument('--nplus1', metavar='BIN', help='analyzer binary; run its --fix on a copy')
    parser.add_argument('--unsafe-fixes', action='store_true', help='pass --unsafe-fixes to BIN')
    parser.add_argument('--no-fix', default='', metavar='CASE_ID,...',
                        help='cases whose finding has no fix: report, do not fail')
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        json.dump(measure_in_scratch(args.project), sys.stdout)
        return 0

    project = os.path.abspath(args.project)
    # Without Django nothing can be measured: fail and say why (never a pass that proved
    # nothing; CTest shows it failed, not skipped, because the proofs are the point).
    probe = subprocess.run([PYTHON, '-c', 'import django; print(django.get_version())'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           check=False)
    if probe.returncode != 0:
        print(f'FAIL Django cannot be imported by {PYTHON} (install python3-django; '
              f'scripts/bootstrap.sh does): nothing in {project} was proved\n'
              f'{probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else ""}')
        return 1
    no_fix = {c for c in args.no_fix.split(',') if c}
    try:
        base = run_child(project)
    except RuntimeError as error:
        print(f'ERROR {error}')
        return 2
    registered_no_fix = set(base.get('no_fix', {}))
    global_failures = list(base['errors'])
    for dup in duplicate_case_ids(os.path.join(project, 'cases.py')):
        global_failures.append(f'case id {dup!r} is written twice in CASES and URL_CASES')
    for where in stray_markers(project, base['cases']):
        global_failures.append(f'marker at {where} is in no case registered in cases.py')
    for rel, ids in shared_templates(base['cases']).items():
        kind = 'template' if is_template(rel) else 'class/function'
        global_failures.append(f'{kind} {rel} is named by more than one case: {", ".join(ids)}')
    unknown = sorted(no_fix - set(base['cases']))
    if unknown:
        global_failures.append('--no-fix names unknown cases: ' + ', '.join(unknown))
    unknown = sorted(registered_no_fix - set(base['cases']))
    if unknown:
        global_failures.append('NO_FIX in cases.py names unknown cases: ' + ', '.join(unknown))
    no_fix |= registered_no_fix

    fixed = None
    fix_failed = False
    if args.nplus1:
        tmp_root, copy = copy_project(project)
        try:
            before = snapshot(copy)
            command = [args.nplus1, 'check', '--fix']
            if args.unsafe_fixes:
                command.append('--unsafe-fixes')
            command += ['--no-color', copy]
            proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, check=False)
            after = snapshot(copy)
            changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
            print(f'$ {" ".join(command)}  -> exit {proc.returncode}, '
                  f'{len(changed)} file(s) changed: {", ".join(changed) or "none"}')
            if proc.returncode not in (0, 1):
                fix_failed = True
                global_failures.append(f'{args.nplus1} exited {proc.returncode}:\n'
                                       f'{proc.stderr}{proc.stdout}')
            else:
                try:
                    fixed = run_child(copy)
                    global_failures.extend('after fix: ' + e for e in fixed['errors'])
                except RuntimeError as error:
                    fix_failed = True
                    global_failures.append(f'after fix: {error}')
        finally:
            shutil.rmtree(tmp_root, ignore_errors=True)

    rows, passed, failed, reports = [], 0, 0, []
    for case_id, entry in base['cases'].items():
        fixed_entry = fixed['cases'].get(case_id) if fixed else None
        if fixed is not None and fixed_entry is None:
            fixed_entry = {'runs': {}}
        ok, notes, identical = judge(case_id, entry, fixed_entry, no_fix)
        if fix_failed:
            ok = False
            notes.append('the fix step failed')
        marker = entry['markers'][0][0] if len(entry['markers']) == 1 else '?'

        def count(e, size):
            run = e['runs'].get(str(size)) if e else None
            return '-' if run is None or 'error' in run else run['queries']

        rows.append([
            case_id, marker, count(entry, 2), count(entry, 6),
            count(fixed_entry, 2), count(fixed_entry, 6),
            '-' if identical is None else ('yes' if identical else 'NO'),
            'PASS' if ok else 'FAIL',
        ])
        if notes:
            where = (f'{entry["markers"][0][2]}:{entry["markers"][0][1]}' if entry['markers']
                     else entry['target'])
            reports.append(f'{"PASS" if ok else "FAIL"} {case_id} ({where}): ' + '; '.join(notes))
        passed += ok
        failed += not ok

    print_table(rows)
    for report in reports:
        print(report)
    for failure in global_failures:
        print('ERROR ' + failure)
    kinds = [e['markers'][0][0] for e in base['cases'].values() if len(e['markers']) == 1]
    positives = sum(1 for k in kinds if k != 'ok')
    print(f'{len(rows)} cases: {positives} expected findings, {kinds.count("ok")} near-misses, '
          f'{len(rows) - len(kinds)} without a single marker')
    print(f'{passed} passed, {failed} failed')
    if not rows:
        # A proof that measured nothing proves nothing: never a pass.
        print(f'ERROR no case in {project}/cases.py (CASES, URL_CASES, API_CASES, ADMIN_CASES)')
        return 1
    return 1 if failed or global_failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
