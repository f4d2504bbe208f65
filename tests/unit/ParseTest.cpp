#include "parse/Python.h"

#include <doctest/doctest.h>

using namespace nplus1;
using namespace nplus1::parse;

static std::unique_ptr<py::Module> parseText(const char *Text) {
  return parsePython(std::make_shared<SourceFile>("t.py", Text));
}

TEST_SUITE("parse.python") {
  TEST_CASE("a for loop over a chained call lowers to For/Call/Attribute") {
    auto M = parseText("for o in Order.objects.filter(x=1):\n    print(o.customer.name)\n");
    REQUIRE(M->Errors.empty());
    REQUIRE(M->Body.size() == 1);
    const py::Stmt *For = M->Body[0];
    CHECK(For->Kind == py::StmtKind::For);
    CHECK(For->Target->isName("o"));
    REQUIRE(For->Value->Kind == py::ExprKind::Call);
    CHECK(For->Value->Object->Id == "filter");
    CHECK(For->Value->Object->Object->dotted() == "Order.objects");
    CHECK(For->Value->Keywords.size() == 1);
    const py::Expr *Print = For->Body[0]->Value;
    CHECK(Print->Args[0]->dotted() == "o.customer.name");
    CHECK(M->file().slice(Print->Args[0]->Object->IdWhere) == "customer");
  }

  TEST_CASE("comprehensions, f-strings, decorators and imports") {
    auto M = parseText("from .models import Order as O, Customer\n"
                       "@login_required\n"
                       "def v(request, *args, k=1, **kw):\n"
                       "    names = [f'{o.customer}' for o in O.objects.all() if o.total]\n"
                       "    return names\n");
    REQUIRE(M->Errors.empty());
    CHECK(M->Body[0]->Kind == py::StmtKind::ImportFrom);
    CHECK(M->Body[0]->Module == ".models");
    CHECK(M->Body[0]->Imports[0].AsName == "O");
    const py::Stmt *Fn = M->Body[1];
    CHECK(Fn->Kind == py::StmtKind::Function);
    CHECK(Fn->Decorators.size() == 1);
    CHECK(Fn->Params.size() == 4);
    CHECK(Fn->Params[1].IsStar);
    CHECK(Fn->Params[3].IsDoubleStar);
    const py::Expr *Comp = Fn->Body[0]->Value;
    REQUIRE(Comp->Kind == py::ExprKind::Comprehension);
    CHECK(Comp->Gens.size() == 1);
    CHECK(Comp->Gens[0].Ifs.size() == 1);
    REQUIRE(Comp->Elt->Kind == py::ExprKind::String);
    CHECK(Comp->Elt->Args.size() == 1); // the interpolation is kept
  }

  TEST_CASE("parameter annotations are kept: names, dotted names, strings, with defaults") {
    auto M = parseText("def f(a, b: Order, c: models.Order = None, d: 'Order', *e: int) -> x:\n"
                       "    pass\n");
    REQUIRE(M->Errors.empty());
    const py::Stmt *Fn = M->Body[0];
    REQUIRE(Fn->Params.size() == 5);
    CHECK(Fn->Params[0].Annotation == nullptr);
    REQUIRE(Fn->Params[1].Annotation);
    CHECK(Fn->Params[1].Annotation->isName("Order"));
    REQUIRE(Fn->Params[2].Annotation);
    CHECK(Fn->Params[2].Annotation->dotted() == "models.Order");
    CHECK(Fn->Params[2].Default != nullptr);
    REQUIRE(Fn->Params[3].Annotation);
    CHECK(Fn->Params[3].Annotation->Kind == py::ExprKind::String);
    CHECK(Fn->Params[3].Annotation->Id == "Order");
    CHECK(Fn->Params[4].IsStar);
    CHECK(Fn->Params[4].Name == "e");
  }

  TEST_CASE("a conditional expression lowers to Other with Op \"if\": body, condition, orelse") {
    auto M = parseText("qs = page.projects() if page else Project.objects.all()\n");
    REQUIRE(M->Errors.empty());
    const py::Expr *E = M->Body[0]->Value;
    REQUIRE(E->Kind == py::ExprKind::Other);
    CHECK(E->Op == "if");
    REQUIRE(E->Args.size() == 3);
    CHECK(E->Args[0]->Kind == py::ExprKind::Call);
    CHECK(E->Args[1]->isName("page"));
    CHECK(E->Args[2]->Object->dotted() == "Project.objects.all");
  }

  TEST_CASE("a binary operation keeps its operator in Op; a `\\` line end is no operand") {
    auto M = parseText("qs = a.filter(x=1) | \\\n    b.filter(y=2)\nn = (a) & b\n");
    REQUIRE(M->Errors.empty());
    const py::Expr *Or = M->Body[0]->Value;
    REQUIRE(Or->Kind == py::ExprKind::Other);
    CHECK(Or->Op == "|");
    REQUIRE(Or->Args.size() == 2);
    CHECK(Or->Args[1]->Object->dotted() == "b.filter");
    const py::Expr *And = M->Body[1]->Value;
    CHECK(And->Op == "&");
    REQUIRE(And->Args.size() == 2);
    CHECK(And->Args[0]->isName("a"));
  }

  TEST_CASE("a big literal of plain data lowers to one opaque node; code in it keeps it") {
    auto Literal = [](unsigned Rows, const char *Cell) {
      std::string S = "CODES = (\n";
      for (unsigned I = 0; I < Rows; ++I)
        S += "    (\"" + std::to_string(I) + "\", " + Cell + ", -1.5, None),  # row\n";
      return S + ")\n";
    };
    // 100 rows of 4 values: past limits::DataLiteralNodes, nothing in it is code.
    auto Data = parseText(Literal(100, "_(\"Agriculture - research\")").c_str());
    REQUIRE(Data->Errors.empty());
    CHECK(Data->Body[0]->Value->Kind == py::ExprKind::Other);
    CHECK(Data->Body[0]->Value->Args.empty());
    // The same size with one f-string in it, or a small data literal, lowers element by
    // element.
    std::string Rows = Literal(99, "\"x\"");
    Rows.resize(Rows.size() - 2); // reopen the literal: drop ")\n"
    auto Code = parseText((Rows + "    (\"1\", f\"{user.name}\", 1, None),\n)\n").c_str());
    REQUIRE(Code->Errors.empty());
    REQUIRE(Code->Body[0]->Value->Kind == py::ExprKind::Tuple);
    CHECK(Code->Body[0]->Value->Args.size() == 100);
    auto Small = parseText(Literal(10, "\"x\"").c_str());
    REQUIRE(Small->Body[0]->Value->Kind == py::ExprKind::Tuple);
    CHECK(Small->Body[0]->Value->Args.size() == 10);
    CHECK(Small->Body[0]->Value->Args[3]->Args[1]->Id == "x");
  }

  TEST_CASE("syntax errors are reported and the rest still parses") {
    auto M = parseText("def broken(:\n    pass\n\ndef fine():\n    return 1\n");
    CHECK(!M->Errors.empty());
    bool SawFine = false;
    for (const py::Stmt *S : M->Body)
      SawFine |= S->Kind == py::StmtKind::Function && S->Name == "fine";
    CHECK(SawFine);
  }

  TEST_CASE("deep nesting does not overflow") {
    std::string Deep = "x = " + std::string(3000, '(') + "1" + std::string(3000, ')') + "\n";
    auto M = parseText(Deep.c_str());
    CHECK(M->Body.size() <= 1);
  }

  TEST_CASE("line and column of byte offsets") {
    SourceFile F("f.py", "ab\ncd\n");
    CHECK(F.lineCol(0).Line == 1);
    CHECK(F.lineCol(4).Line == 2);
    CHECK(F.lineCol(4).Column == 2);
    CHECK(F.line(2) == "cd");
  }
}
