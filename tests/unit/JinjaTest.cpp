// The Jinja2 front end: Jinja2 syntax read into the Django template node structures.
#include "parse/Jinja.h"
#include "Helpers.h"

#include <doctest/doctest.h>

#include <string>

using namespace nplus1::parse::tpl;
using nplus1::test::firstOf;
using Strings = std::vector<std::string>;

namespace {

std::string_view textAt(std::string_view Src, Range R) {
  return Src.substr(R.Begin, R.End - R.Begin);
}

/// The Var nodes of \p Nodes and their descendants, as their paths, in source order.
void varsOf(const std::vector<Node> &Nodes, std::vector<std::string> &Out) {
  for (const Node &N : Nodes) {
    if (N.Kind == NodeKind::Var)
      Out.push_back(N.Value.Var);
    varsOf(N.Children, Out);
    for (const auto &B : N.Branches)
      varsOf(B, Out);
    varsOf(N.ElseChildren, Out);
  }
}
std::vector<std::string> varsOf(const Template &T) {
  std::vector<std::string> Out;
  varsOf(T.Nodes, Out);
  return Out;
}

} // namespace

/// Every range of \p Nodes lies inside a source of \p Size bytes.
static bool rangesInside(const std::vector<Node> &Nodes, size_t Size) {
  auto In = [&](Range R) { return R.Begin <= R.End && R.End <= Size; };
  auto ExprIn = [&](const Expr &E) {
    bool Ok = In(E.Where) && In(E.VarWhere);
    for (const Filter &F : E.Filters)
      Ok &= In(F.Where) && In(F.ArgWhere);
    return Ok;
  };
  for (const Node &N : Nodes) {
    bool Ok = In(N.Where) && In(N.TagWhere) && In(N.EndTagWhere) && ExprIn(N.Iter) &&
              ExprIn(N.Value) && N.LoopVars.size() == N.LoopVarWhere.size();
    for (const Expr &E : N.Conditions)
      Ok &= ExprIn(E);
    for (const Expr &E : N.Args)
      Ok &= ExprIn(E);
    for (const auto &B : N.Bindings)
      Ok &= ExprIn(B.second);
    for (const auto &B : N.Branches)
      Ok &= rangesInside(B, Size);
    if (!Ok || !rangesInside(N.Children, Size) || !rangesInside(N.ElseChildren, Size))
      return false;
  }
  return true;
}

