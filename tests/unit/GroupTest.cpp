#include "Helpers.h"

#include <doctest/doctest.h>

using namespace nplus1;
using Strings = std::vector<std::string>;

namespace {

/// "path:line: message" of every note of \p D, in order.
Strings notesOf(const rules::Diagnostic &D) {
  Strings Out;
  for (const rules::Note &N : D.Notes)
    Out.push_back(N.File->path().str() + ":" + std::to_string(N.File->lineCol(N.Where.Begin).Line) +
                  ": " + N.Message);
  return Out;
}

/// Lines of "also read here" notes only.
Strings alsoRead(const rules::Diagnostic &D) {
  Strings Out;
  for (const std::string &N : notesOf(D))
    if (llvm::StringRef(N).ends_with(rules::AlsoReadHere))
      Out.push_back(N);
  return Out;
}

/// A finding of \p Code at the \p Nth occurrence of \p Needle in \p F, read in the loop at
/// \p Loop on the queryset at \p Qs, with lookup \p Lookup.
rules::Diagnostic read(const parse::SourceFile &F, llvm::StringRef Needle, unsigned Nth,
                       parse::Range Loop, parse::Range Qs, std::string Lookup,
                       std::string Code = "NP101") {
  size_t At = 0;
  for (unsigned I = 0; I <= Nth; ++I)
    At = F.text().find(Needle, I ? At + 1 : 0);
  REQUIRE(At != llvm::StringRef::npos);
  rules::Diagnostic D;
  D.Code = Code;
  D.File = &F;
  D.Where = {uint32_t(At), uint32_t(At + Needle.size())};
  D.Message = Code + " " + Lookup;
  D.Notes = {{&F, Loop, "the loop over `orders` is here"}};
  D.LoopFile = &F;
  D.LoopWhere = Loop;
  D.QuerysetFile = &F;
  D.QuerysetWhere = Qs;
  D.Lookup = std::move(Lookup);
  return D;
}

const char *Views = "def f():\n"                         // 1
                    "    orders = Order.objects.all()\n" // 2
                    "    for o in orders:\n"             // 3
                    "        a = o.customer\n"           // 4
                    "        b = o.customer\n"           // 5
                    "        c = o.customer.address\n"   // 6
                    "        d = o.customer\n"           // 7
                    "    for o in orders:\n"             // 8
                    "        e = o.customer\n";          // 9

} // namespace

