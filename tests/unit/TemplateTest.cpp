//===- tests/unit/TemplateTest.cpp - Django template parser tests ---------===//

#include "parse/Template.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

using namespace nplus1::parse::tpl;

namespace {

/// The source text a range covers.
std::string_view slice(std::string_view Src, Range R) {
  REQUIRE(R.Begin <= R.End);
  REQUIRE(R.End <= Src.size());
  return Src.substr(R.Begin, R.End - R.Begin);
}

/// The nodes of T that are not text.
std::vector<const Node *> tags(const std::vector<Node> &Nodes) {
  std::vector<const Node *> Out;
  for (const Node &N : Nodes)
    if (N.Kind != NodeKind::Text)
      Out.push_back(&N);
  return Out;
}

/// Parses Src and requires that it has no errors.
Template parseClean(std::string_view Src) {
  Template T = parseTemplate(Src);
  for (const Error &E : T.Errors)
    FAIL_CHECK("unexpected error: " << E.Message);
  return T;
}

/// Whether some error message of T contains Needle.
bool hasError(const Template &T, std::string_view Needle) {
  for (const Error &E : T.Errors)
    if (E.Message.find(Needle) != std::string::npos)
      return true;
  return false;
}

std::string repeat(std::string_view S, size_t N) {
  std::string Out;
  Out.reserve(S.size() * N);
  for (size_t I = 0; I < N; ++I)
    Out += S;
  return Out;
}

std::string readFile(const std::filesystem::path &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream Buffer;
  Buffer << In.rdbuf();
  return Buffer.str();
}

/// Django's admin templates: Debian's python3-django, or $NPLUS1_DJANGO_ADMIN_TEMPLATES.
std::filesystem::path adminTemplates() {
  const char *Dir = std::getenv("NPLUS1_DJANGO_ADMIN_TEMPLATES");
  return Dir ? Dir : "/usr/lib/python3/dist-packages/django/contrib/admin/templates";
}

/// Without Django there is nothing to check: say so and fail. CTest's unit.django marks
/// the test skipped on this message (SKIP_REGULAR_EXPRESSION), so it never passes silently.
void requireDjango(const std::filesystem::path &Path) {
  if (!std::filesystem::exists(Path))
    FAIL("SKIPPED: Django's admin templates are not installed (" << Path.string()
                                                                 << "); install python3-django");
}

} // namespace

