#!/usr/bin/python3
"""Generate a synthetic but realistic Django monorepo for benchmarking nplus1.

    /usr/bin/python3 bench/generate.py --lines 100000 --out /tmp/mono-100k [--seed 1]

The tree is deterministic for a given (--lines, --seed). Layout:

    manage.py
    config/{__init__,settings,urls,wsgi}.py
    templates/base.html, templates/partials/*.html
    apps/<domain>/<app>/{__init__,apps,models,views,serializers,admin,urls}.py
    apps/<domain>/<app>/templates/<app>/*.html      (about a fifth of all files)

Apps are generated one after the other until the requested number of lines (every
generated file counted) is reached. Models carry ForeignKey chains inside an app and across
apps (always towards earlier apps), OneToOne and ManyToMany fields, and custom managers
whose get_queryset() joins a relation. Views are function views rendering templates,
class-based ListViews, JSON helpers and DRF viewsets; serializers and admin classes come
with every model. Most of the code is clean (loops that read plain columns, single-object
reads, helpers); a known number of real N+1 queries, each in a shape nplus1 reports, and of
near-misses (the same shape with select_related / prefetch_related / a custom manager /
an `_id` column / values() rows / annotate / in_bulk / list_select_related) are planted.

DIR/.planted.json records them:
    {"planted": [{"file", "line", "code", "kind"}...], "near_misses": [{"file", "line",
     "kind"}...], "lines", "files", "apps", "models", "seed"}
`file` is relative to DIR; a planted entry is the exact line and code nplus1 must report,
a near-miss is the line where a wrong finding would appear.

Only the standard library is used.
"""
import argparse
import json
import os
import random
import sys

# ---------------------------------------------------------------------------
# Vocabulary

DOMAINS = [
    'billing', 'catalog', 'crm', 'logistics', 'people', 'marketing', 'support',
    'analytics', 'identity', 'payments', 'inventory', 'content', 'scheduling',
    'compliance', 'messaging', 'search', 'partners', 'finance', 'procurement', 'learning',
]

APP_WORDS = [
    'invoice', 'ledger', 'account', 'order', 'shipment', 'carrier', 'warehouse', 'stock',
    'vendor', 'contract', 'ticket', 'campaign', 'lead', 'contact', 'survey', 'report',
    'metric', 'badge', 'session', 'token', 'refund', 'payout', 'wallet', 'coupon', 'price',
    'asset', 'article', 'media', 'slot', 'booking', 'audit', 'policy', 'consent', 'thread',
    'mailbox', 'digest', 'index', 'query', 'referral', 'reseller', 'budget', 'expense',
    'purchase', 'tender', 'course', 'lesson', 'quiz', 'grade', 'roster', 'shift', 'payroll',
    'benefit', 'claim', 'review', 'rating', 'feedback', 'release', 'feature', 'region',
]

MODEL_WORDS = [
    'Account', 'Address', 'Agent', 'Batch', 'Bundle', 'Category', 'Channel', 'Client',
    'Comment', 'Company', 'Customer', 'Department', 'Device', 'Document', 'Entry', 'Event',
    'Folder', 'Group', 'Invoice', 'Item', 'Journal', 'Label', 'Location', 'Member', 'Message',
    'Note', 'Offer', 'Owner', 'Package', 'Partner', 'Payment', 'Period', 'Plan', 'Product',
    'Project', 'Queue', 'Record', 'Region', 'Request', 'Resource', 'Schedule', 'Section',
    'Segment', 'Sender', 'Site', 'Source', 'Stage', 'Store', 'Subscription', 'Supplier',
    'Task', 'Team', 'Template', 'Tenant', 'Topic', 'Transfer', 'Unit', 'Venue', 'Version',
    'Visit', 'Voucher', 'Workflow', 'Zone',
]
MODEL_PREFIXES = ['', '', '', 'Line', 'Draft', 'Daily', 'Public', 'Internal', 'Monthly']

SCALARS = [
    ('code', "models.CharField(max_length=32, db_index=True)"),
    ('title', "models.CharField(max_length=200, blank=True)"),
    ('description', "models.TextField(blank=True)"),
    ('amount', "models.DecimalField(max_digits=12, decimal_places=2, default=0)"),
    ('quantity', "models.PositiveIntegerField(default=0)"),
    ('priority', "models.IntegerField(default=0)"),
    ('status', "models.CharField(max_length=20, choices=STATUS_CHOICES, default='new')"),
    ('email', "models.EmailField(blank=True)"),
    ('url', "models.URLField(blank=True)"),
    ('starts_at', "models.DateTimeField(null=True, blank=True)"),
    ('ends_at', "models.DateTimeField(null=True, blank=True)"),
    ('score', "models.FloatField(default=0.0)"),
    ('reference', "models.CharField(max_length=64, unique=True)"),
    ('slug', "models.SlugField(max_length=80)"),
    ('is_public', "models.BooleanField(default=False)"),
    ('weight', "models.PositiveSmallIntegerField(default=1)"),
    ('metadata', "models.JSONField(default=dict, blank=True)"),
    ('currency', "models.CharField(max_length=3, default='EUR')"),
]
NUMERIC = {'amount', 'quantity', 'priority', 'score', 'weight'}


def snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append('_')
        out.append(ch.lower())
    return ''.join(out)


def plural(word):
    if word.endswith(('s', 'x', 'ch', 'sh')):
        return word + 'es'
    if word.endswith('y') and word[-2:-1] not in 'aeiou':
        return word[:-1] + 'ies'
    return word + 's'


def camel(word):
    return ''.join(p.capitalize() for p in word.split('_'))


# ---------------------------------------------------------------------------
# Model graph


class Rel:
    """A relation field declared on `owner`."""

    def __init__(self, owner, name, kind, target, related_name, null=False):
        self.owner, self.name, self.kind, self.target = owner, name, kind, target
        self.related_name, self.null = related_name, null


class Model:
    def __init__(self, app, name):
        self.app, self.name = app, name
        self.snake = snake(name)
        self.var = self.snake
        self.coll = plural(self.snake)
        self.scalars = []  # field names
        self.rels = []  # forward relations (Rel)
        self.reverse = []  # Rel whose target is this model (reverse accessors)
        self.attrs = {'id', 'pk', 'name', 'created_at', 'updated_at', 'is_active', 'objects'}
        self.manager = None  # (attribute, fk name) of a custom select_related manager
        self.qs_method = None  # (method, fk name) of a custom QuerySet method

    @property
    def label(self):
        return f'{self.app.label}.{self.name}'

    def fks(self, null=None):
        return [r for r in self.rels if r.kind == 'fk' and (null is None or r.null == null)]

    def kind(self, kind):
        return [r for r in self.rels if r.kind == kind]

    def rev(self, kind, same_app=True):
        return [r for r in self.reverse
                if r.kind == kind and (not same_app or r.owner.app is self.app)]


