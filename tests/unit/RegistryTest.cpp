//===- tests/unit/RegistryTest.cpp - every rule is complete ---------------===//
//
// Guards the rule registry (rules/Rules.def): each rule has its code and name, a summary,
// the doc sections `nplus1 rule CODE` prints, a fixture case expecting it, and, when it
// offers fixes, a fixture finding whose fix lands in a file with a `.fixed` twin.

#include "driver/Pipeline.h"
#include "fix/Fix.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace nplus1;
namespace fs = std::filesystem;

namespace {

const fs::path Fixtures = fs::path(NPLUS1_SOURCE_DIR) / "fixtures";

/// One line of rules/Rules.def.
struct Entry {
  std::string Code, Name;
};

/// The registry as written: the RULE lines of rules/Rules.def, in order.
std::vector<Entry> registryLines() {
  return {
#define RULE(Code, Name, Class) {#Code, Name},
#include "rules/Rules.def"
  };
}

/// The sections every rule doc has, in this order (the house style's, as `nplus1 rule`
/// prints them and SARIF reuses them).
const char *const Sections[] = {"## What it does", "## Why is this bad?", "## Example",
                                "## Use instead", "## Fix safety"};

std::string readFile(const fs::path &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream Buffer;
  Buffer << In.rdbuf();
  return Buffer.str();
}

/// The problems of one rule doc: a section missing, out of order, empty, or written twice.
std::vector<std::string> docProblems(const std::string &Doc) {
  std::vector<std::string> Out;
  size_t Last = 0;
  std::vector<size_t> Starts;
  for (const char *S : Sections) {
    std::string Heading = std::string(S) + "\n";
    size_t At = Doc.find(Heading);
    if (At == std::string::npos || (At != 0 && Doc[At - 1] != '\n')) {
      Out.push_back(std::string("no \"") + S + "\" section");
      continue;
    }
    if (Doc.find(Heading, At + 1) != std::string::npos)
      Out.push_back(std::string("\"") + S + "\" written twice");
    if (At < Last)
      Out.push_back(std::string("\"") + S + "\" out of order");
    Last = At;
    Starts.push_back(At);
  }
  if (!Out.empty())
    return Out;
  // Each section has text of its own before the next heading (or the end).
  for (size_t I = 0; I < Starts.size(); ++I) {
    size_t Body = Starts[I] + std::string(Sections[I]).size() + 1;
    size_t End = I + 1 < Starts.size() ? Starts[I + 1] : Doc.size();
    std::string Text = Doc.substr(Body, End - Body);
    if (Text.find_first_not_of(" \n") == std::string::npos)
      Out.push_back(std::string("\"") + Sections[I] + "\" is empty");
  }
  if (Doc.empty() || Doc.back() != '\n')
    Out.push_back("the doc does not end with a newline");
  return Out;
}

/// Codes expected by the fixtures: `# expect: NP101, NP102`, `# expect@+1: ...`,
/// `# expect@binary.py: ...` and `{# expect: ... #}`, as `--verify` reads them (the
/// `.fixed` twins are not fixture inputs). Code -> "path:line" of each expectation.
std::map<std::string, std::vector<std::string>> fixtureExpectations() {
  std::map<std::string, std::vector<std::string>> Out;
  const std::regex Expect(
      R"((^|[[:space:]]|[{])#[[:space:]]*expect(@[^:[:space:]]+)?:[[:space:]]*(NP[0-9]{3}([[:space:]]*,[[:space:]]*NP[0-9]{3})*))");
  const std::regex Code("NP[0-9]{3}");
  std::error_code EC;
  for (fs::recursive_directory_iterator It(Fixtures, EC), End; !EC && It != End; It.increment(EC)) {
    const fs::directory_entry &E = *It;
    // Not the fixtures' own files: a cache (`.nplus1_cache/`) another test wrote, bytecode.
    std::string Base = E.path().filename().string();
    if (E.is_directory() && (Base.front() == '.' || Base == "__pycache__")) {
      It.disable_recursion_pending();
      continue;
    }
    if (!E.is_regular_file() || E.path().extension() == ".fixed")
      continue;
    std::istringstream In(readFile(E.path()));
    std::string Line;
    for (unsigned N = 1; std::getline(In, Line); ++N) {
      std::smatch M;
      if (!std::regex_search(Line, M, Expect))
        continue;
      std::string Codes = M[3];
      for (std::sregex_iterator I(Codes.begin(), Codes.end(), Code), End; I != End; ++I)
        Out[I->str()].push_back(fs::relative(E.path(), Fixtures).string() + ":" +
                                std::to_string(N));
    }
  }
  REQUIRE_MESSAGE(!EC, "cannot list " << Fixtures.string() << ": " << EC.message());
  return Out;
}

/// The fixture projects, analyzed once as `nplus1 check --no-cache` would.
std::vector<driver::Analysis> &fixtureRuns() {
  static std::vector<driver::Analysis> Runs = [] {
    std::vector<driver::Analysis> Out;
    std::set<fs::path> Projects;
    for (const auto &E : fs::directory_iterator(Fixtures / "projects"))
      if (E.is_directory())
        Projects.insert(E.path());
    for (const fs::path &P : Projects) {
      discover::Options Opts;
      Opts.Paths = {P.string()};
      llvm::Expected<driver::Config> C = driver::configure(Opts, {}, {});
      REQUIRE_MESSAGE(bool(C), "cannot configure " << P);
      Out.push_back(driver::analyze(Opts, *C));
    }
    return Out;
  }();
  return Runs;
}

} // namespace