TEST_SUITE("parse.template") {

  TEST_CASE("empty input gives nothing") {
    Template T = parseTemplate("");
    CHECK(T.Nodes.empty());
    CHECK(T.Errors.empty());
  }

  TEST_CASE("plain text is one Text node") {
    std::string_view Src = "<p>hello { world } % # </p>\n";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 1);
    CHECK(T.Nodes[0].Kind == NodeKind::Text);
    CHECK(T.Nodes[0].Text == Src);
    CHECK(T.Nodes[0].Where.Begin == 0);
    CHECK(T.Nodes[0].Where.End == Src.size());
  }

  TEST_CASE("variable tag ranges are exact") {
    std::string_view Src = "ab {{  order.customer.name  }} cd";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 3);
    const Node &V = T.Nodes[1];
    CHECK(V.Kind == NodeKind::Var);
    CHECK(slice(Src, V.TagWhere) == "{{  order.customer.name  }}");
    CHECK(slice(Src, V.Where) == "{{  order.customer.name  }}");
    CHECK(V.Value.Var == "order.customer.name");
    CHECK_FALSE(V.Value.IsLiteral);
    CHECK(slice(Src, V.Value.Where) == "order.customer.name");
    CHECK(slice(Src, V.Value.VarWhere) == "order.customer.name");
    CHECK(slice(Src, T.Nodes[0].Where) == "ab ");
    CHECK(slice(Src, T.Nodes[2].Where) == " cd");
  }

  TEST_CASE("filters follow filter_re, pipes inside quotes included") {
    std::string_view Src = R"({{ order.items|default:"a | b"|date:fmt.short | length }})";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 1);
    const Expr &E = T.Nodes[0].Value;
    CHECK(E.Var == "order.items");
    REQUIRE(E.Filters.size() == 3);
    CHECK(E.Filters[0].Name == "default");
    CHECK(E.Filters[0].HasArg);
    CHECK(E.Filters[0].ArgIsLiteral);
    CHECK(E.Filters[0].Arg == R"("a | b")");
    CHECK(slice(Src, E.Filters[0].Where) == R"(default:"a | b")");
    CHECK(slice(Src, E.Filters[0].ArgWhere) == R"("a | b")");
    CHECK(E.Filters[1].Name == "date");
    CHECK(E.Filters[1].Arg == "fmt.short");
    CHECK_FALSE(E.Filters[1].ArgIsLiteral);
    CHECK(E.Filters[2].Name == "length");
    CHECK_FALSE(E.Filters[2].HasArg);
    CHECK(slice(Src, E.Filters[2].Where) == "length");
    CHECK(slice(Src, E.Where) == R"(order.items|default:"a | b"|date:fmt.short | length)");
  }

  TEST_CASE("literals: strings, translated strings and numbers") {
    struct Case {
      std::string_view Text;
      bool Literal;
    } Cases[] = {
        {R"("double")", true}, {R"('it\'s')", true}, {R"(_("hello"))", true}, {"3", true},
        {"-1.5", true},        {"+4", true},         {"1e5", true},           {"1_000", true},
        {".5", true},          {"2.", false},        {"1.2.3", false},        {"x1", false},
    };
    for (const Case &C : Cases) {
      CAPTURE(C.Text);
      std::string Src = "{{ " + std::string(C.Text) + " }}";
      Template T = parseClean(Src);
      REQUIRE(T.Nodes.size() == 1);
      CHECK(T.Nodes[0].Value.Var == C.Text);
      CHECK(T.Nodes[0].Value.IsLiteral == C.Literal);
    }
  }

  TEST_CASE("filter expressions Django rejects give errors") {
    struct Case {
      std::string_view Src, Message;
    } Cases[] = {
        {"{{ 1e-5 }}", "Could not parse the remainder: '-5' from '1e-5'"},
        {"{{ _private }}", "may not begin with underscores"},
        {"{{ a._b }}", "may not begin with underscores"},
        {"{{ x|date:_y }}", "may not begin with underscores"},
        {"{{ |upper }}", "Could not find variable at start of |upper."},
        {"{{ a b }}", "Could not parse the remainder: ' b' from 'a b'"},
        {"{{ a b|upper }}", "Could not parse some characters: a| b||upper"},
        {"{{ a|default }}", "default requires 2 arguments, 1 provided"},
        {"{{ a|length:2 }}", "length requires 1 arguments, 2 provided"},
        {"{{ _(x) }}", "may not begin with underscores: '_'"},
        {"{{ }}", "Empty variable tag on line 1"},
        {"{% %}", "Empty block tag on line 1"},
        {"{{ \"open }}", "Could not parse the remainder"},
    };
    for (const Case &C : Cases) {
      CAPTURE(C.Src);
      Template T = parseTemplate(C.Src);
      REQUIRE(T.Errors.size() == 1);
      CHECK(T.Errors[0].Message.find(C.Message) != std::string::npos);
    }
    // Filters we do not know may come from any library.
    parseClean("{{ a|my_filter:b.c|other }}");
  }

  TEST_CASE("tags end at the first closer on the same line") {
    // `{{ a\n}}` and `{# a\n #}` are text: tag_re does not cross lines.
    Template T = parseClean("{{ a\n}} {# a\n #}");
    REQUIRE(T.Nodes.size() == 1);
    CHECK(T.Nodes[0].Kind == NodeKind::Text);

    std::string_view Src = "{{ a }}}{% if x %}}{% endif %}";
    T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 3);
    CHECK(T.Nodes[0].Value.Var == "a");
    CHECK(T.Nodes[1].Text == "}");
    CHECK(slice(Src, T.Nodes[2].Where) == Src.substr(8));
    REQUIRE(T.Nodes[2].Branches.size() == 1);
    REQUIRE(T.Nodes[2].Branches[0].size() == 1);
    CHECK(T.Nodes[2].Branches[0][0].Text == "}");

    // `{%{% if a %}` is one tag whose command is `{%`.
    T = parseTemplate("{%{% if a %}");
    CHECK(hasError(T, "Invalid block tag on line 1: '{%'"));
  }

  TEST_CASE("unclosed openers at the end are text") {
    for (std::string_view Src : {"{%", "{{", "{#", "{", "abc {% if", "{{ a }"}) {
      CAPTURE(Src);
      Template T = parseClean(Src);
      REQUIRE(T.Nodes.size() == 1);
      CHECK(T.Nodes[0].Kind == NodeKind::Text);
      CHECK(T.Nodes[0].Text == Src);
    }
  }

  TEST_CASE("hash comments become Comment nodes") {
    std::string_view Src = "a{#  expect: NP101  #}b";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 3);
    const Node &C = T.Nodes[1];
    CHECK(C.Kind == NodeKind::Comment);
    CHECK(C.TagName == "#");
    CHECK(C.Text == "expect: NP101");
    CHECK(slice(Src, C.Where) == "{#  expect: NP101  #}");
  }

  TEST_CASE("comment blocks skip everything up to an exact endcomment") {
    std::string_view Src = "{% comment \"why\" %}{% if %}{{ _x }}"
                           "{% endcomment x %}{% endcomment %}after";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 2);
    const Node &C = T.Nodes[0];
    CHECK(C.Kind == NodeKind::Comment);
    CHECK(C.TagName == "comment");
    CHECK(C.Text == "{% if %}{{ _x }}{% endcomment x %}");
    CHECK(slice(Src, C.EndTagWhere) == "{% endcomment %}");
    CHECK(slice(Src, C.Where) == Src.substr(0, Src.size() - 5));

    T = parseTemplate("{% comment %}never closed {% if x %}");
    CHECK(hasError(T, "Unclosed tag on line 1: 'comment'"));
    REQUIRE(T.Nodes.size() == 1);
    CHECK(T.Nodes[0].Kind == NodeKind::Comment);
  }

  TEST_CASE("verbatim blocks, plain and named") {
    std::string_view Src = "{% verbatim %}{% if %}{{ x }}{# c #}{% endverbatim %}{{ y }}";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 2);
    CHECK(T.Nodes[0].Kind == NodeKind::Verbatim);
    CHECK(T.Nodes[0].Text == "{% if %}{{ x }}{# c #}");
    CHECK(slice(Src, T.Nodes[0].EndTagWhere) == "{% endverbatim %}");
    CHECK(T.Nodes[1].Value.Var == "y");

    Src = "{% verbatim block1 %}{% endverbatim %}{% endverbatim block1 %}";
    T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 1);
    CHECK(T.Nodes[0].Text == "{% endverbatim %}");
    CHECK(T.Nodes[0].Where.End == Src.size());

    T = parseTemplate("{% verbatim %}{% endverbatim x %}");
    CHECK(hasError(T, "Unclosed tag on line 1: 'verbatim'"));
  }

  TEST_CASE("for loops: variables, iterable, reversed, empty") {
    std::string_view Src = "{% for key , value in data.items reversed %}"
                           "{{ key }}{% empty %}none{% endfor %}!";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 2);
    const Node &F = T.Nodes[0];
    CHECK(F.Kind == NodeKind::For);
    CHECK(F.TagName == "for");
    CHECK(F.LoopVars == std::vector<std::string>{"key", "value"});
    REQUIRE(F.LoopVarWhere.size() == 2);
    CHECK(slice(Src, F.LoopVarWhere[0]) == "key");
    CHECK(slice(Src, F.LoopVarWhere[1]) == "value");
    CHECK(F.Iter.Var == "data.items");
    CHECK(slice(Src, F.Iter.Where) == "data.items");
    CHECK(F.Reversed);
    REQUIRE(F.Children.size() == 1);
    CHECK(F.Children[0].Value.Var == "key");
    REQUIRE(F.ElseChildren.size() == 1);
    CHECK(F.ElseChildren[0].Text == "none");
    CHECK(slice(Src, F.TagWhere) == "{% for key , value in data.items reversed %}");
    CHECK(slice(Src, F.EndTagWhere) == "{% endfor %}");
    CHECK(F.Where.Begin == 0);
    CHECK(F.Where.End == Src.size() - 1);

    T = parseClean("{% for a,b in pairs %}{% endfor junk %}");
    CHECK(T.Nodes[0].LoopVars == std::vector<std::string>{"a", "b"});
    CHECK_FALSE(T.Nodes[0].Reversed);
  }

  TEST_CASE("bad for syntax is reported") {
    struct Case {
      std::string_view Src, Message;
    } Cases[] = {
        {"{% for x y %}{% endfor %}", "should have at least four words"},
        {"{% for x of y %}{% endfor %}", "should use the format 'for x in y'"},
        {"{% for \"x\" in y %}{% endfor %}", "received an invalid argument"},
        {"{% for x, in y %}{% endfor %}", "received an invalid argument"},
        {"{% for x in y|default:_z %}{% endfor %}", "underscores: '_z'"},
        {"{% for x in y z %}{% endfor %}", "should use the format"},
    };
    for (const Case &C : Cases) {
      CAPTURE(C.Src);
      Template T = parseTemplate(C.Src);
      REQUIRE(T.Errors.size() == 1);
      CHECK(T.Errors[0].Message.find(C.Message) != std::string::npos);
      REQUIRE(T.Nodes.size() == 1);
      CHECK(T.Nodes[0].Kind == NodeKind::For);
    }
  }

  TEST_CASE("if collects variable operands of every branch") {
    std::string_view Src = "{% if a and not b.c|length > 0 %}1"
                           "{% elif d.e in f %}2{% elif 'x' == g %}3"
                           "{% else %}4{% endif %}";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 1);
    const Node &I = T.Nodes[0];
    CHECK(I.Kind == NodeKind::If);
    REQUIRE(I.Conditions.size() == 5);
    CHECK(I.Conditions[0].Var == "a");
    CHECK(I.Conditions[1].Var == "b.c");
    REQUIRE(I.Conditions[1].Filters.size() == 1);
    CHECK(I.Conditions[1].Filters[0].Name == "length");
    CHECK(slice(Src, I.Conditions[1].Where) == "b.c|length");
    CHECK(I.Conditions[2].Var == "d.e");
    CHECK(I.Conditions[3].Var == "f");
    CHECK(I.Conditions[4].Var == "g");
    CHECK(I.ConditionBranch == std::vector<uint32_t>{0, 0, 1, 1, 2});
    REQUIRE(I.Branches.size() == 4);
    CHECK(I.HasElse);
    CHECK(I.Branches[3][0].Text == "4");
    CHECK(slice(Src, I.EndTagWhere) == "{% endif %}");
    CHECK(I.Where.End == Src.size());
  }

  TEST_CASE("if operators and their syntax errors") {
    parseClean("{% if a is not None and b not in c or d != e %}{% endif %}");
    parseClean("{% if not not a %}{% endif %}");
    struct Case {
      std::string_view Src, Message;
    } Cases[] = {
        {"{% if %}{% endif %}", "Unexpected end of expression in if tag."},
        {"{% if a b %}{% endif %}", "Unused 'b' at end of if expression."},
        {"{% if and %}{% endif %}", "Not expecting 'and' in this position"},
        {"{% if a not b %}{% endif %}", "Not expecting 'not' as infix"},
        {"{% if a %}{% else x %}{% endif %}", "Malformed template tag"},
        {"{% if a %}{% endif x %}", "Malformed template tag"},
    };
    for (const Case &C : Cases) {
      CAPTURE(C.Src);
      Template T = parseTemplate(C.Src);
      REQUIRE(T.Errors.size() == 1);
      CHECK(T.Errors[0].Message.find(C.Message) != std::string::npos);
    }
  }

  TEST_CASE("with: keyword and legacy bindings") {
    std::string_view Src = "{% with total=order.items.count name=\"x y\" %}"
                           "{{ total }}{% endwith %}";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 1);
    const Node &W = T.Nodes[0];
    CHECK(W.Kind == NodeKind::With);
    REQUIRE(W.Bindings.size() == 2);
    CHECK(W.Bindings[0].first == "total");
    CHECK(W.Bindings[0].second.Var == "order.items.count");
    CHECK(slice(Src, W.Bindings[0].second.Where) == "order.items.count");
    CHECK(W.Bindings[1].first == "name");
    CHECK(W.Bindings[1].second.IsLiteral);
    REQUIRE(W.Children.size() == 1);

    T = parseClean("{% with a.b as x and c|length as n %}{% endwith %}");
    REQUIRE(T.Nodes[0].Bindings.size() == 2);
    CHECK(T.Nodes[0].Bindings[0].first == "x");
    CHECK(T.Nodes[0].Bindings[0].second.Var == "a.b");
    CHECK(T.Nodes[0].Bindings[1].first == "n");

    CHECK(hasError(parseTemplate("{% with %}{% endwith %}"),
                   "expected at least one variable assignment"));
    CHECK(hasError(parseTemplate("{% with a=b junk %}{% endwith %}"),
                   "received an invalid token: 'junk'"));
  }

  TEST_CASE("include with bindings and only") {
    std::string_view Src = "{% include \"orders/row.html\" with order=o total=o.total only %}";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 1);
    const Node &I = T.Nodes[0];
    CHECK(I.Kind == NodeKind::Include);
    CHECK(I.Value.Var == "\"orders/row.html\"");
    CHECK(I.Value.IsLiteral);
    CHECK(slice(Src, I.Value.Where) == "\"orders/row.html\"");
    CHECK(I.Only);
    REQUIRE(I.Bindings.size() == 2);
    CHECK(I.Bindings[1].first == "total");
    CHECK(I.Bindings[1].second.Var == "o.total");

    T = parseClean("{% include template_name %}");
    CHECK_FALSE(T.Nodes[0].Value.IsLiteral);
    CHECK_FALSE(T.Nodes[0].Only);

    CHECK(hasError(parseTemplate("{% include 'a' junk %}"),
                   "Unknown argument for 'include' tag: 'junk'."));
    CHECK(hasError(parseTemplate("{% include 'a' only only %}"), "specified more than once"));
    CHECK(hasError(parseTemplate("{% include 'a' with b as c %}"),
                   "needs at least one keyword argument"));
    CHECK(hasError(parseTemplate("{% include %}"), "takes at least one"));
  }

  TEST_CASE("extends and blocks") {
    std::string_view Src = "{# c #}\n{% extends \"base.html\" %}\n"
                           "{% block content %}{{ a }}{% block inner %}"
                           "{% endblock inner %}{% endblock %}";
    Template T = parseClean(Src);
    auto Tags = tags(T.Nodes);
    REQUIRE(Tags.size() == 3);
    CHECK(Tags[0]->Kind == NodeKind::Comment);
    CHECK(Tags[1]->Kind == NodeKind::Extends);
    CHECK(Tags[1]->Value.Var == "\"base.html\"");
    const Node &B = *Tags[2];
    CHECK(B.Kind == NodeKind::Block);
    CHECK(B.BlockName == "content");
    CHECK(B.TagName == "content");
    REQUIRE(B.Children.size() == 2);
    CHECK(B.Children[1].BlockName == "inner");
    CHECK(slice(Src, B.Children[1].EndTagWhere) == "{% endblock inner %}");
    CHECK(B.Where.End == Src.size());
  }

  TEST_CASE("extends and block errors") {
    CHECK(hasError(parseTemplate("{% load i18n %}{% extends 'a' %}"), "must be the first tag"));
    CHECK(hasError(parseTemplate("{% extends 'a' %}{% extends 'b' %}"),
                   "cannot appear more than once"));
    CHECK(hasError(parseTemplate("{% extends %}"), "takes one argument"));
    CHECK(hasError(parseTemplate("{% block a %}{% endblock %}{% block a %}{% endblock %}"),
                   "'block' tag with name 'a' appears more than once"));
    CHECK(hasError(parseTemplate("{% block a %}{% endblock b %}"),
                   "expected 'endblock' or 'endblock a'"));
    CHECK(hasError(parseTemplate("{% block %}{% endblock %}"), "takes only one argument"));
  }

  TEST_CASE("stray end tags and misplaced intermediate tags") {
    Template T = parseTemplate("a{% endfor %}b{% else %}c");
    REQUIRE(T.Errors.size() == 2);
    CHECK(T.Errors[0].Message ==
          "Invalid block tag on line 1: 'endfor'. Did you forget to register "
          "or load this tag?");
    CHECK(T.Errors[0].Where.Begin == 1);
    CHECK(T.Errors[1].Message.find("'else'") != std::string::npos);
    CHECK(T.Nodes.size() == 3);

    // No library registers the end tag of a tag Django already has.
    CHECK(hasError(parseTemplate("{% endinclude %}"), "'endinclude'"));

    T = parseTemplate("{% with a=b %}{% endif %}{% endwith %}");
    REQUIRE(T.Errors.size() == 1);
    CHECK(T.Errors[0].Message.find("'endif', expected 'endwith'") != std::string::npos);
  }

  TEST_CASE("unclosed tags recover at an enclosing end tag") {
    std::string_view Src = "{% for x in y %}{% if x.a %}{{ x.b }}{% endfor %}{{ after }}";
    Template T = parseTemplate(Src);
    REQUIRE(T.Errors.size() == 1);
    CHECK(T.Errors[0].Message == "Unclosed tag on line 1: 'if'. Looking for one of: elif, else, "
                                 "endif.");
    REQUIRE(T.Nodes.size() == 2);
    const Node &F = T.Nodes[0];
    CHECK(slice(Src, F.EndTagWhere) == "{% endfor %}");
    REQUIRE(F.Children.size() == 1);
    CHECK(F.Children[0].Kind == NodeKind::If);
    CHECK(F.Children[0].EndTagWhere.End == 0);
    CHECK(slice(Src, F.Children[0].Where) == "{% if x.a %}{{ x.b }}");
    CHECK(T.Nodes[1].Value.Var == "after");

    T = parseTemplate("{% for x in y %}{{ x }}");
    CHECK(hasError(T, "Unclosed tag on line 1: 'for'. Looking for one of: "
                      "empty, endfor."));
    REQUIRE(T.Nodes.size() == 1);
    CHECK(T.Nodes[0].Children.size() == 1);
  }

  TEST_CASE("url, cycle, firstof and friends keep their expressions") {
    std::string_view Src = "{% url 'shop:order' order.pk slug=order.slug as the_url %}";
    Template T = parseClean(Src);
    const Node &U = T.Nodes[0];
    CHECK(U.Kind == NodeKind::Other);
    CHECK(U.TagName == "url");
    REQUIRE(U.Args.size() == 2);
    CHECK(U.Args[0].Var == "'shop:order'");
    CHECK(U.Args[1].Var == "order.pk");
    CHECK(slice(Src, U.Args[1].Where) == "order.pk");
    REQUIRE(U.Bindings.size() == 1);
    CHECK(U.Bindings[0].first == "slug");
    CHECK(slice(Src, U.Bindings[0].second.Where) == "order.slug");
    CHECK(U.AsVar == "the_url");

    T = parseClean("{% cycle 'odd' row.css as rowclass silent %}"
                   "{% cycle rowclass %}{% resetcycle rowclass %}"
                   "{% firstof a.b c|default:'x' \"z\" as first %}"
                   "{% widthratio v.n total 100 %}");
    auto Tags = tags(T.Nodes);
    REQUIRE(Tags.size() == 5);
    REQUIRE(Tags[0]->Args.size() == 2);
    CHECK(Tags[0]->Args[1].Var == "row.css");
    CHECK(Tags[0]->AsVar == "rowclass");
    REQUIRE(Tags[3]->Args.size() == 3);
    CHECK(Tags[3]->AsVar == "first");
    REQUIRE(Tags[4]->Args.size() == 3);
    CHECK(Tags[4]->Args[0].Var == "v.n");

    CHECK(hasError(parseTemplate("{% cycle name %}"), "No named cycles"));
    CHECK(hasError(parseTemplate("{% resetcycle %}"), "No cycles in template."));
    CHECK(hasError(parseTemplate("{% url %}"), "takes at least one argument"));
    CHECK(hasError(parseTemplate("{% widthratio a b %}"),
                   "widthratio takes at least three arguments"));
  }

  TEST_CASE("regroup gives its target and per-item key") {
    std::string_view Src = "{% regroup orders|dictsort:'customer.name' by customer.name as g %}";
    Template T = parseClean(Src);
    const Node &R = T.Nodes[0];
    REQUIRE(R.Args.size() == 2);
    CHECK(R.Args[0].Var == "orders");
    CHECK(R.Args[1].Var == "customer.name");
    CHECK(slice(Src, R.Args[1].Where) == "customer.name");
    CHECK(R.AsVar == "g");
    CHECK(hasError(parseTemplate("{% regroup a by b %}"), "five arguments"));
    CHECK(hasError(parseTemplate("{% regroup a by b.-c as d %}"), "Could not parse"));
  }

  TEST_CASE("block-style built-in tags keep their bodies") {
    std::string_view Src = "{% spaceless %}{{ a }}{% endspaceless %}"
                           "{% filter force_escape|lower %}{{ b }}{% endfilter %}"
                           "{% autoescape off %}{{ c }}{% endautoescape %}"
                           "{% ifchanged d.e %}{{ d }}{% else %}{{ f }}{% endifchanged %}"
                           "{% localize off %}{{ g }}{% endlocalize %}"
                           "{% cache 500 sidebar user.pk %}{{ h }}{% endcache %}";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 6);
    for (const Node &N : T.Nodes) {
      CAPTURE(N.TagName);
      CHECK(N.Kind == NodeKind::Other);
      REQUIRE(N.Children.size() == 1);
      CHECK(N.Children[0].Kind == NodeKind::Var);
      CHECK(N.EndTagWhere.End > N.EndTagWhere.Begin);
    }
    const Node &Filter = T.Nodes[1];
    REQUIRE(Filter.Args.size() == 1);
    REQUIRE(Filter.Args[0].Filters.size() == 2);
    CHECK(Filter.Args[0].Filters[0].Name == "force_escape");
    CHECK(slice(Src, Filter.Args[0].Filters[1].Where) == "lower");
    CHECK(slice(Src, Filter.Args[0].Where) == "force_escape|lower");
    const Node &IfChanged = T.Nodes[3];
    REQUIRE(IfChanged.Args.size() == 1);
    CHECK(IfChanged.Args[0].Var == "d.e");
    REQUIRE(IfChanged.ElseChildren.size() == 1);
    const Node &Cache = T.Nodes[5];
    CHECK(Cache.Text == "sidebar");
    REQUIRE(Cache.Args.size() == 2);
    CHECK(Cache.Args[1].Var == "user.pk");

    CHECK(hasError(parseTemplate("{% filter escape %}{% endfilter %}"),
                   "\"filter escape\" is not permitted"));
    CHECK(hasError(parseTemplate("{% autoescape maybe %}{% endautoescape %}"),
                   "should be 'on' or 'off'"));
    CHECK(hasError(parseTemplate("{% spaceless %}"), "Looking for one of: endspaceless."));
  }

  TEST_CASE("blocktranslate keeps bindings, keys and the plural part") {
    std::string_view Src = "{% blocktranslate count counter=items|length with name=user.name %}"
                           "{{ name }} has {{ counter }} item{% plural %}"
                           "{{ name }} has {{ counter }} items{% endblocktranslate %}";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 1);
    const Node &B = T.Nodes[0];
    CHECK(B.TagName == "blocktranslate");
    REQUIRE(B.Bindings.size() == 2);
    CHECK(B.Bindings[0].first == "counter");
    CHECK(B.Bindings[0].second.Var == "items");
    CHECK(B.Bindings[1].second.Var == "user.name");
    REQUIRE(B.Children.size() == 4);
    CHECK(B.Children[0].Kind == NodeKind::Var);
    CHECK(B.Children[0].TagName == "blocktranslate");
    CHECK(B.Children[0].Value.Var == "name");
    CHECK(B.ElseChildren.size() == 4);
    CHECK(B.Where.End == Src.size());

    T = parseClean("{% blocktrans with a.b as x and c as y trimmed asvar v %}"
                   "{{ x }}{% endblocktrans %}");
    CHECK(T.Nodes[0].Bindings.size() == 2);
    CHECK(T.Nodes[0].AsVar == "v");

    CHECK(hasError(parseTemplate("{% blocktrans %}{% if a %}{% endblocktrans %}"),
                   "doesn't allow other block tags"));
    CHECK(hasError(parseTemplate("{% blocktrans %}x{# c #}{% endblocktrans %}"),
                   "doesn't allow other block tags"));
    CHECK(hasError(parseTemplate("{% blocktrans count a=b %}x{% endblocktrans %}"),
                   "doesn't allow other block tags inside it"));
    CHECK(hasError(parseTemplate("{% blocktrans junk %}{% endblocktrans %}"),
                   "Unknown argument for 'blocktrans' tag: 'junk'."));
  }

  TEST_CASE("translate and the other library tags") {
    Template T = parseClean("{% load i18n static %}{% translate \"Save\" context \"verb\" as save "
                            "%}"
                            "{% static 'css/x.css' as css %}{% get_current_language as LANG %}"
                            "{% language 'de' %}{{ a }}{% endlanguage %}"
                            "{% timezone tz %}{{ b }}{% endtimezone %}{% now \"Y\" as year %}"
                            "{% lorem 2 w random %}{% templatetag openblock %}{% csrf_token %}");
    auto Tags = tags(T.Nodes);
    REQUIRE(Tags.size() == 10);
    CHECK(Tags[1]->Args.size() == 2);
    CHECK(Tags[1]->AsVar == "save");
    CHECK(Tags[2]->AsVar == "css");
    CHECK(Tags[3]->AsVar == "LANG");
    CHECK(Tags[4]->Children.size() == 1);
    CHECK(Tags[5]->Args[0].Var == "tz");
    CHECK(Tags[6]->AsVar == "year");

    CHECK(hasError(parseTemplate("{% trans %}"), "takes at least one argument"));
    CHECK(hasError(parseTemplate("{% trans 'a' junk %}"), "Unknown argument"));
    CHECK(hasError(parseTemplate("{% templatetag nope %}"), "Invalid templatetag argument"));
    CHECK(hasError(parseTemplate("{% get_current_language %}"), "requires 'as variable'"));
  }

  TEST_CASE("deprecated ifequal becomes an If node") {
    Template T = parseClean("{% ifnotequal user.pk comment.user_id %}a{% else "
                            "%}b{% endifnotequal %}");
    REQUIRE(T.Nodes.size() == 1);
    const Node &I = T.Nodes[0];
    CHECK(I.Kind == NodeKind::If);
    CHECK(I.TagName == "ifnotequal");
    REQUIRE(I.Conditions.size() == 2);
    CHECK(I.Conditions[1].Var == "comment.user_id");
    CHECK(I.Branches.size() == 2);
    CHECK(I.HasElse);
  }

  TEST_CASE("custom tags: simple and block style") {
    std::string_view Src = "{% load shop %}{% price_tag order.total currency=shop.cur as p %}"
                           "{% ifusergroup 'staff' %}{{ a }}{% else %}{{ b }}{% endifusergroup %}";
    Template T = parseClean(Src);
    auto Tags = tags(T.Nodes);
    REQUIRE(Tags.size() == 3);
    const Node &Simple = *Tags[1];
    CHECK(Simple.Kind == NodeKind::Other);
    CHECK(Simple.TagName == "price_tag");
    REQUIRE(Simple.Args.size() == 1);
    CHECK(Simple.Args[0].Var == "order.total");
    REQUIRE(Simple.Bindings.size() == 1);
    CHECK(Simple.Bindings[0].second.Var == "shop.cur");
    CHECK(Simple.AsVar == "p");
    const Node &Block = *Tags[2];
    CHECK(Block.TagName == "ifusergroup");
    REQUIRE(Block.Children.size() == 1);
    REQUIRE(Block.Branches.size() == 1);
    CHECK(Block.Branches[0][0].Value.Var == "b");
    CHECK(Block.Where.End == Src.size());

    CHECK(hasError(parseTemplate("{% endprice %}{% price %}"),
                   "Invalid block tag on line 1: 'endprice'"));
  }

  TEST_CASE("smart_split keeps quoted words together") {
    std::string_view Src = R"({% firstof "a b" 'c d' "e \" f" x|default:"g h" %})";
    Template T = parseClean(Src);
    const Node &F = T.Nodes[0];
    REQUIRE(F.Args.size() == 4);
    CHECK(slice(Src, F.Args[0].Where) == "\"a b\"");
    CHECK(slice(Src, F.Args[1].Where) == "'c d'");
    CHECK(F.Args[2].Var == R"("e \" f")");
    CHECK(F.Args[3].Filters[0].Arg == "\"g h\"");
    CHECK(slice(Src, F.Args[3].Where) == R"(x|default:"g h")");

    T = parseClean(R"({% firstof _("a b") c %})");
    REQUIRE(T.Nodes[0].Args.size() == 2);
    CHECK(T.Nodes[0].Args[0].Var == R"(_("a b"))");
    CHECK(T.Nodes[0].Args[0].IsLiteral);
  }

  TEST_CASE("multi-byte UTF-8: ranges are bytes, Unicode rules apply") {
    // "é" and "—" are 2 and 3 bytes; U+00A0 and U+3000 are Python whitespace.
    std::string_view Src = "café — {{\xC2\xA0naïve.prénom|lower\xE3\x80\x80}}";
    Template T = parseClean(Src);
    REQUIRE(T.Nodes.size() == 2);
    CHECK(T.Nodes[0].Text == "café — ");
    CHECK(T.Nodes[0].Where.End == 10);
    const Expr &E = T.Nodes[1].Value;
    CHECK(E.Var == "naïve.prénom");
    CHECK(slice(Src, E.Where) == "naïve.prénom|lower");
    CHECK(E.VarWhere.Begin == 14);
    auto [Line, Column] = lineColumn(Src, E.VarWhere.Begin);
    CHECK(Line == 1);
    CHECK(Column == 15);

    // Digits of other scripts are numbers, as in Python.
    T = parseClean("{{ \xD9\xA3 }}");
    CHECK(T.Nodes[0].Value.IsLiteral);
  }

  TEST_CASE("lineColumn is 1-based and clamps") {
    std::string_view Src = "ab\ncd\n\nx";
    CHECK(lineColumn(Src, 0) == std::pair<unsigned, unsigned>{1, 1});
    CHECK(lineColumn(Src, 2) == std::pair<unsigned, unsigned>{1, 3});
    CHECK(lineColumn(Src, 3) == std::pair<unsigned, unsigned>{2, 1});
    CHECK(lineColumn(Src, 7) == std::pair<unsigned, unsigned>{4, 1});
    CHECK(lineColumn(Src, 1000) == std::pair<unsigned, unsigned>{4, 2});
    CHECK(lineColumn("", 5) == std::pair<unsigned, unsigned>{1, 1});

    Template T = parseTemplate("line1\n  {% endif %}");
    REQUIRE(T.Errors.size() == 1);
    CHECK(T.Errors[0].Message.find("on line 2") != std::string::npos);
    CHECK(lineColumn("line1\n  {% endif %}", T.Errors[0].Where.Begin) ==
          std::pair<unsigned, unsigned>{2, 3});
  }

  TEST_CASE("deep nesting is capped with one error") {
    const size_t Ok = MaxNestingDepth - 1;
    Template T = parseClean(repeat("{% if a %}", Ok) + "x" + repeat("{% endif %}", Ok));
    const Node *N = &T.Nodes[0];
    size_t Depth = 1;
    while (!N->Branches.empty() && !N->Branches[0].empty() &&
           N->Branches[0][0].Kind == NodeKind::If)
      N = &N->Branches[0][0], ++Depth;
    CHECK(Depth == Ok);

    for (std::string_view Open :
         {"{% if a %}", "{% for x in y %}", "{% with a=b %}", "{% mytag %}"}) {
      CAPTURE(Open);
      std::string Src = repeat(Open, 20000) + "{% endmytag %}";
      T = parseTemplate(Src);
      REQUIRE(T.Errors.size() == 1);
      CHECK(T.Errors[0].Message.find("nested more than") != std::string::npos);
    }

    T = parseTemplate("{% if " + repeat("not ", 5000) + "a %}{% endif %}");
    CHECK(hasError(T, "nested too deeply"));
  }

  TEST_CASE("hostile input never crashes") {
    std::mt19937 Random(20240501);
    for (int Round = 0; Round < 20; ++Round) {
      std::string Junk;
      for (int I = 0; I < 20000; ++I)
        Junk += char(Random() & 0xFF);
      Template T = parseTemplate(Junk);
      CHECK(T.Errors.size() <= 1001);
    }
    static const char *const Pieces[] = {
        "{%",       "%}",     "{{",      "}}",    "{#",   "#}", " ", "if ", "for ",  "x",
        " in ",     "endif",  "endfor",  "\"",    "'",    "|",  ":", "\n",  "with ", "a=b",
        "verbatim", "block ", "comment", "empty", "else", "_(", ")", "\xC3"};
    for (int Round = 0; Round < 200; ++Round) {
      std::string Soup;
      for (int I = 0; I < 300; ++I)
        Soup += Pieces[Random() % (sizeof(Pieces) / sizeof(*Pieces))];
      Template T = parseTemplate(Soup);
      for (const Error &E : T.Errors)
        CHECK(E.Where.End <= Soup.size());
    }
    parseTemplate(repeat("{%", 100000));
    parseTemplate("{{ a" + repeat(" ", 100000) + "| }}");
    parseTemplate("{% cycle " + repeat("'a'\"", 10000) + " %}");
    static const char WithNul[] = "{{ a\0b }}{% if \0 %}";
    parseTemplate(std::string_view(WithNul, sizeof(WithNul) - 1));
  }

  TEST_CASE("before Django 1.5 the url tag's view name is a bare name") {
    const char *Src = "{% url admin:index %}{% url shop.views.detail order.pk %}";
    CHECK(parseTemplate(Src, 104).Errors.empty());
    Template Old = parseTemplate(Src, 104);
    REQUIRE(Old.Nodes.size() == 2);
    CHECK(Old.Nodes[0].Args[0].IsLiteral);
    CHECK(Old.Nodes[1].Args[1].Var == "order.pk");
    // Django 1.5 on, or the new tag loaded from future: the name is an expression.
    CHECK_FALSE(parseTemplate(Src, 105).Errors.empty());
    CHECK_FALSE(parseTemplate(std::string("{% load url from future %}") + Src, 104).Errors.empty());
  }

  TEST_CASE("error count is capped") {
    Template T = parseTemplate(repeat("{% endif %}", 5000));
    CHECK(T.Errors.size() == 1001);
    CHECK(T.Errors.back().Message.find("Too many errors") != std::string::npos);
  }

} // TEST_SUITE