class App:
    def __init__(self, index, domain, label):
        self.index, self.domain, self.label = index, domain, label
        self.package = f'apps.{domain}.{label}'
        self.dir = f'apps/{domain}/{label}'
        self.models = []


# ---------------------------------------------------------------------------
# Source builder: keeps the line numbers of planted cases


class Src:
    def __init__(self, path):
        self.path = path
        self.lines = []
        self.marks = []  # (line, ('P', code, kind) | ('N', kind))

    def add(self, text='', mark=None):
        for i, line in enumerate(text.split('\n')):
            self.lines.append(line)
            if mark is not None and i == 0:
                self.marks.append((len(self.lines), mark))

    def block(self, text):
        for line in text.strip('\n').split('\n'):
            self.lines.append(line)

    def text(self):
        body = '\n'.join(self.lines).strip('\n')
        return body + '\n' if body else ''


# ---------------------------------------------------------------------------


class Generator:
    def __init__(self, target_lines, seed):
        self.rng = random.Random(seed)
        self.target = target_lines
        self.seed = seed
        self.apps = []
        self.files = {}  # path -> text
        self.planted = []
        self.near = []
        self.lines = 0
        # Django's own app labels (and DRF's) are taken.
        self.used_labels = {'admin', 'auth', 'contenttypes', 'sessions', 'messages',
                            'staticfiles', 'rest_framework'}

    # -- bookkeeping --------------------------------------------------------
    def emit(self, src):
        text = src.text() if isinstance(src, Src) else src
        path = src.path if isinstance(src, Src) else None
        assert path not in self.files, path
        self.files[path] = text
        self.lines += text.count('\n')
        if isinstance(src, Src):
            for line, mark in src.marks:
                if mark[0] == 'P':
                    self.planted.append({'file': path, 'line': line, 'code': mark[1],
                                         'kind': mark[2]})
                else:
                    self.near.append({'file': path, 'line': line, 'kind': mark[1]})

    def put(self, path, text):
        s = Src(path)
        s.block(text)
        self.emit(s)

    # -- graph --------------------------------------------------------------
    def new_app(self):
        r = self.rng
        idx = len(self.apps)
        domain = DOMAINS[idx % len(DOMAINS)] if idx < len(DOMAINS) else r.choice(DOMAINS)
        while True:
            a, b = r.sample(APP_WORDS, 2)
            label = f'{a}_{plural(b)}' if r.random() < 0.7 else plural(a)
            if label not in self.used_labels:
                break
        self.used_labels.add(label)
        app = App(idx, domain, label)
        names = set()
        for _ in range(r.randint(3, 9)):
            while True:
                name = r.choice(MODEL_PREFIXES) + r.choice(MODEL_WORDS)
                if name not in names:
                    break
            names.add(name)
            self.add_model(app, name)
        self.apps.append(app)
        return app

    def add_rel(self, owner, kind, target, null=False):
        base = target.snake if kind != 'm2m' else plural(target.snake)
        name = base
        n = 2
        while name in owner.attrs or name + '_id' in owner.attrs:
            name = f'{base}_{n}'
            n += 1
        if target.app is owner.app:
            rn = owner.coll if kind != 'o2o' else f'{owner.snake}_record'
        else:
            rn = f'{owner.app.label}_{owner.coll}' if kind != 'o2o' else \
                f'{owner.app.label}_{owner.snake}_record'
        if kind == 'm2m':
            rn = f'{rn}_tagged' if target.app is owner.app else rn + '_tagged'
        if rn in target.attrs:
            rn = f'{rn}_{name}'
        if rn in target.attrs:
            return None
        rel = Rel(owner, name, kind, target, rn, null)
        owner.rels.append(rel)
        owner.attrs.update({name, name + '_id'})
        target.reverse.append(rel)
        target.attrs.add(rn)
        return rel

    def add_model(self, app, name):
        r = self.rng
        m = Model(app, name)
        for fname, _ in r.sample(SCALARS, r.randint(2, 7)):
            m.scalars.append(fname)
            m.attrs.add(fname)
        earlier = [x for a in self.apps[-12:] for x in a.models]
        targets = []
        for _ in range(r.choice([0, 1, 1, 1, 2, 2, 2, 3])):
            if app.models and (r.random() < 0.6 or not earlier):
                t = r.choice(app.models)
            elif earlier:
                t = r.choice(earlier)
            else:
                continue
            if t in targets:
                continue
            targets.append(t)
            self.add_rel(m, 'fk', t, null=r.random() < 0.3)
        cands = [x for x in app.models if x not in targets]
        if not cands or r.random() < 0.3:
            cands = [x for x in app.models + earlier[-20:] if x not in targets]
        if cands and r.random() < 0.3:
            t = r.choice(cands)
            targets.append(t)
            self.add_rel(m, 'o2o', t, null=r.random() < 0.3)
        cands = [x for x in app.models + earlier[-20:] if x not in targets]
        if cands and r.random() < 0.25:
            self.add_rel(m, 'm2m', r.choice(cands))
        fks = m.fks(null=False)
        if fks and r.random() < 0.3:
            fk = r.choice(fks)
            m.manager = (f'with_{fk.name}', fk.name)
            m.attrs.add(m.manager[0])
        elif fks and r.random() < 0.25:
            fk = r.choice(fks)
            m.qs_method = (f'with_{fk.name}', fk.name)
        app.models.append(m)

    # -- the whole tree -----------------------------------------------------
    def run(self):
        self.root_files_static()
        while self.lines < self.target:
            app = self.new_app()
            self.app_files(app)
        self.root_files_dynamic()

    # -- root ---------------------------------------------------------------
    def root_files_static(self):
        self.put('manage.py', '''
#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == '__main__':
    main()
''')
        self.put('config/__init__.py', '')
        self.put('apps/__init__.py', '')
        self.put('config/wsgi.py', '''
"""WSGI config for the monorepo."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')

application = get_wsgi_application()
''')
        self.put('templates/base.html', '''
<!DOCTYPE html>
{% load static %}
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{% block title %}Monorepo{% endblock %}</title>
  <link rel="stylesheet" href="{% static 'css/site.css' %}">
</head>
<body class="{% block body_class %}{% endblock %}">
  <nav class="navbar">
    <a class="brand" href="/">Monorepo</a>
    {% if user.is_authenticated %}
      <span class="user">{{ user.get_username }}</span>
    {% else %}
      <a href="/accounts/login/">Log in</a>
    {% endif %}
  </nav>
  <main>
    {% if messages %}
      <ul class="messages">
      {% for message in messages %}
        <li class="{{ message.tags }}">{{ message }}</li>
      {% endfor %}
      </ul>
    {% endif %}
    {% block content %}{% endblock %}
  </main>
  <footer>{% block footer %}&copy; Monorepo{% endblock %}</footer>
</body>
</html>
''')
        self.put('templates/partials/pagination.html', '''
{% if is_paginated %}
<nav class="pagination">
  {% if page_obj.has_previous %}
    <a href="?page={{ page_obj.previous_page_number }}">previous</a>
  {% endif %}
  <span class="current">Page {{ page_obj.number }} of {{ page_obj.paginator.num_pages }}</span>
  {% if page_obj.has_next %}
    <a href="?page={{ page_obj.next_page_number }}">next</a>
  {% endif %}
</nav>
{% endif %}
''')

    def root_files_dynamic(self):
        apps = ',\n'.join(f"    '{a.package}.apps.{camel(a.label)}Config'" for a in self.apps)
        self.put('config/settings.py', f'''
"""Settings for the monorepo (generated)."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = 'bench-not-secret'
DEBUG = True
ALLOWED_HOSTS = ['*']

INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'rest_framework',
{apps},
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
]

ROOT_URLCONF = 'config.urls'

TEMPLATES = [
    {{
        'BACKEND': 'django.template.backends.django.DjangoTemplates',
        'DIRS': [BASE_DIR / 'templates'],
        'APP_DIRS': True,
        'OPTIONS': {{
            'context_processors': [
                'django.template.context_processors.request',
                'django.contrib.auth.context_processors.auth',
                'django.contrib.messages.context_processors.messages',
            ],
        }},
    }},
]

DATABASES = {{
    'default': {{'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}},
}}
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'
STATIC_URL = '/static/'
USE_TZ = True
REST_FRAMEWORK = {{
    'DEFAULT_PAGINATION_CLASS': 'rest_framework.pagination.PageNumberPagination',
    'PAGE_SIZE': 50,
}}
''')
        includes = '\n'.join(
            f"    path('{a.domain}/{a.label}/', include('{a.package}.urls')),"
            for a in self.apps)
        self.put('config/urls.py', f'''
"""Root URL configuration (generated)."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path('admin/', admin.site.urls),
{includes}
]
''')
        for d in sorted({a.domain for a in self.apps}):
            self.put(f'apps/{d}/__init__.py', '')

    # -- one app ------------------------------------------------------------
    def app_files(self, app):
        r = self.rng
        self.put(f'{app.dir}/__init__.py', '')
        self.put(f'{app.dir}/apps.py', f'''
from django.apps import AppConfig


class {camel(app.label)}Config(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = '{app.package}'
    label = '{app.label}'
    verbose_name = '{app.label.replace('_', ' ').title()}'
''')
        # Which cases go where. Every case is one (kind, positive?, model, relation).
        cases = self.pick_cases(app)
        self.models_py(app)
        ser = Src(f'{app.dir}/serializers.py')
        views = Src(f'{app.dir}/views.py')
        admin = Src(f'{app.dir}/admin.py')
        urls = []  # (route, view expr, name)
        router = []  # (prefix, viewset)
        templates = []
        self.views_head(app, views, cases)
        self.ser_head(app, ser, cases)
        # Base serializer + viewset for every model.
        for m in app.models:
            self.base_serializer(m, ser)
            self.base_viewset(m, views)
            router.append((m.coll.replace('_', '-'), f'views.{m.name}ViewSet'))
        # Templates (about two per app) with their views.
        n_tpl = r.choice([1, 2, 2, 2, 3])
        tpl_cases = [c for c in cases if c[0].startswith('tpl_')]
        tpl_models = [c[2] for c in tpl_cases]
        rest = [m for m in app.models if m not in tpl_models]
        tpl_models += r.sample(rest, max(0, min(n_tpl - len(tpl_models), len(rest))))
        for i, m in enumerate(tpl_models):
            case = None
            for c in tpl_cases:
                if c[2] is m:
                    case = c
                    tpl_cases.remove(c)
                    break
            templates.append(self.template_view(app, m, views, urls, case))
        # Python-side cases.
        for c in cases:
            kind = c[0]
            if kind.startswith('loop_'):
                self.loop_case(app, views, urls, c)
            elif kind.startswith('ser_'):
                self.ser_case(app, ser, views, router, c)
        # Filler views.
        for m in app.models:
            for choice in r.sample(range(7), r.choice([1, 2, 2, 3, 4])):
                self.filler_view(app, m, views, urls, choice)
        for _ in range(r.randint(1, 4)):
            self.filler_helper(app, views)
        self.admin_py(app, admin, [c for c in cases if c[0].startswith('adm_')])
        self.emit(ser)
        self.emit(views)
        self.emit(admin)
        self.urls_py(app, urls, router)
        for t in templates:
            self.emit(t)

    def pick_cases(self, app):
        """(kind, positive, model, rel, extra) tuples for this app."""
        r = self.rng
        out = []
        menu = []
        for m in app.models:
            for fk in m.fks():
                menu += [('loop_fk', m, fk), ('tpl_fk', m, fk), ('ser_source', m, fk),
                         ('loop_query', m, fk), ('adm_method', m, fk)]
                for fk2 in fk.target.fks(null=False):
                    menu.append(('loop_chain', m, (fk, fk2)))
            for fk in m.fks(null=True):
                menu.append(('adm_nullable', m, fk))
            for o in m.kind('o2o'):
                menu.append(('loop_o2o', m, o))
            for mm in m.kind('m2m'):
                menu.append(('loop_m2m', m, mm))
            for rv in m.rev('fk'):
                menu += [('tpl_reverse', m, rv), ('loop_count', m, rv), ('ser_nested', m, rv)]
            for rv in m.rev('o2o'):
                menu.append(('loop_rev_o2o', m, rv))
        by_kind = {}
        for entry in menu:
            by_kind.setdefault(entry[0], []).append(entry)
        used_tpl = set()
        used_adm = set()
        for _ in range(r.randint(2, 6)):
            kinds = sorted(k for k, v in by_kind.items() if v)
            if not kinds:
                break
            entries = by_kind[r.choice(kinds)]
            kind, m, rel = entries.pop(r.randrange(len(entries)))
            if kind.startswith('tpl_'):
                if m in used_tpl:
                    continue
                used_tpl.add(m)
            if kind.startswith('adm_'):
                if m in used_adm:
                    continue
                used_adm.add(m)
            out.append((kind, r.random() < 0.5, m, rel))
        return out

    # -- models.py ----------------------------------------------------------
    def models_py(self, app):
        r = self.rng
        s = Src(f'{app.dir}/models.py')
        s.block(f'''
"""Models of the {app.label} app ({app.domain})."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
''')
        s.add()
        s.add("STATUS_CHOICES = [")
        for st in ('new', 'active', 'paused', 'closed'):
            s.add(f"    ('{st}', '{st.title()}'),")
        s.add("]")
        s.add()
        for m in app.models:
            if m.manager:
                attr, fk = m.manager
                s.add()
                s.block(f'''
class {m.name}Manager(models.Manager):
    """Rows come with their {fk} already joined."""

    def get_queryset(self):
        return super().get_queryset().select_related('{fk}')

    def active(self):
        return self.get_queryset().filter(is_active=True)
''')
                s.add()
            if m.qs_method:
                meth, fk = m.qs_method
                s.add()
                s.block(f'''
class {m.name}QuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def {meth}(self):
        return self.select_related('{fk}')
''')
                s.add()
            s.add()
            s.add(f'class {m.name}(models.Model):')
            s.add(f'    """A {m.name.lower()} of the {app.label} app."""')
            s.add()
            s.add('    name = models.CharField(max_length=120)')
            for f in m.scalars:
                s.add(f'    {f} = {dict(SCALARS)[f]}')
            for rel in m.rels:
                tgt = f"'{rel.target.label}'" if rel.target.app is not app or \
                    app.models.index(rel.target) >= app.models.index(m) else rel.target.name
                if r.random() < 0.3 and rel.target.app is not app:
                    tgt = f"'{rel.target.label}'"
                if rel.kind == 'm2m':
                    s.add(f"    {rel.name} = models.ManyToManyField({tgt}, "
                          f"related_name='{rel.related_name}', blank=True)")
                    continue
                cls = 'ForeignKey' if rel.kind == 'fk' else 'OneToOneField'
                if rel.null:
                    s.add(f'    {rel.name} = models.{cls}(')
                    s.add(f"        {tgt}, on_delete=models.SET_NULL, null=True, blank=True,")
                    s.add(f"        related_name='{rel.related_name}',")
                    s.add('    )')
                else:
                    s.add(f"    {rel.name} = models.{cls}({tgt}, on_delete=models.CASCADE, "
                          f"related_name='{rel.related_name}')")
            s.add('    is_active = models.BooleanField(default=True)')
            s.add('    created_at = models.DateTimeField(auto_now_add=True)')
            s.add('    updated_at = models.DateTimeField(auto_now=True)')
            s.add()
            if m.manager:
                s.add('    objects = models.Manager()')
                s.add(f'    {m.manager[0]} = {m.name}Manager()')
                s.add()
            elif m.qs_method:
                s.add(f'    objects = {m.name}QuerySet.as_manager()')
                s.add()
            s.add('    class Meta:')
            s.add("        ordering = ['-created_at']")
            s.add(f"        verbose_name = '{m.name.lower()}'")
            if r.random() < 0.4:
                s.add("        indexes = [models.Index(fields=['name', 'is_active'])]")
            s.add()
            s.add('    def __str__(self):')
            s.add('        return self.name')
            s.add()
            s.add('    def get_absolute_url(self):')
            s.add(f"        return reverse('{app.label}:{m.snake}-detail', args=[self.pk])")
            options = [1, 2, 3, 5]
            if any(f in NUMERIC for f in m.scalars):
                options.append(0)
            if 'status' in m.scalars:
                options.append(4)
            for choice in sorted(r.sample(options, r.randint(0, 4))):
                s.add()
                self.model_method(m, s, choice)
            s.add()
        self.emit(s)

    def model_method(self, m, s, choice):
        r = self.rng
        num = [f for f in m.scalars if f in NUMERIC]
        if choice == 0:
            f = r.choice(num)
            s.block(f'''
    @property
    def weighted_{f}(self):
        """The {f} scaled by the age of the row, in days."""
        age = (timezone.now() - self.created_at).days if self.created_at else 0
        factor = Decimal(1) / Decimal(1 + max(age, 0))
        return Decimal(self.{f} or 0) * factor
''')
        elif choice == 1:
            s.block(f'''
    def clean(self):
        super().clean()
        if self.name and len(self.name.strip()) < 2:
            from django.core.exceptions import ValidationError
            raise ValidationError({{'name': 'Too short.'}})
        self.name = (self.name or '').strip()
''')
        elif choice == 2:
            s.block(f'''
    def deactivate(self, save=True):
        """Soft-delete the {m.name.lower()}."""
        self.is_active = False
        if save:
            self.save(update_fields=['is_active', 'updated_at'])
        return self
''')
        elif choice == 3:
            s.block(f'''
    @property
    def display_name(self):
        parts = [self.name]
        if not self.is_active:
            parts.append('(inactive)')
        return ' '.join(p for p in parts if p)
''')
        elif choice == 4:
            s.block(f'''
    def transition(self, status):
        allowed = {{
            'new': {{'active', 'closed'}},
            'active': {{'paused', 'closed'}},
            'paused': {{'active', 'closed'}},
            'closed': set(),
        }}
        if status not in allowed.get(self.status, set()):
            raise ValueError(f'cannot go from {{self.status}} to {{status}}')
        self.status = status
''')
        else:
            s.block(f'''
    def save(self, *args, **kwargs):
        if not self.name:
            self.name = f'{m.name} {{timezone.now():%Y%m%d%H%M%S}}'
        super().save(*args, **kwargs)
''')

    # -- serializers.py -----------------------------------------------------
    def ser_head(self, app, s, cases):
        names = ', '.join(m.name for m in app.models)
        s.block(f'''
"""DRF serializers of the {app.label} app."""
from rest_framework import serializers

from {app.package}.models import {names}
''')
        s.add()

    def base_serializer(self, m, s):
        r = self.rng
        fields = ['id', 'name'] + m.scalars[:r.randint(1, len(m.scalars))] + ['created_at']
        s.add()
        s.add(f'class {m.name}Serializer(serializers.ModelSerializer):')
        s.add('    class Meta:')
        s.add(f'        model = {m.name}')
        s.add(f'        fields = {fields!r}')
        s.add("        read_only_fields = ['id', 'created_at']")
        if r.random() < 0.5:
            s.add()
            s.block('''
    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError('This field may not be blank.')
        return value
''')
        if r.random() < 0.3 and any(f in NUMERIC for f in m.scalars):
            f = next(f for f in m.scalars if f in NUMERIC)
            s.add()
            s.block(f'''
    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get('{f}') is not None and attrs['{f}'] < 0:
            raise serializers.ValidationError({{'{f}': 'Must not be negative.'}})
        return attrs
''')
        s.add()

    def ser_case(self, app, s, views, router, case):
        kind, pos, m, rel = case
        if kind == 'ser_source':
            cls = f'{m.name}{camel(rel.name)}NameSerializer'
            s.add()
            s.add(f'class {cls}(serializers.ModelSerializer):')
            mark = ('P', 'NP101', kind) if pos else ('N', kind)
            s.add(f"    {rel.name}_name = serializers.CharField(source='{rel.name}.name', "
                  f"read_only=True)", mark)
            s.add()
            s.add('    class Meta:')
            s.add(f'        model = {m.name}')
            s.add(f"        fields = ['id', 'name', '{rel.name}_name']")
            s.add()
            if pos:
                how = self.rng.choice(['all()', 'filter(is_active=True)', "order_by('-id')"])
                qs = f'{m.name}.objects.{how}'
            elif m.manager and m.manager[1] == rel.name:
                qs = f'{m.name}.{m.manager[0]}.all()'
            elif m.qs_method and m.qs_method[1] == rel.name:
                qs = f'{m.name}.objects.{m.qs_method[0]}()'
            else:
                qs = f"{m.name}.objects.select_related('{rel.name}')"
            vs = f'{m.name}{camel(rel.name)}ViewSet'
            views.add()
            views.add()
            views.add(f'class {vs}(viewsets.ReadOnlyModelViewSet):')
            views.add(f'    queryset = {qs}')
            views.add(f'    serializer_class = {cls}')
            views.add()
            router.append((f'{m.coll}-{rel.name}'.replace('_', '-'), f'views.{vs}'))
        elif kind == 'ser_nested':
            child = rel.owner
            cls = f'{m.name}With{camel(rel.related_name)}Serializer'
            s.add()
            s.add(f'class {cls}(serializers.ModelSerializer):')
            mark = ('P', 'NP102', kind) if pos else ('N', kind)
            s.add(f'    {rel.related_name} = {child.name}Serializer(many=True, read_only=True)',
                  mark)
            s.add()
            s.add('    class Meta:')
            s.add(f'        model = {m.name}')
            s.add(f"        fields = ['id', 'name', '{rel.related_name}']")
            s.add()
            qs = f'{m.name}.objects.all()' if pos else \
                f"{m.name}.objects.prefetch_related('{rel.related_name}')"
            vs = f'{m.name}{camel(rel.related_name)}ListView'
            views.add()
            views.add()
            views.add(f'class {vs}(generics.ListAPIView):')
            views.add(f'    queryset = {qs}')
            views.add(f'    serializer_class = {cls}')
            views.add()
            vs_route = f'{m.coll}/{rel.related_name}/'.replace('_', '-')
            self._extra_urls.append((vs_route, f'views.{vs}.as_view()',
                                     f'{m.snake}-{rel.related_name}'))

    # -- views.py -----------------------------------------------------------
    def views_head(self, app, v, cases):
        names = ', '.join(m.name for m in app.models)
        sers = [f'{m.name}Serializer' for m in app.models]
        for kind, pos, m, rel in cases:
            if kind == 'ser_source':
                sers.append(f'{m.name}{camel(rel.name)}NameSerializer')
            elif kind == 'ser_nested':
                sers.append(f'{m.name}With{camel(rel.related_name)}Serializer')
        sers = ',\n    '.join(sers)
        extra = {}
        for kind, pos, m, rel in cases:
            if kind == 'loop_query' and rel.target.app is not app:
                extra.setdefault(rel.target.app.package, set()).add(rel.target.name)
        v.block(f'''
"""Views of the {app.label} app: pages, JSON endpoints and the DRF API."""
import csv
import functools
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.generic import DetailView, ListView
from rest_framework import generics, viewsets
''')
        for pkg in sorted(extra):
            v.add(f"from {pkg}.models import {', '.join(sorted(extra[pkg]))}")
        v.add(f'from {app.package}.models import {names}')
        v.add(f'from .serializers import (\n    {sers},\n)')
        v.add()
        v.add(f"PAGE_SIZE = {self.rng.choice([20, 25, 50, 100])}")
        v.add("EXPORT_FIELDS = ('id', 'name', 'created_at')")
        self._extra_urls = []

    def base_viewset(self, m, v):
        r = self.rng
        v.add()
        v.add()
        v.add(f'class {m.name}ViewSet(viewsets.ModelViewSet):')
        v.add(f'    """CRUD API for {plural(m.name.lower())}."""')
        v.add()
        v.add(f'    queryset = {m.name}.objects.all()')
        v.add(f'    serializer_class = {m.name}Serializer')
        if r.random() < 0.5:
            v.add()
            v.block(f'''
    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get('active') == '1':
            qs = qs.filter(is_active=True)
        search = self.request.query_params.get('q')
        if search:
            qs = qs.filter(Q(name__icontains=search))
        return qs
''')

    def template_view(self, app, m, v, urls, case):
        """One template for model m rendered by one view; an optional template case."""
        r = self.rng
        low = m.name.lower()  # Django's model_name
        path = f'{app.dir}/templates/{app.label}/{low}_list.html'
        name = f'{app.label}/{low}_list.html'
        t = Src(path)
        style = 'listview' if (case is None and r.random() < 0.5) or \
            (case is not None and case[0] == 'tpl_fk') else 'function'
        qs = f'{m.name}.objects.all()'
        variant = None
        if case is not None:
            kind, pos, _, rel = case
            variant = r.choice(['select', 'select', 'id']) if kind == 'tpl_fk' and not pos \
                else None
            if kind == 'tpl_fk' and variant == 'select':
                if m.manager and m.manager[1] == rel.name:
                    qs = f'{m.name}.{m.manager[0]}.all()'
                else:
                    qs = f"{m.name}.objects.select_related('{rel.name}')"
            if kind == 'tpl_reverse' and not pos:
                qs = f"{m.name}.objects.prefetch_related('{rel.related_name}')"
        if style == 'listview':
            coll = r.choice(['object_list', f'{low}_list'])
            v.add()
            v.add()
            v.add(f'class {m.name}ListView(ListView):')
            if qs == f'{m.name}.objects.all()' and r.random() < 0.6:
                v.add(f'    model = {m.name}')
            else:
                v.add(f'    queryset = {qs}')
            v.add('    paginate_by = PAGE_SIZE')
            v.add()
            urls.append((f'{m.coll}/'.replace('_', '-'), f'views.{m.name}ListView.as_view()',
                         f'{m.snake}-list'))
        else:
            coll = m.coll
            v.add()
            v.add()
            v.add(f'def {m.snake}_list(request):')
            v.add(f'    """The {m.name.lower()} list page."""')
            v.add(f'    {coll} = {qs}')
            v.add("    if request.GET.get('active'):")
            v.add(f'        {coll} = {coll}.filter(is_active=True)')
            v.add(f"    context = {{'{coll}': {coll}, 'title': '{plural(m.name)}'}}")
            v.add(f"    return render(request, '{name}', context)")
            urls.append((f'{m.coll}/'.replace('_', '-'), f'views.{m.snake}_list',
                         f'{m.snake}-list'))
        var = m.var
        cols = m.scalars[:4]
        t.block(f'''
{{% extends "base.html" %}}
{{% load static %}}

{{% block title %}}{plural(m.name)}{{% endblock %}}

{{% block content %}}
<div class="container {m.snake}-list">
  <header class="page-header">
    <h1>{plural(m.name)}</h1>
    <p class="lead">All {plural(m.name.lower())} of {app.label.replace('_', ' ')}.</p>
  </header>
  {{% if {coll} %}}
  <table class="table table-striped">
    <thead>
      <tr>
        <th>Name</th>''')
        for c in cols:
            t.add(f'        <th>{c.replace("_", " ").title()}</th>')
        if case is not None:
            t.add('        <th>Related</th>')
        t.block(f'''
        <th>Created</th>
      </tr>
    </thead>
    <tbody>
    {{% for {var} in {coll} %}}
      <tr class="{{% cycle 'odd' 'even' %}}{{% if not {var}.is_active %}} muted{{% endif %}}">
        <td><a href="{{{{ {var}.get_absolute_url }}}}">{{{{ {var}.name }}}}</a></td>''')
        for c in cols:
            filt = {'amount': '|floatformat:2', 'starts_at': '|date:"Y-m-d"',
                    'ends_at': '|date:"Y-m-d"', 'description': '|truncatewords:12',
                    'title': '|default:"-"'}.get(c, '')
            t.add(f'        <td>{{{{ {var}.{c}{filt} }}}}</td>')
        if case is not None:
            kind, pos, _, rel = case
            if kind == 'tpl_fk':
                if variant != 'id':
                    t.add(f'        <td>{{{{ {var}.{rel.name}.name }}}}</td>',
                          ('P', 'NP101', kind) if pos else ('N', kind))
                else:  # near-miss by column instead of by select_related
                    t.add(f'        <td>{{{{ {var}.{rel.name}_id }}}}</td>', ('N', 'tpl_fk_id'))
            else:
                child = rel.owner
                t.add(f'        <td>{{% for {child.var}_row in {var}.{rel.related_name}.all %}}'
                      f'{{{{ {child.var}_row.name }}}}{{% if not forloop.last %}}, {{% endif %}}'
                      f'{{% endfor %}}</td>', ('P', 'NP102', kind) if pos else ('N', kind))
        t.block(f'''
        <td>{{{{ {var}.created_at|date:"SHORT_DATE_FORMAT" }}}}</td>
      </tr>
    {{% empty %}}
      <tr><td colspan="{len(cols) + 2}">Nothing here yet.</td></tr>
    {{% endfor %}}
    </tbody>
  </table>
  {{% else %}}
  <p class="empty">No {plural(m.name.lower())} yet.</p>
  {{% endif %}}
  {{% include "partials/pagination.html" %}}
</div>
{{% endblock %}}
''')
        return t

    def loop_case(self, app, v, urls, case):
        r = self.rng
        kind, pos, m, rel = case
        var, coll = m.var, m.coll
        filt = r.choice(['all()', 'filter(is_active=True)', "order_by('-created_at')",
                         "exclude(name='')"])
        v.add()
        v.add()
        if kind in ('loop_fk', 'loop_o2o'):
            code = 'NP101'
            fn = f'{m.snake}_{rel.name}_names'
            style = 'select'
            if pos:
                qs = f'{m.name}.objects.{filt}'
            else:
                styles = ['select', 'id', 'values']
                if (m.manager and m.manager[1] == rel.name) or \
                        (m.qs_method and m.qs_method[1] == rel.name):
                    styles = ['manager', 'manager', 'select']
                style = r.choice(styles)
                if style == 'manager' and m.manager and m.manager[1] == rel.name:
                    qs = f'{m.name}.{m.manager[0]}.all()'
                elif style == 'manager' and m.qs_method and m.qs_method[1] == rel.name:
                    qs = f'{m.name}.objects.{m.qs_method[0]}()'
                elif style == 'values':
                    qs = f"{m.name}.objects.values('id', 'name', '{rel.name}__name')"
                elif style == 'id':
                    qs = f'{m.name}.objects.{filt}'
                else:
                    style = 'select'
                    qs = f"{m.name}.objects.{filt}.select_related('{rel.name}')"
            v.add(f'def {fn}(request):')
            v.add(f'    """{plural(m.name)} with the name of their {rel.name}."""')
            v.add('    rows = []')
            if style == 'values':
                v.add(f'    for row in {qs}:')
                v.add(f"        rows.append({{'id': row['id'], 'name': row['name'], "
                      f"'{rel.name}': row['{rel.name}__name']}})", ('N', 'loop_values'))
            else:
                v.add(f'    for {var} in {qs}:')
                if rel.null:
                    v.add(f'        if {var}.{rel.name}_id is None:')
                    v.add('            continue')
                if style == 'id':
                    v.add(f"        rows.append({{'id': {var}.pk, 'name': {var}.name, "
                          f"'{rel.name}': {var}.{rel.name}_id}})", ('N', f'{kind}_id'))
                else:
                    v.add(f"        rows.append({{'id': {var}.pk, 'name': {var}.name, "
                          f"'{rel.name}': {var}.{rel.name}.name}})",
                          ('P', code, kind) if pos else ('N', f'{kind}_{style}'))
            v.add("    return JsonResponse({'rows': rows})")
        elif kind == 'loop_chain':
            fk, fk2 = rel
            fn = f'{m.snake}_{fk.name}_{fk2.name}_report'
            qs = f'{m.name}.objects.{filt}' if pos else \
                f"{m.name}.objects.select_related('{fk.name}__{fk2.name}')"
            v.add(f'def {fn}(request):')
            v.add(f'    counts = {{}}')
            v.add(f'    for {var} in {qs}:')
            if fk.null:
                v.add(f'        if {var}.{fk.name}_id is None:')
                v.add('            continue')
            v.add(f'        key = {var}.{fk.name}.{fk2.name}.name',
                  ('P', 'NP101', kind) if pos else ('N', kind))
            v.add('        counts[key] = counts.get(key, 0) + 1')
            v.add('    return JsonResponse(counts)')
        elif kind == 'loop_m2m':
            fn = f'{m.snake}_{rel.name}_index'
            qs = f'{m.name}.objects.{filt}' if pos else \
                f"{m.name}.objects.prefetch_related('{rel.name}')"
            v.add(f'def {fn}(request):')
            v.add(f'    index = {{}}')
            v.add(f'    for {var} in {qs}:')
            v.add(f'        index[{var}.pk] = [t.name for t in {var}.{rel.name}.all()]',
                  ('P', 'NP102', kind) if pos else ('N', kind))
            v.add('    return JsonResponse({str(k): v for k, v in index.items()})')
        elif kind == 'loop_count':
            fn = f'{m.snake}_{rel.related_name}_counts'
            v.add(f'def {fn}(request):')
            v.add('    data = []')
            if pos:
                v.add(f'    for {var} in {m.name}.objects.{filt}:')
                v.add(f"        data.append(({var}.name, {var}.{rel.related_name}.count()))",
                      ('P', 'NP103', kind))
            else:
                v.add(f"    {coll} = {m.name}.objects.annotate(n_{rel.related_name}="
                      f"Count('{rel.related_name}'))")
                v.add(f'    for {var} in {coll}:')
                v.add(f"        data.append(({var}.name, {var}.n_{rel.related_name}))",
                      ('N', kind))
            v.add("    return JsonResponse({'data': data})")
        elif kind == 'loop_query':
            t = rel.target
            fn = f'{m.snake}_{rel.name}_lookup'
            v.add(f'def {fn}(request):')
            v.add('    result = {}')
            if pos:
                v.add(f'    for {var} in {m.name}.objects.{filt}:')
                v.add(f'        target = {t.name}.objects.filter(pk={var}.{rel.name}_id).first()',
                      ('P', 'NP106', kind))
            else:
                v.add(f'    {coll} = list({m.name}.objects.{filt})')
                v.add(f'    targets = {t.name}.objects.in_bulk([x.{rel.name}_id for x in {coll}])')
                v.add(f'    for {var} in {coll}:')
                v.add(f'        target = targets.get({var}.{rel.name}_id)', ('N', kind))
            v.add(f"        result[{var}.pk] = target.name if target else None")
            v.add('    return JsonResponse(result)')
        elif kind == 'loop_rev_o2o':
            fn = f'{m.snake}_{rel.related_name}_titles'
            qs = f'{m.name}.objects.{filt}' if pos else \
                f"{m.name}.objects.select_related('{rel.related_name}')"
            v.add(f'def {fn}(request):')
            v.add('    titles = {}')
            v.add(f'    for {var} in {qs}:')
            v.add(f'        titles[{var}.pk] = {var}.{rel.related_name}.name',
                  ('P', 'NP101', kind) if pos else ('N', kind))
            v.add('    return JsonResponse(titles)')
        else:
            raise AssertionError(kind)
        urls.append((f'reports/{fn}/'.replace('_', '-'), f'views.{fn}', fn.replace('_', '-')))

    def filler_view(self, app, m, v, urls, choice):
        r = self.rng
        var, coll = m.var, m.coll
        num = [f for f in m.scalars if f in NUMERIC]
        v.add()
        v.add()
        if choice == 0:
            fn = f'{m.snake}_detail'
            v.add(f'def {fn}(request, pk):')
            v.add(f'    {var} = get_object_or_404({m.name}, pk=pk)')
            v.add(f"    data = {{'id': {var}.pk, 'name': {var}.name}}")
            for rel in m.fks()[:2]:
                v.add(f"    data['{rel.name}'] = {var}.{rel.name}_id")
            for f in m.scalars[:3]:
                v.add(f"    data['{f}'] = str({var}.{f})")
            v.add('    return JsonResponse(data)')
            urls.append((f'{coll}/<int:pk>/'.replace('_', '-'), f'views.{fn}',
                         f'{m.snake}-detail' if fn.endswith('_detail') else fn.replace('_', '-')))
        elif choice == 1:
            fn = f'export_{coll}_csv'
            cols = ['name'] + m.scalars[:3]
            v.block(f'''
def {fn}(request):
    response = HttpResponse(content_type='text/csv')
    response['Content-Disposition'] = 'attachment; filename="{coll}.csv"'
    writer = csv.writer(response)
    writer.writerow({['id'] + cols!r})
    for {var} in {m.name}.objects.order_by('id').iterator():
        writer.writerow([{var}.pk, {', '.join(f'{var}.{c}' for c in cols)}])
    return response
''')
            urls.append((f'{coll}/export/'.replace('_', '-'), f'views.{fn}',
                         f'{m.snake}-export'))
        elif choice == 2 and num:
            f = r.choice(num)
            fn = f'{m.snake}_{f}_totals'
            v.block(f'''
def {fn}(request):
    """Sum of {f} per day for the last weeks."""
    since = timezone.now() - timedelta(days=int(request.GET.get('days', 28)))
    totals = {{}}
    for {var} in {m.name}.objects.filter(created_at__gte=since, is_active=True):
        day = {var}.created_at.date().isoformat()
        totals[day] = totals.get(day, 0) + float({var}.{f} or 0)
    summary = {m.name}.objects.filter(created_at__gte=since).aggregate(total=Sum('{f}'), latest=Max('created_at'))
    return JsonResponse({{'days': totals, 'total': float(summary['total'] or 0)}})
''')
            urls.append((f'{coll}/{f}-totals/'.replace('_', '-'), f'views.{fn}',
                         fn.replace('_', '-')))
        elif choice == 3:
            fn = f'archive_stale_{coll}'
            v.block(f'''
def {fn}(days=90):
    """Deactivate {plural(m.name.lower())} not touched for `days` days; returns how many."""
    cutoff = timezone.now() - timedelta(days=days)
    count = 0
    with transaction.atomic():
        for {var} in {m.name}.objects.select_for_update().filter(updated_at__lt=cutoff, is_active=True):
            {var}.is_active = False
            {var}.save(update_fields=['is_active', 'updated_at'])
            count += 1
    return count
''')
        elif choice == 4:
            cls = f'{m.name}DetailView'
            v.block(f'''
class {cls}(DetailView):
    model = {m.name}
    context_object_name = '{var}'

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['title'] = self.object.name
        context['recent'] = {m.name}.objects.filter(is_active=True).exclude(pk=self.object.pk)[:5]
        return context
''')
            urls.append((f'{coll}/<int:pk>/page/'.replace('_', '-'), f'views.{cls}.as_view()',
                         f'{m.snake}-page'))
        elif choice == 5:
            fn = f'search_{coll}'
            v.block(f'''
def {fn}(request):
    term = (request.GET.get('q') or '').strip()
    if len(term) < 2:
        return JsonResponse({{'results': [], 'error': 'query too short'}}, status=400)
    qs = {m.name}.objects.filter(Q(name__icontains=term) | Q(name__istartswith=term[:3]))
    results = [{{'id': {var}.pk, 'name': {var}.name, 'active': {var}.is_active}} for {var} in qs[:PAGE_SIZE]]
    return JsonResponse({{'results': results, 'count': len(results)}})
''')
            urls.append((f'{coll}/search/'.replace('_', '-'), f'views.{fn}',
                         f'{m.snake}-search'))
        else:
            v.lines[-2:] = []
            self.filler_helper(app, v)

    def filler_helper(self, app, v):
        r = self.rng
        word = r.choice(APP_WORDS)
        self.helper_count = getattr(self, 'helper_count', 0) + 1
        n = self.helper_count
        choice = r.randint(0, 4)
        v.add()
        v.add()
        if choice == 0:
            v.block(f'''


def _parse_{word}_filters_{n}(params):
    """Return the filters for the {word} list from query parameters."""
    filters = {{}}
    for key in ('status', 'q', 'ordering', 'page'):
        value = params.get(key)
        if value is None or value == '':
            continue
        if key == 'page':
            try:
                filters[key] = max(1, int(value))
            except (TypeError, ValueError):
                filters[key] = 1
        else:
            filters[key] = value.strip()
    return filters
''')
        elif choice == 1:
            v.block(f'''


class {camel(word)}Formatter{n}:
    """Formats {word} amounts for display."""

    def __init__(self, currency='EUR', precision=2):
        self.currency = currency
        self.precision = precision

    def format(self, value):
        if value is None:
            return '-'
        return f'{{value:.{{self.precision}}f}} {{self.currency}}'

    def format_many(self, values):
        return [self.format(v) for v in values if v is not None]
''')
        elif choice == 2:
            v.block(f'''


def require_{word}_access_{n}(view):
    """Only staff may use the {word} endpoints."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({{'error': 'authentication required'}}, status=401)
        if not request.user.is_staff:
            return JsonResponse({{'error': 'forbidden'}}, status=403)
        return view(request, *args, **kwargs)
    return wrapper
''')
        elif choice == 3:
            v.block(f'''


REQUIRED_{word.upper()}_FIELDS_{n} = ('name', 'code', 'owner')


def _normalize_{word}_payload_{n}(payload):
    cleaned = {{k.strip().lower(): v for k, v in payload.items() if isinstance(k, str)}}
    errors = []
    for field in REQUIRED_{word.upper()}_FIELDS_{n}:
        if field not in cleaned:
            errors.append(f'missing {{field}}')
    if errors:
        raise ValueError('; '.join(errors))
    return cleaned
''')
        else:
            v.block(f'''


def _chunked_{word}_{n}(items, size=PAGE_SIZE):
    """Yield lists of at most `size` items."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
''')

    # -- admin.py -----------------------------------------------------------
    def admin_py(self, app, s, cases):
        r = self.rng
        names = ', '.join(m.name for m in app.models)
        s.block(f'''
"""Admin of the {app.label} app."""
from django.contrib import admin

from {app.package}.models import {names}
''')
        by_model = {c[2]: c for c in cases}
        for m in app.models:
            case = by_model.get(m)
            cols = ['name'] + [f for f in m.scalars if f not in ('description', 'metadata')][:3]
            s.add()
            s.add()
            s.add(f'@admin.register({m.name})')
            s.add(f'class {m.name}Admin(admin.ModelAdmin):')
            method = None
            if case is None:
                s.add(f'    list_display = {tuple(cols + ["is_active"])!r}')
            elif case[0] == 'adm_nullable':
                kind, pos, _, rel = case
                if pos:
                    s.add(f"    list_display = {tuple(cols + [rel.name])!r}",
                          ('P', 'NP101', kind))
                else:
                    nn = m.fks(null=False)
                    if nn:
                        s.add(f"    list_display = {tuple(cols + [nn[0].name])!r}",
                              ('N', 'adm_nonnull_fk'))
                    else:
                        s.add(f"    list_display = {tuple(cols + [rel.name])!r}",
                              ('N', 'adm_nullable_selected'))
                        s.add(f"    list_select_related = ('{rel.name}',)")
            else:  # adm_method
                kind, pos, _, rel = case
                s.add(f"    list_display = {tuple(cols + [rel.name + '_name'])!r}")
                if not pos:
                    s.add(f"    list_select_related = ('{rel.name}',)")
                method = (rel, pos)
            s.add(f"    list_filter = ('is_active', 'created_at')")
            s.add(f"    search_fields = ('name',)")
            s.add(f"    ordering = ('-created_at',)")
            if r.random() < 0.4:
                s.add(f"    readonly_fields = ('created_at', 'updated_at')")
            if method:
                rel, pos = method
                s.add()
                s.add(f"    @admin.display(description='{rel.name.replace('_', ' ')}')")
                s.add(f'    def {rel.name}_name(self, obj):')
                if rel.null:
                    s.add(f'        if obj.{rel.name}_id is None:')
                    s.add("            return '-'")
                s.add(f'        return obj.{rel.name}.name',
                      ('P', 'NP101', 'adm_method') if pos else ('N', 'adm_method'))
            if r.random() < 0.4:
                s.add()
                s.block('''
    actions = ['mark_inactive']

    @admin.action(description='Mark selected as inactive')
    def mark_inactive(self, request, queryset):
        updated = queryset.update(is_active=False)
        self.message_user(request, f'{updated} row(s) deactivated.')
''')

    # -- urls.py ------------------------------------------------------------
    def urls_py(self, app, urls, router):
        s = Src(f'{app.dir}/urls.py')
        s.block(f'''
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

app_name = '{app.label}'

router = DefaultRouter()
''')
        seen = set()
        for prefix, vs in router:
            if prefix in seen:
                continue
            seen.add(prefix)
            s.add(f"router.register(r'{prefix}', {vs}, basename='{app.label}-{prefix}')")
        s.add()
        s.add('urlpatterns = [')
        s.add("    path('api/', include(router.urls)),")
        names = set()
        for route, view, name in urls + self._extra_urls:
            if name in names:
                continue
            names.add(name)
            s.add(f"    path('{route}', {view}, name='{name}'),")
        s.add(']')
        self.emit(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--lines', type=int, default=100000, help='approximate total lines')
    ap.add_argument('--out', required=True, help='output directory (must not exist or be empty)')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f'{args.out}: exists and is not empty')
    g = Generator(args.lines, args.seed)
    g.run()
    for path, text in g.files.items():
        full = os.path.join(args.out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w', encoding='utf-8') as f:
            f.write(text)
    n_tpl = sum(1 for p in g.files if p.endswith('.html'))
    info = {
        'seed': args.seed,
        'requested_lines': args.lines,
        'lines': g.lines,
        'files': len(g.files),
        'python_files': sum(1 for p in g.files if p.endswith('.py')),
        'template_files': n_tpl,
        'apps': len(g.apps),
        'models': sum(len(a.models) for a in g.apps),
        'planted': sorted(g.planted, key=lambda d: (d['file'], d['line'])),
        'near_misses': sorted(g.near, key=lambda d: (d['file'], d['line'])),
    }
    with open(os.path.join(args.out, '.planted.json'), 'w') as f:
        json.dump(info, f, indent=1)
    print(f"{args.out}: {info['lines']} lines, {info['files']} files "
          f"({info['python_files']} .py, {n_tpl} .html), {info['apps']} apps, "
          f"{info['models']} models, {len(g.planted)} planted N+1, "
          f"{len(g.near)} near-misses", file=sys.stderr)


if __name__ == '__main__':
    main()