TEST_SUITE("rules.grouping") {
  TEST_CASE("one finding per loop, queryset and relation, at the first read in source order") {
    parse::SourceFile F("shop/views.py", Views);
    parse::Range Qs{uint32_t(F.text().find("Order")), uint32_t(F.text().find("Order") + 19)};
    parse::Range Loop1{uint32_t(F.text().find("for o")), uint32_t(F.text().find("for o") + 16)};
    parse::Range Loop2{uint32_t(F.text().rfind("for o")), uint32_t(F.text().rfind("for o") + 16)};
    // Out of source order on purpose (analysis order is not source order).
    std::vector<rules::Diagnostic> D = {
        read(F, "o.customer", 3, Loop1, Qs, "customer"), // line 7
        read(F, "o.customer", 1, Loop1, Qs, "customer"), // line 5
        read(F, "o.customer.address", 0, Loop1, Qs, "customer__address"),
        read(F, "o.customer", 0, Loop1, Qs, "customer"),          // line 4: the first
        read(F, "o.customer", 4, Loop2, Qs, "customer"),          // another loop
        read(F, "o.customer", 1, Loop1, Qs, "customer", "NP105"), // another rule
    };
    D.push_back(read(F, "o.customer", 1, Loop1, Qs, "customer"));
    D.back().Lookup.clear(); // not a repeatable read: never merged
    rules::groupRepeatedReads(D);
    REQUIRE(D.size() == 5);
    // The kept findings stay in their input order.
    CHECK(F.lineCol(D[0].Where.Begin).Line == 6);
    CHECK(D[0].Lookup == "customer__address");
    CHECK(alsoRead(D[0]).empty());
    CHECK(F.lineCol(D[1].Where.Begin).Line == 4);
    CHECK(notesOf(D[1]) == Strings{"shop/views.py:3: the loop over `orders` is here",
                                   "shop/views.py:5: also read here",
                                   "shop/views.py:7: also read here"});
    CHECK(F.lineCol(D[2].Where.Begin).Line == 9); // the second loop is its own N+1
    CHECK(alsoRead(D[2]).empty());
    CHECK(D[3].Code == "NP105");
    CHECK(alsoRead(D[3]).empty());
    CHECK(D[4].Lookup.empty());
  }

  TEST_CASE("a different queryset on the same loop is a different finding") {
    parse::SourceFile F("shop/views.py", Views);
    parse::Range Loop{uint32_t(F.text().find("for o")), uint32_t(F.text().find("for o") + 16)};
    parse::Range Qs1{uint32_t(F.text().find("Order")), uint32_t(F.text().find("Order") + 5)};
    parse::Range Qs2{Qs1.Begin, Qs1.End + 8};
    std::vector<rules::Diagnostic> D = {read(F, "o.customer", 0, Loop, Qs1, "customer"),
                                        read(F, "o.customer", 1, Loop, Qs2, "customer")};
    rules::groupRepeatedReads(D);
    CHECK(D.size() == 2);
  }

  TEST_CASE("grouping again (the whole run after each module) changes nothing") {
    parse::SourceFile F("shop/views.py", Views);
    parse::Range Qs{uint32_t(F.text().find("Order")), uint32_t(F.text().find("Order") + 19)};
    parse::Range Loop{uint32_t(F.text().find("for o")), uint32_t(F.text().find("for o") + 16)};
    // Two modules' analyses each grouped their reads; the run merges them once more.
    std::vector<rules::Diagnostic> A = {read(F, "o.customer", 1, Loop, Qs, "customer"),
                                        read(F, "o.customer", 3, Loop, Qs, "customer")};
    std::vector<rules::Diagnostic> B = {read(F, "o.customer", 0, Loop, Qs, "customer"),
                                        read(F, "o.customer", 3, Loop, Qs, "customer")};
    rules::groupRepeatedReads(A);
    rules::groupRepeatedReads(B);
    std::vector<rules::Diagnostic> All = A;
    All.insert(All.end(), B.begin(), B.end());
    rules::groupRepeatedReads(All);
    REQUIRE(All.size() == 1);
    CHECK(F.lineCol(All[0].Where.Begin).Line == 4);
    CHECK(alsoRead(All[0]) ==
          Strings{"shop/views.py:5: also read here", "shop/views.py:7: also read here"});
    std::vector<rules::Diagnostic> Again = All;
    rules::groupRepeatedReads(Again);
    REQUIRE(Again.size() == 1);
    CHECK(notesOf(Again[0]) == notesOf(All[0]));
  }

  TEST_CASE("a relation read in the view's loop and in the template it renders per row") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.template.loader import render_to_string
from .models import Order
def rows(request):
    out = []
    for order in Order.objects.all():
        name = order.customer.name
        out.append(render_to_string('orders/row.html', {'order': order}))
        print(order.customer.name, order.total)
    return out
)py"}},
                        {{"orders/row.html", "<td>{{ order.customer.name }}</td>\n"}});
    std::vector<rules::Diagnostic> D;
    Strings Found = P.findings("shop.views", &D);
    // One N+1 (the customer of each order, loaded once per row, cached on it), reported at
    // the first read in source order; the other two reads are notes.
    REQUIRE(D.size() == 1);
    CHECK(Found.size() == 1);
    CHECK(D[0].Code == "NP101");
    CHECK(D[0].Lookup == "customer");
    Strings Also = alsoRead(D[0]);
    CHECK(Also.size() == 2);
    std::string Where =
        D[0].File->path().str() + ":" + std::to_string(D[0].File->lineCol(D[0].Where.Begin).Line);
    for (const std::string &A : Also)
      CHECK(A.rfind(Where + ":", 0) != 0); // no note at the finding itself
  }
}

TEST_SUITE("rules.grouping_across_codes") {
  TEST_CASE("a set fetched and counted on the same rows is one finding, kept as NP102") {
    parse::SourceFile F("shop/views.py", Views);
    parse::Range Qs{uint32_t(F.text().find("Order")), uint32_t(F.text().find("Order") + 19)};
    parse::Range Loop{uint32_t(F.text().find("for o")), uint32_t(F.text().find("for o") + 16)};
    // The count comes first in source order; the NP102 read is still the one kept.
    std::vector<rules::Diagnostic> D = {
        read(F, "o.customer", 0, Loop, Qs, "customer", "NP103"),
        read(F, "o.customer", 1, Loop, Qs, "customer", "NP102"),
        read(F, "o.customer", 0, Loop, Qs, "customer", "NP101"), // no SameFixAs: kept
    };
    std::vector<rules::Diagnostic> PerCode = D;
    rules::groupRepeatedReads(PerCode);
    CHECK(PerCode.size() == 3); // within a module, codes stay apart
    rules::groupRepeatedReads(D, /*AcrossCodes=*/true);
    REQUIRE(D.size() == 2);
    CHECK(D[0].Code == "NP102");
    CHECK(alsoRead(D[0]) == Strings{"shop/views.py:4: also read here"});
    CHECK(D[1].Code == "NP101");
  }
}

TEST_SUITE("rules.headline") {
  TEST_CASE("clipped access text stays valid UTF-8 and one line") {
    // 58 ASCII bytes, then "é" (2 bytes) across the 60-byte limit.
    std::string Long = std::string(59, 'a') + "\xC3\xA9" + "tail";
    std::string Cut = rules::detail::clipText(Long, 60);
    CHECK(Cut == std::string(59, 'a') + "...");
    CHECK(rules::detail::clipText("short", 60) == "short");
    CHECK(rules::detail::clipText("call(\n    x)", 60) == "call(...");
    // A 4-byte sequence is never split either.
    std::string Emoji = std::string(58, 'b') + "\xF0\x9F\x98\x80";
    CHECK(rules::detail::clipText(Emoji, 60) == std::string(58, 'b') + "...");
  }
}