// Django's own templates: their own CTest entry (unit.django), skipped without Django.
TEST_SUITE("django.templates") {

  TEST_CASE("admin change_list.html parses cleanly") {
    std::filesystem::path Path = adminTemplates() / "admin" / "change_list.html";
    requireDjango(Path);
    std::string Src = readFile(Path);
    Template T = parseClean(Src);
    auto Tags = tags(T.Nodes);
    REQUIRE_FALSE(Tags.empty());
    CHECK(Tags[0]->Kind == NodeKind::Extends);
    CHECK(Tags[0]->Value.Var == "\"admin/base_site.html\"");
    size_t Blocks = 0;
    for (const Node *N : Tags)
      Blocks += N->Kind == NodeKind::Block;
    CHECK(Blocks >= 5);
  }

  TEST_CASE("every admin template parses cleanly") {
    std::filesystem::path Dir = adminTemplates();
    requireDjango(Dir);
    size_t Count = 0;
    for (const auto &Entry : std::filesystem::recursive_directory_iterator(Dir)) {
      if (!Entry.is_regular_file())
        continue;
      std::string Src = readFile(Entry.path());
      Template T = parseTemplate(Src);
      for (const Error &E : T.Errors) {
        auto [Line, Column] = lineColumn(Src, E.Where.Begin);
        FAIL_CHECK(Entry.path().string() << ":" << Line << ":" << Column << ": " << E.Message);
      }
      ++Count;
    }
    CHECK(Count > 40);
  }

} // TEST_SUITE

TEST_SUITE("parse.template") {
  TEST_CASE("django-mptt's recursetree is a loop over the nodes, `node` bound to each") {
    std::string Src = "{% load mptt_tags %}{% recursetree nodes %}{{ node.owner.name }}"
                      "{{ children }}{% endrecursetree %}";
    Template T = parseTemplate(Src);
    REQUIRE(T.Errors.empty());
    REQUIRE(T.Nodes.size() == 2);
    const Node &For = T.Nodes[1];
    CHECK(For.Kind == NodeKind::For);
    CHECK(For.TagName == "recursetree");
    CHECK(For.LoopVars == std::vector<std::string>{"node"});
    CHECK(For.Iter.Var == "nodes");
    REQUIRE(!For.Children.empty());
    CHECK(For.Children[0].Value.Var == "node.owner.name");
    // Another shape (or no end tag) is a project's own tag of that name.
    Template Other = parseTemplate("{% recursetree a b %}x{% endrecursetree %}");
    REQUIRE(!Other.Nodes.empty());
    CHECK(Other.Nodes[0].Kind == NodeKind::Other);
    CHECK(parseTemplate("{% recursetree a %}").Nodes[0].Kind == NodeKind::Other);
  }
}
