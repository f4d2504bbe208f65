// The Jade front end: pyjade's syntax lowered to Django (or Jinja2) template text and
// parsed by that engine's front end, ranges mapped back onto the Jade source.
#include "parse/Jade.h"
#include "Helpers.h"
#include "index/TemplateEngines.h"
#include "parse/Jinja.h"

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace nplus1::parse::tpl;
using nplus1::test::firstOf;

namespace {

using Strings = std::vector<std::string>;

/// Each Var node's path and the source text its VarWhere covers, in source order.
void readsOf(std::string_view Src, const std::vector<Node> &Nodes, Strings &Paths, Strings &Texts) {
  for (const Node &N : Nodes) {
    if (N.Kind == NodeKind::Var && !N.Value.IsLiteral) {
      Paths.push_back(N.Value.Var);
      Texts.emplace_back(
          Src.substr(N.Value.VarWhere.Begin, N.Value.VarWhere.End - N.Value.VarWhere.Begin));
    }
    readsOf(Src, N.Children, Paths, Texts);
    for (const auto &B : N.Branches)
      readsOf(Src, B, Paths, Texts);
    readsOf(Src, N.ElseChildren, Paths, Texts);
  }
}
Strings pathsOf(std::string_view Src, JadeTarget T = JadeTarget::Django) {
  Strings Paths, Texts;
  readsOf(Src, parseJadeTemplate(Src, T).Nodes, Paths, Texts);
  CHECK(Paths == Texts); // every path maps back onto its own text in the Jade source
  return Paths;
}

} // namespace