TEST_SUITE("registry") {

  TEST_CASE("Rules.def and the rule files agree, sorted by code, codes and names unique") {
    std::vector<Entry> Lines = registryLines();
    llvm::ArrayRef<const rules::Rule *> All = rules::allRules();
    REQUIRE(Lines.size() == All.size());
    REQUIRE_FALSE(All.empty());
    const std::regex CodeForm("NP[0-9]{3}");
    const std::regex NameForm("[a-z0-9]+(-[a-z0-9]+)+");
    std::set<std::string> Codes, Names;
    for (size_t I = 0; I < All.size(); ++I) {
      const rules::RuleInfo &Info = All[I]->info();
      INFO("Rules.def line " << I + 1 << ": " << Lines[I].Code);
      REQUIRE(Info.Code != nullptr);
      REQUIRE(Info.Name != nullptr);
      std::string Code = Info.Code, Name = Info.Name;
      CHECK(Lines[I].Code == Code);
      CHECK(Lines[I].Name == Name);
      CHECK_MESSAGE(std::regex_match(Code, CodeForm), "code is not NPddd: " << Code);
      CHECK_MESSAGE(std::regex_match(Name, NameForm), "name is not kebab-case: " << Name);
      CHECK_MESSAGE(Codes.insert(Code).second, "code written twice: " << Code);
      CHECK_MESSAGE(Names.insert(Name).second, "name written twice: " << Name);
      if (I > 0)
        CHECK_MESSAGE(std::string(All[I - 1]->info().Code) < Code,
                      "Rules.def is not sorted by code at " << Code);
      CHECK(rules::findRule(Code) == All[I]);
    }
  }

  TEST_CASE("every rule has a summary and the doc sections") {
    for (const rules::Rule *R : rules::allRules()) {
      const rules::RuleInfo &Info = R->info();
      std::string Code = Info.Code;
      INFO(Code);
      REQUIRE(Info.Summary != nullptr);
      REQUIRE(Info.Doc != nullptr);
      std::string Summary = Info.Summary;
      CHECK_FALSE(Summary.empty());
      CHECK(Summary.find('\n') == std::string::npos);
      for (const std::string &P : docProblems(Info.Doc))
        FAIL_CHECK(Code << " doc: " << P);
    }
  }

  TEST_CASE("the doc checker rejects a doc that lacks a section") {
    // The check above is only as good as docProblems(): show it catches each fault.
    std::string Good = "## What it does\na\n\n## Why is this bad?\nb\n\n## Example\nc\n\n"
                       "## Use instead\nd\n\n## Fix safety\ne\n";
    CHECK(docProblems(Good).empty());
    for (const char *S : Sections) {
      std::string Bad = Good;
      std::string Heading = std::string(S) + "\n";
      Bad.erase(Bad.find(Heading), Heading.size());
      CHECK_MESSAGE(!docProblems(Bad).empty(), "missing " << S);
    }
    std::string Empty = Good;
    Empty.replace(Empty.find("c\n"), 2, "\n");
    CHECK_FALSE(docProblems(Empty).empty());
    std::string Swapped = "## Why is this bad?\nb\n## What it does\na\n## Example\nc\n"
                          "## Use instead\nd\n## Fix safety\ne\n";
    CHECK_FALSE(docProblems(Swapped).empty());
  }

  TEST_CASE("every rule is expected by a fixture case") {
    std::map<std::string, std::vector<std::string>> Expected = fixtureExpectations();
    std::set<std::string> Known;
    for (const rules::Rule *R : rules::allRules()) {
      std::string Code = R->info().Code, Name = R->info().Name;
      Known.insert(Code);
      CHECK_MESSAGE(Expected.count(Code), Code << " (" << Name << ") has no `# expect: " << Code
                                               << "` in any fixture under " << Fixtures.string());
    }
    // And no fixture expects a code the registry does not have.
    for (const auto &[Code, Where] : Expected)
      CHECK_MESSAGE(Known.count(Code),
                    Where.front() << " expects " << Code << ", which is not in rules/Rules.def");
  }

  TEST_CASE("every fixture expectation lies in a file --verify reads") {
    // --verify reads expectations only from the files it analyzes: a `# expect:` in a file
    // that discovery skips (an excluded directory, a template outside every template
    // directory, a renamed extension) would never be checked, and the fixture would pass
    // without testing it.
    std::set<std::string> Read;
    for (const driver::Analysis &A : fixtureRuns())
      for (const auto &F : A.Targets)
        Read.insert(fs::weakly_canonical(fs::path(F->path().str())).string());
    REQUIRE_FALSE(Read.empty());
    size_t Checked = 0;
    for (const auto &[Code, Where] : fixtureExpectations())
      for (const std::string &W : Where) {
        std::string Rel = W.substr(0, W.rfind(':'));
        std::string Abs = fs::weakly_canonical(Fixtures / Rel).string();
        ++Checked;
        CHECK_MESSAGE(Read.count(Abs), W << " expects " << Code
                                         << ", but `nplus1 check --verify` does not read " << Rel
                                         << ": the expectation is never checked");
      }
    CHECK(Checked > 0);
  }

  TEST_CASE("every fixable rule has a fixture finding whose fix a .fixed twin covers") {
    for (const rules::Rule *R : rules::allRules()) {
      const rules::RuleInfo &Info = R->info();
      if (Info.Fixes == rules::FixAvailability::Never)
        continue;
      std::string Code = Info.Code, Name = Info.Name;
      INFO(Code);
      // A finding of this rule on a fixture whose planned edits (unsafe ones too, as
      // tests/fix_fixture.sh applies them) all land in files with a `.fixed` twin that
      // differs from the file.
      std::vector<std::string> Uncovered;
      bool Covered = false;
      for (const driver::Analysis &A : fixtureRuns()) {
        for (const rules::Diagnostic &D : A.Diagnostics) {
          if (D.Code != Code || !D.Fix)
            continue;
          std::vector<fix::Edit> Edits = fix::planEdits({D}, fix::Policy{/*Unsafe=*/true});
          if (Edits.empty())
            continue;
          bool All = true;
          for (const fix::Edit &E : Edits) {
            fs::path File(E.File->path().str());
            fs::path Twin(File.string() + ".fixed");
            if (!fs::exists(Twin) || readFile(Twin) == readFile(File)) {
              All = false;
              Uncovered.push_back(File.string());
            }
          }
          Covered |= All;
        }
      }
      CHECK_MESSAGE(Covered, Code << " (" << Name
                                  << ") offers fixes, but no fixture finding of it has a "
                                     "fix landing in a file with a .fixed twin"
                                  << (Uncovered.empty() ? std::string(" (no fixable finding)")
                                                        : "; its fixes edit " + Uncovered.front()));
    }
  }
}