TEST_SUITE("parse.jinja") {
  TEST_CASE("random token soup: no errors, every range inside the source") {
    const char *Pieces[] = {
        "{{ ",       " }}",    "{% ",       " %}",         "{%- ",     " -%}",    "{# ",
        " #}",       "for ",   "x ",        "in ",         "xs ",      "if ",     "else ",
        "endfor ",   "endif ", "set ",      "= ",          "a.b",      ".c",      "()",
        "(",         ")",      "|e",        "|join(', ')", "'s'",      "\"",      "[",
        "]",         "{",      "}",         ", ",          "raw ",     "endraw ", "block ",
        "endblock ", "macro ", "endmacro ", "with ",       "endwith ", "is ",     "not ",
        "~ ",        "1",      "\n",        "include ",    "extends "};
    unsigned Seed = 12345;
    for (int Case = 0; Case < 2000; ++Case) {
      std::string Src;
      for (int I = 0; I < 40; ++I) {
        Seed = Seed * 1103515245u + 12345u;
        Src += Pieces[(Seed >> 16) % (sizeof(Pieces) / sizeof(*Pieces))];
      }
      CAPTURE(Src);
      Template T = parseJinjaTemplate(Src);
      CHECK(T.Errors.empty());
      CHECK(rangesInside(T.Nodes, Src.size()));
    }
  }

  TEST_CASE("for loops: variables, iterable, else body, exact ranges") {
    std::string_view Src = "{% for a, b in rows.items %}{{ a.name }}{% else %}none{% endfor %}";
    Template T = parseJinjaTemplate(Src);
    CHECK(T.Errors.empty());
    const Node *F = firstOf(T.Nodes, NodeKind::For);
    REQUIRE(F);
    CHECK(F->LoopVars == std::vector<std::string>{"a", "b"});
    CHECK(F->Iter.Var == "rows.items");
    CHECK(textAt(Src, F->Iter.VarWhere) == "rows.items");
    CHECK(textAt(Src, F->TagWhere) == "{% for a, b in rows.items %}");
    CHECK(textAt(Src, F->EndTagWhere) == "{% endfor %}");
    REQUIRE(F->Children.size() == 1);
    CHECK(F->Children[0].Value.Var == "a.name");
    CHECK(textAt(Src, F->Children[0].Value.VarWhere) == "a.name");
    REQUIRE(F->ElseChildren.size() == 1);
    CHECK(F->ElseChildren[0].Kind == NodeKind::Text);
  }

  TEST_CASE("methods are called explicitly; a method named without a call is not run") {
    std::string_view Src = "{{ row.items.all() }}|{{ row.items.count() }}|{{ row.items.all }}";
    Template T = parseJinjaTemplate(Src);
    CHECK(varsOf(T) == std::vector<std::string>{"row.items.all", "row.items.count", "row.items"});
    CHECK(textAt(Src, T.Nodes[0].Value.VarWhere) == "row.items.all");
  }

  TEST_CASE("a call with arguments reads its object; the arguments escape") {
    Template T =
        parseJinjaTemplate("{{ row.items.filter(kind=k.x).first() }}{{ fmt(row.author) }}");
    CHECK(varsOf(T) == std::vector<std::string>{"row.items"});
    std::vector<std::string> Escaped;
    for (const Node &N : T.Nodes)
      if (N.Kind == NodeKind::Other && N.TagName == "call" && N.Value.Var.empty())
        for (const Expr &E : N.Args)
          Escaped.push_back(E.Var);
    CHECK(Escaped == std::vector<std::string>{"k.x", "row.author"});
  }

  TEST_CASE("a global called by name with arguments is one call node named by its Value") {
    std::string_view Src = "{{ link_user(r.user, 'x', size=r.size) }}{{ fmt(*rows) }}{{ a.b(r) }}";
    Template T = parseJinjaTemplate(Src);
    std::vector<const Node *> Calls;
    for (const Node &N : T.Nodes)
      if (N.Kind == NodeKind::Other && N.TagName == "call" && !N.Value.Var.empty())
        Calls.push_back(&N);
    REQUIRE(Calls.size() == 1); // `*rows` leaves the positions unknown; `a.b` is a method
    CHECK(Calls[0]->Value.Var == "link_user");
    CHECK(textAt(Src, Calls[0]->Value.VarWhere) == "link_user");
    REQUIRE(Calls[0]->Args.size() == 2);
    CHECK(Calls[0]->Args[0].Var == "r.user");
    CHECK(Calls[0]->Args[1].IsLiteral);
    REQUIRE(Calls[0]->Bindings.size() == 1);
    CHECK(Calls[0]->Bindings[0].first == "size");
    CHECK(Calls[0]->Bindings[0].second.Var == "r.size");
  }

  TEST_CASE("filters become Django filters; operands of operators are read") {
    std::string_view Src =
        "{{ xs|count }}{{ x.name|e|default(y.z) }}{{ 'a' ~ r.t ~ r.u|join(', ') }}{{ {'k': d.v} }}";
    Template T = parseJinjaTemplate(Src);
    CHECK(varsOf(T) == std::vector<std::string>{"xs", "x.name", "r.t", "r.u", "d.v"});
    REQUIRE(T.Nodes[0].Value.Filters.size() == 1);
    CHECK(T.Nodes[0].Value.Filters[0].Name == "length");
    const Expr &X = T.Nodes[1].Value;
    REQUIRE(X.Filters.size() == 2);
    CHECK(X.Filters[0].Name == "escape");
    CHECK(X.Filters[1].Name == "default");
    CHECK(X.Filters[1].HasArg);
    CHECK_FALSE(X.Filters[1].ArgIsLiteral);
    CHECK(X.Filters[1].Arg == "y.z");
    CHECK(textAt(Src, X.Filters[1].ArgWhere) == "y.z");
    const Expr &J = T.Nodes[3].Value;
    REQUIRE(J.Filters.size() == 1);
    CHECK(J.Filters[0].ArgIsLiteral);
  }

  TEST_CASE("if/elif/else: every operand of every condition, with its branch") {
    Template T = parseJinjaTemplate(
        "{% if a.b and not c.d %}1{% elif e is defined %}2{% else %}3{% endif %}");
    const Node *If = firstOf(T.Nodes, NodeKind::If);
    REQUIRE(If);
    REQUIRE(If->Conditions.size() == 3);
    CHECK(If->Conditions[0].Var == "a.b");
    CHECK(If->Conditions[1].Var == "c.d");
    CHECK(If->Conditions[2].Var == "e");
    CHECK(If->ConditionBranch == std::vector<uint32_t>{0, 0, 1});
    CHECK(If->Branches.size() == 3);
    CHECK(If->HasElse);
  }

  TEST_CASE("a loop filter reads each row at the top of the body") {
    Template T = parseJinjaTemplate("{% for b in books if b.author.name %}{{ b.t }}{% endfor %}");
    const Node *F = firstOf(T.Nodes, NodeKind::For);
    REQUIRE(F);
    CHECK(F->Iter.Var == "books");
    REQUIRE(F->Children.size() >= 1);
    const Node &If = F->Children[0];
    CHECK(If.Kind == NodeKind::If);
    REQUIRE(If.Conditions.size() == 1);
    CHECK(If.Conditions[0].Var == "b.author.name");
    CHECK(varsOf(T) == std::vector<std::string>{"b.t"});
  }

  TEST_CASE("set binds for the rest of its body; a set block is an Other node") {
    Template T = parseJinjaTemplate("{% if x %}{% set y = a.b %}{{ y.c }}{% else %}"
                                    "{{ y.d }}{% endif %}{% set z %}{{ q }}{% endset %}{{ z }}");
    const Node *If = firstOf(T.Nodes, NodeKind::If);
    REQUIRE(If);
    REQUIRE(If->Branches.size() == 2);
    REQUIRE(If->Branches[0].size() == 1);
    const Node &With = If->Branches[0][0];
    CHECK(With.Kind == NodeKind::With);
    REQUIRE(With.Bindings.size() == 1);
    CHECK(With.Bindings[0].first == "y");
    CHECK(With.Bindings[0].second.Var == "a.b");
    REQUIRE(With.Children.size() == 1);
    CHECK(With.Children[0].Value.Var == "y.c");
    CHECK(If->Branches[1].size() == 1); // the else branch is outside the set's scope
    const Node *SetBlock = nullptr;
    for (const Node &N : T.Nodes)
      if (N.Kind == NodeKind::Other && N.TagName == "set")
        SetBlock = &N;
    REQUIRE(SetBlock);
    CHECK(SetBlock->AsVar == "z");
    CHECK(varsOf(T) == std::vector<std::string>{"y.c", "y.d", "q", "z"});
  }

  TEST_CASE("include, extends, block, with") {
    std::string_view Src = "{% extends \"base.html\" %}{% block body scoped %}"
                           "{% include 'row.html' without context %}{% include name %}"
                           "{% with r = rows.first() %}{{ r.x }}{% endwith %}{% endblock body %}";
    Template T = parseJinjaTemplate(Src);
    REQUIRE(T.Nodes.size() == 2);
    CHECK(T.Nodes[0].Kind == NodeKind::Extends);
    CHECK(T.Nodes[0].Value.IsLiteral);
    CHECK(T.Nodes[0].Value.Var == "\"base.html\"");
    const Node &Block = T.Nodes[1];
    CHECK(Block.Kind == NodeKind::Block);
    CHECK(Block.BlockName == "body");
    CHECK(textAt(Src, Block.EndTagWhere) == "{% endblock body %}");
    REQUIRE(Block.Children.size() == 3);
    CHECK(Block.Children[0].Kind == NodeKind::Include);
    CHECK(Block.Children[0].Value.Var == "'row.html'");
    CHECK(Block.Children[0].Only);
    CHECK_FALSE(Block.Children[1].Value.IsLiteral);
    const Node &With = Block.Children[2];
    CHECK(With.Kind == NodeKind::With);
    REQUIRE(With.Bindings.size() == 1);
    CHECK(With.Bindings[0].second.Var == "rows.first");
  }

  TEST_CASE("macro and call bodies are not walked; raw and comments hold no variables") {
    Template T = parseJinjaTemplate("{% macro m(a) %}{{ a.x }}{% endmacro %}"
                                    "{% call m(row) %}{{ caller_thing }}{% endcall %}"
                                    "{% raw %}{{ not_a_var }}{% endraw %}{# {{ nor_this }} #}"
                                    "{%- if v -%} {{ w }} {%- endif -%}");
    CHECK(varsOf(T) == std::vector<std::string>{"w"});
    const Node *Raw = firstOf(T.Nodes, NodeKind::Verbatim);
    REQUIRE(Raw);
    CHECK(Raw->Text == "{{ not_a_var }}");
  }

  TEST_CASE("an extension's block tag keeps its body") {
    Template T = parseJinjaTemplate("{% compress js %}{{ a.b }}{% endcompress %}{% csrf_token %}");
    REQUIRE(T.Nodes.size() == 2);
    CHECK(T.Nodes[0].Kind == NodeKind::Other);
    CHECK(T.Nodes[0].TagName == "compress");
    REQUIRE(T.Nodes[0].Children.size() == 1);
    CHECK(T.Nodes[0].Children[0].Value.Var == "a.b");
    CHECK(T.Nodes[1].TagName == "csrf_token");
  }

  TEST_CASE("malformed input never gives an error and never hangs") {
    const char *Inputs[] = {"{% for %}",
                            "{{",
                            "{% if %}{% endfor %}",
                            "{{ a.b( }}",
                            "{% set %}",
                            "{{ ((((((((( }}",
                            "{% for x in %}{% else %}",
                            "{% endif %}{% else %}{% elif %}",
                            "{{ 'unterminated }}",
                            "{% raw %}never closed",
                            "{{ a|f( }}{{ b | }}",
                            "{% with = %}{% include %}{% extends %}",
                            "{% block %}{% endblock %}{% macro %}",
                            "{{ x is }}{{ y is not }}"};
    for (const char *In : Inputs) {
      CAPTURE(In);
      CHECK(parseJinjaTemplate(In).Errors.empty());
    }
    std::string Deep;
    for (int I = 0; I < 3000; ++I)
      Deep += "{% if x %}";
    CHECK(parseJinjaTemplate(Deep).Errors.empty());
    std::string Nested = std::string(5000, '(') + "x.y" + std::string(5000, ')');
    CHECK(parseJinjaTemplate("{{ " + Nested + " }}").Errors.empty());
  }

  TEST_CASE("Jinja2 syntax is told from Django's") {
    // Statements only Jinja2 has, whitespace control, calls and subscripts.
    CHECK(hasJinjaSyntax("{% set title = 'Forums' %}{{ title }}"));
    CHECK(hasJinjaSyntax("{% macro row(x) %}{% endmacro %}"));
    CHECK(hasJinjaSyntax("{% from 'macros.html' import row %}"));
    CHECK(hasJinjaSyntax("{%- if x -%}y{% endif %}"));
    CHECK(hasJinjaSyntax("<a href=\"{{ url('home') }}\">{{ _('Help') }}</a>"));
    CHECK(hasJinjaSyntax("{% for f in form.visible_fields() %}{% endfor %}"));
    CHECK(hasJinjaSyntax("{{ feed[0] }}"));
    // Django's: filters with arguments, plain lookups, text that only looks like a call.
    CHECK_FALSE(hasJinjaSyntax("{% for o in orders %}{{ o.date|date:\"Y\" }}{% endfor %}"));
    CHECK_FALSE(hasJinjaSyntax("{% trans \"Help (me)\" %} call(x) {# f(x) #}"));
    CHECK_FALSE(hasJinjaSyntax("{% if a %}{% elif b %}{% endif %}{% url 'x' pk=1 %}"));
    // A Django tag library is loaded: Django's, whatever else is written.
    CHECK_FALSE(hasJinjaSyntax("{% load static %}{{ url('home') }}"));
  }
}

