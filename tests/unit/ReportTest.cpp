#include "driver/Config.h"
#include "report/Formats.h"

#include <doctest/doctest.h>

using namespace nplus1;
using Json = nlohmann::json;

namespace {

// Line 5 holds "héllo😀": 2 + 4 bytes of UTF-8 for 1 + 2 UTF-16 units, so `o.customer`
// starts at byte column 29 but at UTF-16 column 26.
const char *Views = "from .models import Order\n"
                    "def f():\n"
                    "    orders = Order.objects.all()\n"
                    "    for o in orders:\n"
                    "        print(\"h\xC3\xA9llo\xF0\x9F\x98\x80\", o.customer.name)\n";

parse::Range rangeOf(const parse::SourceFile &F, llvm::StringRef Needle) {
  size_t At = F.text().find(Needle);
  REQUIRE(At != llvm::StringRef::npos);
  return {static_cast<uint32_t>(At), static_cast<uint32_t>(At + Needle.size())};
}

/// A finding as NP101 builds it: notes for the loop and the queryset, and a fix that adds
/// `.select_related('customer')` after `Order.objects`.
struct Fixture {
  std::unique_ptr<parse::SourceFile> File;
  std::shared_ptr<flow::Origin> Origin = std::make_shared<flow::Origin>();

  explicit Fixture(std::string Path, std::string Text = Views)
      : File(std::make_unique<parse::SourceFile>(std::move(Path), std::move(Text))) {
    Origin->File = File.get();
    Origin->Chain = rangeOf(*File, "Order.objects.all()");
    Origin->InsertAt = rangeOf(*File, "Order.objects").End;
  }

  rules::Diagnostic diag(rules::Applicability Applies = rules::Applicability::Safe) const {
    rules::Diagnostic D;
    D.Code = "NP101";
    D.Name = "fk-access-per-row";
    D.File = File.get();
    D.Where = rangeOf(*File, "o.customer");
    D.Message = "`o.customer` runs one query per shop.Order row: add "
                ".select_related('customer') to the queryset";
    D.Notes = {{File.get(), rangeOf(*File, "for o in orders:"),
                "the loop over `orders` (Order.objects.all()) is here"},
               {File.get(), rangeOf(*File, "Order.objects.all()"), "the queryset is created here"}};
    D.Fix = rules::FixIntent{Origin, rules::FixIntent::SelectRelated, "customer", Applies};
    D.FixTitle = "Add .select_related('customer')";
    D.Model = "shop.Order";
    D.Relation = "customer";
    return D;
  }
};

rules::Diagnostic unreadable(std::string Path, std::string Message) {
  rules::Diagnostic D;
  D.Code = "NP902";
  D.Name = "unreadable-file";
  D.Path = std::move(Path);
  D.Message = std::move(Message);
  return D;
}

std::string github(llvm::ArrayRef<rules::Diagnostic> Diags) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  report::printGithub(OS, Diags);
  return S;
}

std::string junit(llvm::ArrayRef<rules::Diagnostic> Diags) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  report::printJunit(OS, Diags);
  return S;
}

} // namespace

