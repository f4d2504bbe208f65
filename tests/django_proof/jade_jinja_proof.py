#!/usr/bin/python3
"""Proof under real Django for the fixtures prove.py cannot run: the Jinja2 macro of
fixtures/projects/jinja (library/jinja2/library/authors.html, through Django's own Jinja2
backend) and the Django templates pyjade's Django compiler emits for
fixtures/projects/jade (pyjade is not in Debian and its Django loader predates Django 3.2's
template API, so the compiled form is written out here, following pyjade/compiler.py and
pyjade/ext/django/compiler.py). Each case is rendered at two data sizes: an expected N+1
must grow, a near-miss must not.

    /usr/bin/python3 tests/django_proof/jade_jinja_proof.py
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JINJA = os.path.join(ROOT, 'fixtures', 'projects', 'jinja')
sys.path[:0] = [JINJA, os.path.join(ROOT, 'fixtures', 'projects', 'jade')]
import django
from django.conf import settings
settings.configure(
    SECRET_KEY='x', INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth', 'library', 'mptt', 'shelf'],
    DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}},
    TEMPLATES=[{'BACKEND': 'django.template.backends.jinja2.Jinja2',
                'DIRS': [os.path.join(JINJA, 'library', 'jinja2')]},
               {'BACKEND': 'django.template.backends.django.DjangoTemplates'}])
django.setup()
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from library.models import Author as LAuthor, Book as LBook
from shelf.models import Author, Book, Publisher, Shelf
with connection.schema_editor() as e:
    for m in (LAuthor, LBook, Author, Publisher, Book, Shelf):
        e.create_model(m)

# What pyjade's Django compiler emits for each fixture template (hand-compiled from
# pyjade/compiler.py and pyjade/ext/django/compiler.py; HTML tags kept, __pyjade_iter
# and __pyjade_attrs written as the plain reads they do).
DJ = {
 'books': '{% for book in books %}<tr><td class="title">{{book.title}}</td><td class="author">{{book.author.name}}</td></tr>{% empty %}<tr><td colspan="2">No books.</td></tr>{% endfor %}',
 'bylines': '<ul>{% for book in books %}<li>{{book.title|escape}}\nby {{book.author.name|escape}}\n</li>{% endfor %}</ul>',
 'links': '<ul>{% for book in books %}<li class="book" title="{{ book.author.name }}"><a href="/publishers/{{ book.publisher_id }}/" data-id="{{ book.pk }}">{{book.title|escape}}</a></li>{% endfor %}</ul>',
 'rows': '<table>{% for book in books %}<tr><td>{{book.title}}</td><td>{{book.author.name}}</td></tr>{% endfor %}</table>',
 'details_with': '{% for book in books %}{% with author=book.author %}<p>{{author.name|escape}}</p>{% endwith %}{% endfor %}',
 'details_if': '{% for book in books %}{% if book.publisher_id %}<p class="publisher">{{book.publisher.name}}</p>{% else %}<p>No publisher</p>{% endif %}{% endfor %}',
 'shelves': '{% load mptt_tags %}<ul class="shelves">{% recursetree shelves %}<li>{{node.name|escape}} ({{node.keeper.name|escape}})<ul>{{ children }}</ul></li>{% endrecursetree %}</ul>',
}

def seed(n):
    for m in (LBook, LAuthor, Book, Shelf, Author, Publisher):
        m.objects.all().delete()
    for i in range(n):
        a = LAuthor.objects.create(name=f'a{i}')
        LBook.objects.create(title='t', author=a)
        sa = Author.objects.create(name=f'a{i}')
        p = Publisher.objects.create(name=f'p{i}')
        Book.objects.create(title=f'b{i}', author=sa, publisher=p)
        root = Shelf.objects.create(name=f's{i}', keeper=sa)
        Shelf.objects.create(name=f's{i}.1', parent=root, keeper=sa)

def count(render):
    with CaptureQueriesContext(connection) as c:
        render()
    return len(c.captured_queries)

cases = {
 'jinja authors.html (macro row per author)': lambda: engines['jinja2'].get_template('library/authors.html').render({'authors': LAuthor.objects.all(), 'featured': LAuthor.objects.first()}),
 'jinja authors.html prefetched (fixed)': lambda: engines['jinja2'].get_template('library/authors.html').render({'authors': LAuthor.objects.prefetch_related('books').all(), 'featured': LAuthor.objects.first()}),
}
for name, src in DJ.items():
    cases[f'jade {name}'] = (lambda s: lambda: engines['django'].from_string(s).render({'books': Book.objects.all(), 'shelves': Shelf.objects.all()}))(src)
cases['jade shelves joined (near-miss)'] = lambda: engines['django'].from_string(DJ['shelves']).render({'shelves': Shelf.objects.select_related('keeper')})
cases['jade books joined (near-miss)'] = lambda: engines['django'].from_string(DJ['books']).render({'books': Book.objects.select_related('author')})
cases['jade links minus title= (near-miss: publisher_id only)'] = lambda: engines['django'].from_string(DJ['links'].replace('title="{{ book.author.name }}"', '')).render({'books': Book.objects.all()})
failed = 0
for name, fn in cases.items():
    res = []
    for n in (2, 6):
        seed(n)
        res.append(count(fn))
    grows = res[1] > res[0]
    want = not ('near-miss' in name or 'fixed' in name)
    failed += grows != want
    print(f'{name}: queries at N=2,6: {res} -> {"grows" if grows else "flat"}'
          f'{"" if grows == want else "  MISMATCH"}')
sys.exit(1 if failed else 0)