TEST_SUITE("flow.templates") {
  TEST_CASE("a Jinja2 template reports the per-row reads a Django one does") {
    nplus1::test::MiniProject P(
        nplus1::test::Mods{{"shop.models", nplus1::test::ShopModels}, {"shop.views", R"py(
from django.shortcuts import render
from .models import Customer, Order
def customers(request):
    return render(request, 'customers.jinja', {'customers': Customer.objects.all()})
def orders(request):
    return render(request, 'orders.jinja', {'orders': Order.objects.all()})
def prefetched(request):
    qs = Customer.objects.prefetch_related('orders')
    return render(request, 'customers.jinja', {'customers': qs})
)py"}},
        {{"customers.jinja", "{% macro row(c) %}{{ c.address.city }}{% endmacro %}\n"
                             "{% set rows = customers %}{% for c in rows %}\n"
                             "{% for o in c.orders.all() %}{{ o.id }}{% endfor %}\n"
                             "{{ c.orders.count() }}\n"
                             "{{ c.orders.all }}{{ row(c) }}\n"
                             "{% endfor %}"},
         {"orders.jinja", "{% for o in orders if o.customer.name %}\n"
                          "{{ link(o.customer.address) }}\n{% endfor %}"}});
    // Line 3: the loop over c.orders.all(); 4: count(); 5: not a method not called, but the
    // macro's body read per row (reported at line 1, where it reads, for both views: neither
    // joins the address). The prefetch covers lines 3 and 4 and is used (no NP301).
    CHECK(P.findings("shop.views") == Strings{"templates/customers.jinja:1:NP101:address",
                                              "templates/customers.jinja:1:NP101:address",
                                              "templates/customers.jinja:3:NP102:orders",
                                              "templates/customers.jinja:4:NP103:orders",
                                              "templates/orders.jinja:1:NP101:customer",
                                              "templates/orders.jinja:2:NP101:customer__address"});
  }
}

TEST_SUITE("parse.jinja") {
  TEST_CASE("a call of the template's own macro becomes its body, parameters bound") {
    std::string Src = "{% for a in authors %}{{ row(a, label=a.x) }}{% endfor %}"
                      "{% macro row(author, label, size=f(2)) %}{{ author.name }}{% endmacro %}"
                      "{% macro again(n) %}{{ again(n.m) }}{% endmacro %}{{ again(b) }}";
    Template T = parseJinjaTemplate(Src);
    const Node *For = firstOf(T.Nodes, NodeKind::For);
    REQUIRE(For);
    const Node *W = firstOf(For->Children, NodeKind::With);
    REQUIRE(W);
    CHECK(W->TagName == "macro");
    REQUIRE(W->Bindings.size() == 3);
    CHECK(W->Bindings[0].first == "author");
    CHECK(W->Bindings[0].second.Var == "a");
    CHECK(W->Bindings[1].first == "label");
    CHECK(W->Bindings[1].second.Var == "a.x");
    CHECK(W->Bindings[2].first == "size");
    CHECK(W->Bindings[2].second.Var == "None");
    std::vector<std::string> Vars;
    varsOf(W->Children, Vars);
    CHECK(Vars == Strings{"author.name"});
    // A macro calling itself is inlined once: its own call stays a call.
    CHECK(rangesInside(T.Nodes, Src.size()));
    const Node *Again = nullptr;
    for (const Node &N : T.Nodes)
      if (N.Kind == NodeKind::With && !N.Bindings.empty() && N.Bindings[0].first == "n")
        Again = &N;
    REQUIRE(Again);
    CHECK(std::any_of(Again->Children.begin(), Again->Children.end(),
                      [](const Node &C) { return C.TagName == "call"; }));
  }
}