TEST_SUITE("parse.jade") {
  TEST_CASE("each/for loops with output, interpolation and an else branch") {
    std::string Src = "ul\n"
                      "  each book in books\n"
                      "    li= book.author.name\n"
                      "    li by #{book.publisher.name}\n"
                      "  else\n"
                      "    li None.\n";
    Template T = parseJadeTemplate(Src, JadeTarget::Django);
    REQUIRE(T.Errors.empty());
    const Node *For = firstOf(T.Nodes, NodeKind::For);
    REQUIRE(For);
    CHECK(For->LoopVars == Strings{"book"});
    CHECK(For->Iter.Var == "books");
    CHECK(Src.substr(For->TagWhere.Begin, 4) == "each");
    CHECK(For->ElseChildren.size() > 0);
    CHECK(pathsOf(Src) == Strings{"book.author.name", "book.publisher.name"});
  }

  TEST_CASE("if/elif/else/unless, - code blocks closed as pyjade closes them") {
    std::string Src = "if a.b\n  p= a.c\nelif a.d\n  p x\nelse\n  p y\n"
                      "unless e.f\n  p z\n"
                      "- with g=h.i\n  p #{g.j}\n"
                      "- load static\n";
    Template T = parseJadeTemplate(Src, JadeTarget::Django);
    REQUIRE(!T.Nodes.empty());
    CHECK(firstOf(T.Nodes, NodeKind::With));
    CHECK(pathsOf(Src) == Strings{"a.c", "g.j"});
  }

  TEST_CASE("attributes: quoted strings are template text, other values expressions") {
    std::string Src = "a(href='{% url \"x\" r.s.t %}', title=r.u.v, class=('k' if r.w else 'l'))\n"
                      "  | {{ r.y }}\n";
    Strings Django = pathsOf(Src);
    CHECK(Django == Strings{"r.u.v", "r.w", "r.y"});
    Template T = parseJadeTemplate(Src, JadeTarget::Django);
    const Node *Url = nullptr;
    for (const Node &N : T.Nodes)
      if (N.TagName == "url")
        Url = &N;
    REQUIRE(Url);
    REQUIRE(Url->Args.size() == 2);
    CHECK(Src.substr(Url->Args[1].Where.Begin, 5) == "r.s.t");
  }

  TEST_CASE("include and extends take pyjade's default extension") {
    Template T =
        parseJadeTemplate("extends layout\nblock body\n  include parts/row\n", JadeTarget::Django);
    const Node *Ext = firstOf(T.Nodes, NodeKind::Extends);
    const Node *Inc = firstOf(T.Nodes, NodeKind::Include);
    REQUIRE(Ext);
    REQUIRE(Inc);
    CHECK(Ext->Value.Var == "\"layout.jade\"");
    CHECK(Inc->Value.Var == "\"parts/row.jade\"");
    CHECK(firstOf(T.Nodes, NodeKind::Block));
  }

  TEST_CASE("comments, script text and multi-line attributes") {
    std::string Src = "//- #{x.hidden}\n// \n  p #{x.hidden2}\n"
                      "script(type='text/javascript')\n  var a = '#{x.name}';\n"
                      "a(href='/',\n  title=x.title)\n";
    CHECK(pathsOf(Src) == Strings{"x.name", "x.title"});
  }

  TEST_CASE("Jinja2 target: expressions as written, mixins as macros") {
    std::string Src = "mixin item(b)\n  li= b.title\nfor b in books\n  +item(b)\n";
    JadeLowering L = lowerJade(Src, JadeTarget::Jinja2);
    CHECK(!L.Failed);
    CHECK(L.Text.find("{% macro item(b) %}") != std::string::npos);
    CHECK(L.Text.find("{{ item(b) }}") != std::string::npos);
    CHECK(L.Origin.size() == L.Text.size() + 1);
  }

  TEST_CASE("what cannot be lowered or parsed is not analysed") {
    // An attribute list that never closes, and a Django syntax error after lowering.
    for (const char *Src : {"each b in bs\n  a(href=b.c\n", "- if\n  p= b.c\n", "= a.b|\n"}) {
      Template T = parseJadeTemplate(Src, JadeTarget::Django);
      CHECK(T.Nodes.empty());
      CHECK(T.Errors.empty());
    }
    // Nesting past the parser's bound, on one line and by indentation.
    std::string Inline, Indented;
    for (int I = 0; I < 5000; ++I) {
      Inline += "a: ";
      Indented += std::string(I, ' ') + "div\n";
    }
    CHECK(parseJadeTemplate(Inline + "p= x.y\n", JadeTarget::Django).Nodes.empty());
    CHECK(parseJadeTemplate(Indented, JadeTarget::Jinja2).Errors.empty());
  }

  TEST_CASE("random line soup: never an error, every range inside the source") {
    const char *Pieces[] = {"each x in xs",
                            "  ",
                            "    ",
                            "p= x.y",
                            "| #{",
                            "}",
                            "a(",
                            ")",
                            "href='{{ x }}'",
                            "- with a=b",
                            "if x",
                            "else",
                            "//",
                            "include",
                            "block b",
                            "+m(x)",
                            "mixin m(a)",
                            "!= x",
                            "'",
                            "\"",
                            ":",
                            ".",
                            "#{x.y}",
                            "\t",
                            "\n",
                            "{%",
                            "%}",
                            "{{",
                            "}}",
                            "\\"};
    std::mt19937 Rng(7);
    for (int Round = 0; Round < 300; ++Round) {
      std::string Src;
      for (int I = 0; I < 24; ++I)
        Src += Pieces[Rng() % (sizeof(Pieces) / sizeof(*Pieces))];
      for (JadeTarget T : {JadeTarget::Django, JadeTarget::Jinja2}) {
        JadeLowering L = lowerJade(Src, T);
        REQUIRE(L.Origin.size() == L.Text.size() + 1);
        for (uint32_t O : L.Origin)
          REQUIRE(O <= Src.size());
        Template Tree = parseJadeTemplate(Src, T);
        CHECK(Tree.Errors.empty());
        Strings Paths, Texts;
        readsOf(Src, Tree.Nodes, Paths, Texts);
      }
    }
  }
}

TEST_SUITE("index.template_engines") {
  TEST_CASE("pyjade/pypugjs are enabled by their loader or extension, not by a comment") {
    nplus1::index::TemplateSettings S;
    nplus1::index::notePyjade(S, "# ('pyjade.ext.django.Loader', (...)),\nX = 1\n");
    CHECK(!S.JadeDjango);
    nplus1::index::notePyjade(S, "TEMPLATE_LOADERS = (\n    ('pyjade.ext.django.Loader', (\n");
    CHECK(S.JadeDjango);
    CHECK(!S.JadeJinja2);
    nplus1::index::notePyjade(S, "'extensions': [\"pypugjs.ext.jinja.PyPugJSExtension\"]");
    CHECK(S.JadeJinja2);
    CHECK(isJadeFileName("user/rating.jade"));
    CHECK(isJadeFileName("a.pug"));
    CHECK(!isJadeFileName("a.html"));
  }
}