TEST_SUITE("report.formats") {
  TEST_CASE("UTF-16 columns count astral characters twice and bad bytes once") {
    parse::SourceFile F("a.py", "x = 1\n\xC3\xA9\xF0\x9F\x98\x80\xFF!\n");
    CHECK(report::utf16Column(F, 0) == 1);
    CHECK(report::utf16Column(F, 6) == 1);
    CHECK(report::utf16Column(F, 8) == 2);  // after é (2 bytes, 1 unit)
    CHECK(report::utf16Column(F, 12) == 4); // after 😀 (4 bytes, 2 units)
    CHECK(report::utf16Column(F, 13) == 5); // after the invalid byte 0xFF
  }

  TEST_CASE("paths become percent-encoded URI references") {
    CHECK(report::pathToUri("shop/views.py") == "shop/views.py");
    CHECK(report::pathToUri("my app/a:b#c%.py") == "my%20app/a%3Ab%23c%25.py");
    CHECK(report::pathToUri("/srv/caf\xC3\xA9/x.py") == "file:///srv/caf%C3%A9/x.py");
  }

  TEST_CASE("github: workflow commands with escaped properties and message") {
    Fixture F("shop/views.py");
    rules::Diagnostic Bad = unreadable("odd,name:1.py", "cannot read: 100% gone\r\nreally");
    CHECK(github({F.diag(), F.diag(rules::Applicability::Unsafe), Bad}) ==
          "::warning file=shop/views.py,line=5,col=26,endLine=5,endColumn=36,"
          "title=NP101 fk-access-per-row::`o.customer` runs one query per shop.Order row: "
          "add .select_related('customer') to the queryset"
          "%0Ashop/views.py:4:5: note: the loop over `orders` (Order.objects.all()) is here"
          "%0Ashop/views.py:3:14: note: the queryset is created here"
          "%0Afix (safe): Add .select_related('customer')\n"
          "::warning file=shop/views.py,line=5,col=26,endLine=5,endColumn=36,"
          "title=NP101 fk-access-per-row::`o.customer` runs one query per shop.Order row: "
          "add .select_related('customer') to the queryset"
          "%0Ashop/views.py:4:5: note: the loop over `orders` (Order.objects.all()) is here"
          "%0Ashop/views.py:3:14: note: the queryset is created here"
          "%0Afix (unsafe): Add .select_related('customer')\n"
          "::error file=odd%2Cname%3A1.py,title=NP902 unreadable-file::"
          "cannot read: 100%25 gone%0D%0Areally\n");
  }

  TEST_CASE("github: no end column for a range that spans lines") {
    Fixture F("v.py");
    rules::Diagnostic D = F.diag();
    D.Fix.reset();
    D.Notes.clear();
    D.Where = rangeOf(*F.File, "orders:\n        print");
    CHECK(github({D}) == "::warning file=v.py,line=4,col=14,endLine=5,title=NP101 "
                         "fk-access-per-row::" +
                             D.Message + "\n");
  }

  TEST_CASE("junit: one failing test case per finding, XML-escaped") {
    Fixture F("shop/views.py");
    rules::Diagnostic Bad = unreadable("a&b.py", "cannot read: <\"it's\">\x01\n\xFF");
    CHECK(junit({F.diag(), Bad}) ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<testsuites name=\"nplus1\" tests=\"2\" failures=\"2\" errors=\"0\">\n"
          "  <testsuite name=\"nplus1\" tests=\"2\" failures=\"2\" errors=\"0\" "
          "skipped=\"0\">\n"
          "    <testcase classname=\"shop/views.py\" name=\"NP101 5:29\">\n"
          "      <failure message=\"`o.customer` runs one query per shop.Order row: add "
          ".select_related('customer') to the queryset\" type=\"NP101\">"
          "shop/views.py:5:29: warning: `o.customer` runs one query per shop.Order row: add "
          ".select_related('customer') to the queryset [NP101]\n"
          "shop/views.py:4:5: note: the loop over `orders` (Order.objects.all()) is here\n"
          "shop/views.py:3:14: note: the queryset is created here\n"
          "fix (safe): Add .select_related('customer')</failure>\n"
          "    </testcase>\n"
          "    <testcase classname=\"a&amp;b.py\" name=\"NP902\">\n"
          "      <failure message=\"cannot read: &lt;&quot;it's&quot;&gt;\xEF\xBF\xBD&#10;"
          "\xEF\xBF\xBD\" type=\"NP902\">a&amp;b.py: error: cannot read: &lt;\"it's\"&gt;"
          "\xEF\xBF\xBD\n\xEF\xBF\xBD [NP902]</failure>\n"
          "    </testcase>\n"
          "  </testsuite>\n"
          "</testsuites>\n");
  }

  TEST_CASE("junit: a single passing test case when there is nothing to report") {
    CHECK(junit({}) == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<testsuites name=\"nplus1\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
                       "  <testsuite name=\"nplus1\" tests=\"1\" failures=\"0\" errors=\"0\" "
                       "skipped=\"0\">\n"
                       "    <testcase classname=\"nplus1\" name=\"no N+1 queries found\"/>\n"
                       "  </testsuite>\n"
                       "</testsuites>\n");
  }

  TEST_CASE("sarif: run, rules and result locations") {
    Fixture F("shop/views.py");
    Json Log = report::toSarif({F.diag(), unreadable("gone.py", "cannot read")}, "/work/proj");
    CHECK(Log["version"] == "2.1.0");
    CHECK(Log["$schema"].get<std::string>().ends_with("sarif-schema-2.1.0.json"));
    REQUIRE(Log["runs"].size() == 1);
    const Json &Run = Log["runs"][0];
    CHECK(Run["columnKind"] == "utf16CodeUnits");
    CHECK(Run["originalUriBaseIds"] ==
          Json::parse(R"({"%SRCROOT%": {"uri": "file:///work/proj/"}})"));
    const Json &Driver = Run["tool"]["driver"];
    CHECK(Driver["name"] == "nplus1");
    CHECK(Driver["version"] == report::ToolVersion);
    CHECK(!Driver.contains("informationUri"));

    // Every rule, in catalog order, with its documentation.
    llvm::ArrayRef<const rules::Rule *> All = rules::allRules();
    REQUIRE(Driver["rules"].size() == All.size());
    for (size_t I = 0; I < All.size(); ++I) {
      const rules::RuleInfo &Info = All[I]->info();
      const Json &R = Driver["rules"][I];
      CHECK(R["id"] == Info.Code);
      CHECK(R["name"] == Info.Name);
      CHECK(R["shortDescription"]["text"] == Info.Summary);
      CHECK(R["help"]["markdown"] == Info.Doc);
      CHECK(!R["fullDescription"]["text"].get<std::string>().empty());
      CHECK(R["defaultConfiguration"]["level"] == report::severity(Info.Code).str());
    }
    CHECK(Driver["rules"][0]["fullDescription"]["text"] ==
          "Finds a loop over a queryset whose body reads a ForeignKey or OneToOneField (or the "
          "reverse side of a OneToOneField) that the queryset did not load with "
          "`select_related()`.");

    const Json &Results = Run["results"];
    REQUIRE(Results.size() == 2);
    for (const Json &R : Results)
      CHECK(Driver["rules"][R["ruleIndex"].get<size_t>()]["id"] == R["ruleId"]);
    CHECK(Results[0]["level"] == "warning");
    CHECK(Results[1]["level"] == "error");
    CHECK(Results[1]["ruleIndex"] == llvm::find(All, rules::findRule("NP902")) - All.begin());

    const Json &Loc = Results[0]["locations"][0]["physicalLocation"];
    CHECK(Loc["artifactLocation"] ==
          Json::parse(R"({"uri": "shop/views.py", "uriBaseId": "%SRCROOT%"})"));
    // `o.customer` at byte columns 29-39 is at UTF-16 columns 26-36.
    CHECK(Loc["region"] == Json::parse(R"({"startLine": 5, "startColumn": 26,
                                           "endLine": 5, "endColumn": 36})"));
    const Json &Related = Results[0]["relatedLocations"];
    REQUIRE(Related.size() == 2);
    CHECK(Related[0]["id"] == 0);
    CHECK(Related[0]["message"]["text"] == "the loop over `orders` (Order.objects.all()) is here");
    CHECK(Related[0]["physicalLocation"]["region"]["startLine"] == 4);
    CHECK(Related[1]["id"] == 1);
    CHECK(Related[1]["physicalLocation"]["region"]["startColumn"] == 14);

    // An unreadable file: a location with just the file.
    CHECK(Results[1]["locations"][0] == Json::parse(R"({"physicalLocation": {
            "artifactLocation": {"uri": "gone.py", "uriBaseId": "%SRCROOT%"}}})"));
    CHECK(!Results[1].contains("relatedLocations"));
    CHECK(!Results[1].contains("fixes"));
  }

  TEST_CASE("sarif: text that is not UTF-8 still makes valid JSON") {
    rules::Diagnostic D = unreadable("caf\xE9.py", "cannot read caf\xE9.py");
    Json Log = report::toSarif({D}, "/p");
    std::string Dumped;
    CHECK_NOTHROW(Dumped = Log.dump());
    const Json &R = Log["runs"][0]["results"][0];
    CHECK(R["message"]["text"] == "cannot read caf\xEF\xBF\xBD.py");
    CHECK(R["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9.py");
  }

  TEST_CASE("sarif: absolute paths under the root are relative to %SRCROOT%") {
    Fixture In("/work/proj/shop/views.py"), Out("/elsewhere/views.py");
    Json Log = report::toSarif({In.diag(), Out.diag()}, "file:///work/proj");
    const Json &Results = Log["runs"][0]["results"];
    CHECK(Log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///work/proj/");
    CHECK(Results[0]["locations"][0]["physicalLocation"]["artifactLocation"] ==
          Json::parse(R"({"uri": "shop/views.py", "uriBaseId": "%SRCROOT%"})"));
    CHECK(Results[1]["locations"][0]["physicalLocation"]["artifactLocation"] ==
          Json::parse(R"({"uri": "file:///elsewhere/views.py"})"));
    // The fix's file is located the same way.
    CHECK(Results[0]["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"] ==
          "shop/views.py");
  }

  TEST_CASE("sarif: fixes only for safe fixes, as replacements in UTF-16 columns") {
    Fixture F("shop/views.py");
    rules::Diagnostic NoEdit = F.diag();
    NoEdit.Fix.reset();
    Json Results = report::toSarif({F.diag(), F.diag(rules::Applicability::Unsafe),
                                    F.diag(rules::Applicability::DisplayOnly), NoEdit},
                                   "/p")["runs"][0]["results"];
    REQUIRE(Results.size() == 4);
    CHECK(Results[0]["fixes"] == Json::parse(R"js([{
      "description": {"text": "Add .select_related('customer')"},
      "artifactChanges": [{
        "artifactLocation": {"uri": "shop/views.py", "uriBaseId": "%SRCROOT%"},
        "replacements": [{
          "deletedRegion": {"startLine": 3, "startColumn": 27, "endLine": 3, "endColumn": 27},
          "insertedContent": {"text": ".select_related('customer')"}}]}]}])js"));
    CHECK(!Results[1].contains("fixes"));
    CHECK(!Results[2].contains("fixes"));
    CHECK(!Results[3].contains("fixes"));

    // A bare select_related() gets no edit (naming a field would narrow it): no fix either.
    F.Origin->Select = flow::LoadCall{0, false};
    Results = report::toSarif({F.diag()}, "/p")["runs"][0]["results"];
    CHECK(!Results[0].contains("fixes"));
  }

  TEST_CASE("sarif: fingerprints ignore the line and tell repeats apart") {
    Fixture Before("shop/views.py"), After("shop/views.py", std::string("\n\n") + Views);
    rules::Diagnostic Other = Before.diag();
    Other.Relation = "address";
    auto Print = [](const Json &R) { return R["partialFingerprints"]["nplus1/v1"]; };
    Json A = report::toSarif({Before.diag(), Other, Before.diag()}, "/p")["runs"][0]["results"];
    Json B = report::toSarif({After.diag()}, "/q")["runs"][0]["results"];
    CHECK(A[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5);
    CHECK(B[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 7);
    CHECK(Print(A[0]) == Print(B[0]));
    CHECK(Print(A[0]).get<std::string>().ends_with(":1"));
    CHECK(Print(A[1]) != Print(A[0]));
    std::string First = Print(A[0]), Third = Print(A[2]);
    CHECK(Third.ends_with(":2"));
    CHECK(First.substr(0, First.size() - 2) == Third.substr(0, Third.size() - 2));
    // Another file, another fingerprint.
    Fixture Moved("shop/other.py");
    Json C = report::toSarif({Moved.diag()}, "/p")["runs"][0]["results"];
    CHECK(Print(C[0]) != Print(A[0]));
  }
}

TEST_SUITE("report.config") {
  TEST_CASE("test code is recognised by the names projects give it") {
    for (const char *P : {"app/tests/test_views.py", "shuup_tests/core/test_orders.py",
                          "shuup/testing/receivers.py", "src/test/helpers.py", "app/tests.py",
                          "conftest.py", "app/test_models.py", "app/models_tests.py"}) {
      CAPTURE(P);
      CHECK(driver::Config::isTestPath(P));
    }
    for (const char *P : {"app/views.py", "latest/views.py", "contest/models.py",
                          "app/testimonials.py", "tests_app_helpers.py"}) {
      CAPTURE(P);
      CHECK(!driver::Config::isTestPath(P));
    }
  }
}
