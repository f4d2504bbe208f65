// The settings: rule codes checked where they are written (file and line, or the option),
// select/ignore precedence, command-line overrides, and the Django version read from pins.
#include "driver/Config.h"

#include <doctest/doctest.h>

using namespace nplus1;
using driver::Config;

namespace {

/// Reads \p Text as the nplus1.toml "f.toml"; the error message, or "" when it is accepted.
std::string readError(llvm::StringRef Text, Config &C) {
  llvm::Expected<bool> R = driver::readConfigText(Text, "f.toml", /*Pyproject=*/false, C);
  if (R)
    return "";
  return llvm::toString(R.takeError());
}

std::string readError(llvm::StringRef Text) {
  Config C;
  return readError(Text, C);
}

std::string applyError(const driver::CommandLine &CL, Config &C) {
  if (llvm::Error E = driver::applyCommandLine(CL, C))
    return llvm::toString(std::move(E));
  return "";
}

} // namespace

TEST_SUITE("driver.config") {
  TEST_CASE("rule codes and prefixes must name registered rules") {
    for (const char *Ok : {"NP", "NP1", "NP10", "NP101", "NP301", "NP9", "NP903"}) {
      CAPTURE(Ok);
      CHECK(driver::checkRuleCode(Ok, "select") == "");
    }
    CHECK(driver::checkRuleCode("np101", "select") ==
          "unknown rule code \"np101\" in select (did you mean \"NP101\"? codes are upper-case)");
    for (const char *Bad : {"NP999", "NP1011", "NPX", "N", "", "E501", "ALL", "NP 1"}) {
      CAPTURE(Bad);
      CHECK(llvm::StringRef(driver::checkRuleCode(Bad, "--ignore"))
                .starts_with("unknown rule code \"" + std::string(Bad) + "\" in --ignore"));
    }
  }

  TEST_CASE("a bad value in the file names the file, the line and the key") {
    CHECK(readError("select = [\"NP1\"]\nignore = [\n  \"NP103\",\n  \"np101\",\n]\n") ==
          "f.toml:4: unknown rule code \"np101\" in ignore (did you mean \"NP101\"? codes are "
          "upper-case)");
    CHECK(llvm::StringRef(readError("\n\nselect = [\"NP0\"]\n"))
              .starts_with("f.toml:3: unknown rule code \"NP0\" in select"));
    CHECK(llvm::StringRef(readError("extend-ignore = \"np1\"\n"))
              .starts_with("f.toml:1: unknown rule code \"np1\" in extend-ignore"));
    CHECK(readError("select = 1\n") == "f.toml:1: 'select' must be a list of strings");
    CHECK(readError("extend-select = [\"NP1\", 3]\n") ==
          "f.toml:1: 'extend-select' must be a list of strings");
    CHECK(readError("include-tests = \"yes\"\n") ==
          "f.toml:1: 'include-tests' must be true or false");
    CHECK(llvm::StringRef(readError("select = [\"NP1\"]\nselekt = [\"NP1\"]\n"))
              .starts_with("f.toml:2: unknown key 'selekt'"));
    CHECK(llvm::StringRef(readError("[per-file-ignores]\n\"a.py\" = [\"NP1\"]\n\"b.py\" = "
                                    "[\"np1\"]\n"))
              .starts_with("f.toml:3: unknown rule code \"np1\" in per-file-ignores"));
    CHECK(llvm::StringRef(readError("[per-file-ignores]\n\"app/[x.py\" = [\"NP1\"]\n"))
              .starts_with("f.toml:2: invalid glob \"app/[x.py\" in per-file-ignores"));
    CHECK(llvm::StringRef(readError("select = [\"NP1\"\n")).starts_with("f.toml:"));
  }

  TEST_CASE("a pyproject.toml is read only through its [tool.nplus1] table") {
    Config C;
    llvm::Expected<bool> None =
        driver::readConfigText("[tool.ruff]\nselect = [\"E\"]\n", "pyproject.toml", true, C);
    REQUIRE(None);
    CHECK(!*None);
    CHECK(C.Source.empty());
    llvm::Expected<bool> Ours =
        driver::readConfigText("[project]\nname = \"x\"\n\n[tool.nplus1]\nselect = [\"NP3\"]\n",
                               "/p/pyproject.toml", true, C);
    REQUIRE(Ours);
    CHECK(*Ours);
    CHECK(C.Source == "/p/pyproject.toml");
    CHECK(C.BaseDir == "/p");
    CHECK(C.Select == std::vector<std::string>{"NP3"});
    CHECK(C.Origin["select"] == std::vector<std::string>{"/p/pyproject.toml:5"});
  }

  TEST_CASE("extend-select adds to select whichever comes first in the file") {
    Config C;
    REQUIRE(readError("extend-select = [\"NP301\"]\nselect = [\"NP1\"]\n", C) == "");
    CHECK(C.enabled("NP101"));
    CHECK(C.enabled("NP301"));
    CHECK(!C.enabled("NP903"));
  }

  TEST_CASE("an opt-in rule is on only when a selection names it") {
    Config Default;
    CHECK(Default.enabled("NP101"));
    CHECK(!Default.enabled("NP104")); // the default select = ["NP"] does not name it
    CHECK(!Default.enabled("NP106"));
    Config Extended;
    REQUIRE(readError("extend-select = [\"NP106\"]\n", Extended) == "");
    CHECK(Extended.enabled("NP106"));
    CHECK(!Extended.enabled("NP104"));
    Config Prefix; // a chosen select names every rule under its prefixes
    REQUIRE(readError("select = [\"NP1\"]\n", Prefix) == "");
    CHECK(Prefix.enabled("NP104"));
    CHECK(Prefix.enabled("NP106"));
    Config Ignored; // a tie of select and ignore still ignores
    REQUIRE(readError("extend-select = [\"NP106\"]\nignore = [\"NP106\"]\n", Ignored) == "");
    CHECK(!Ignored.enabled("NP106"));
    Config Later;
    driver::CommandLine CL;
    CL.ExtendSelect = {"NP104"};
    REQUIRE(applyError(CL, Later) == "");
    CHECK(Later.enabled("NP104"));
    CHECK(!Later.enabled("NP106"));
  }

  TEST_CASE("the more specific of a selected and an ignored prefix decides") {
    Config C;
    C.Select = {"NP101"};
    C.Ignore = {"NP1"};
    CHECK(C.enabled("NP101"));
    CHECK(!C.enabled("NP102"));
    C.Select = {"NP1"};
    C.Ignore = {"NP101"};
    CHECK(!C.enabled("NP101"));
    CHECK(C.enabled("NP102"));
    C.Ignore = {"NP1"}; // a tie ignores
    CHECK(!C.enabled("NP102"));
    C.Ignore.clear();
    C.ExtendIgnore = {"NP10"};
    CHECK(!C.enabled("NP102"));
    C.ExtendSelect = {"NP102"};
    CHECK(C.enabled("NP102"));
    CHECK(!C.enabled("NP903")); // never selected
  }

  TEST_CASE("the command line's --select starts afresh; per-file-ignores are replaced") {
    Config C;
    REQUIRE(readError("select = [\"NP1\"]\nignore = [\"NP101\"]\nextend-select = [\"NP9\"]\n"
                      "[per-file-ignores]\n\"a.py\" = [\"NP1\"]\n",
                      C) == "");
    driver::CommandLine CL;
    CL.Select = std::vector<std::string>{"NP101, NP102", "NP301"};
    CL.ExtendIgnore = {"NP102"};
    CL.PerFileIgnores = std::vector<std::string>{"*/tests/*.py:NP1,NP3", "b.py:NP9"};
    CL.IncludeTests = true;
    CL.IncludeCommands = true;
    REQUIRE(applyError(CL, C) == "");
    CHECK(C.Select == std::vector<std::string>{"NP101", "NP102", "NP301"});
    CHECK(C.Ignore.empty());       // the file's no longer counts
    CHECK(C.ExtendSelect.empty()); // nor its extend-select
    CHECK(C.ExtendIgnore == std::vector<std::string>{"NP102"});
    CHECK(C.enabled("NP101")); // the file ignored it
    CHECK(!C.enabled("NP102"));
    CHECK(C.enabled("NP301"));
    CHECK(!C.enabled("NP903"));
    CHECK(C.PerFileIgnores.size() == 2);
    CHECK(C.PerFileIgnores["*/tests/*.py"] == std::vector<std::string>{"NP1", "NP3"});
    CHECK(C.ignoredIn("app/tests/test_x.py", "NP301"));
    CHECK(!C.ignoredIn("a.py", "NP101")); // the file's entry was replaced
    CHECK(C.IncludeTests == true);
    CHECK(C.Origin["select"] == std::vector<std::string>{"--select"});
    CHECK(C.Origin.count("ignore") == 0);
    CHECK(C.Origin.count("extend-select") == 0);
    CHECK(C.Origin["extend-ignore"] == std::vector<std::string>{"--extend-ignore"});
    CHECK(C.Origin["include-tests"] == std::vector<std::string>{"--include-tests"});
    CHECK(C.IncludeCommands == true);
    CHECK(C.Origin["include-commands"] == std::vector<std::string>{"--include-commands"});
    std::string Printed;
    llvm::raw_string_ostream OS(Printed);
    C.print(OS);
    CHECK(Printed.find("\nselect = [\"NP101\", \"NP102\", \"NP301\"]  # --select\n") !=
          std::string::npos);
    CHECK(Printed.find("\nignore = []  # default\n") != std::string::npos);
    CHECK(Printed.find("per-file-ignores.\"b.py\" = [\"NP9\"]  # --per-file-ignores\n") !=
          std::string::npos);
    CHECK(Printed.find("\n# rules reported: NP101, NP301\n") != std::string::npos);
  }

  TEST_CASE("without --select, the command line turns rules on and off over the file's") {
    Config C;
    REQUIRE(readError("select = [\"NP101\", \"NP3\"]\nignore = [\"NP1\", \"NP301\"]\n", C) == "");
    CHECK(C.enabled("NP101")); // more specific than the file's ignore
    CHECK(!C.enabled("NP301"));
    driver::CommandLine CL;
    CL.ExtendSelect = {"NP3", "NP10"};
    CL.Ignore = {"NP10"};
    REQUIRE(applyError(CL, C) == "");
    CHECK(!C.enabled("NP101")); // the command line's less specific ignore still wins
    CHECK(C.enabled("NP301"));  // and so does its less specific extend-select
    CHECK(!C.enabled("NP102")); // tie on the command line: ignored
    CHECK(!C.enabled("NP903")); // untouched: as the file says
    CHECK(C.Select == std::vector<std::string>{"NP101", "NP3"});
    CHECK(C.Origin["ignore"] == std::vector<std::string>{"f.toml:2"});
    std::string Printed;
    llvm::raw_string_ostream OS(Printed);
    C.print(OS);
    CHECK(Printed.find("\n# then the command line, which wins over the lines above: "
                       "--extend-select NP3,NP10 --ignore NP10\n") != std::string::npos);
    CHECK(Printed.find("\n# rules reported: NP301\n") != std::string::npos);
  }

  TEST_CASE("a bad command-line value names the option") {
    auto Error = [](driver::CommandLine CL) {
      Config C;
      return applyError(CL, C);
    };
    driver::CommandLine Select;
    Select.Select = std::vector<std::string>{"NP1,np101"};
    CHECK(llvm::StringRef(Error(Select)).starts_with("unknown rule code \"np101\" in --select"));
    driver::CommandLine Extend;
    Extend.ExtendSelect = {"NP0"};
    CHECK(
        llvm::StringRef(Error(Extend)).starts_with("unknown rule code \"NP0\" in --extend-select"));
    driver::CommandLine PerFile;
    PerFile.PerFileIgnores = std::vector<std::string>{"tests/*.py"};
    CHECK(llvm::StringRef(Error(PerFile)).starts_with("--per-file-ignores wants GLOB:CODES"));
    PerFile.PerFileIgnores = std::vector<std::string>{"tests/*.py:NP1,Np3"};
    CHECK(llvm::StringRef(Error(PerFile))
              .starts_with("unknown rule code \"Np3\" in --per-file-ignores"));
    PerFile.PerFileIgnores = std::vector<std::string>{"tests/[a.py:NP1"};
    CHECK(llvm::StringRef(Error(PerFile))
              .starts_with("invalid glob \"tests/[a.py\" in --per-file-ignores"));
  }

  TEST_CASE("the Django version is read from pins with extras, ranges and lock files") {
    struct Case {
      const char *Text;
      const char *Version; // "" : none
      bool Exact;
    };
    const Case Cases[] = {
        {"Django[argon2]==6.1\n", "6.1", true},
        {"django[bcrypt]>=4.2,<5\n", "4.2", false},
        {"django[argon2,bcrypt] ~= 4.1.3 ; python_version >= '3.8'\n", "4.1", false},
        {"Django<5,>=4.2  # LTS\n", "4.2", false},
        {"pytest-django==4.5.2\ndjango-filter==23.1\nDjango==3.2.19\n", "3.2", true},
        {"# Django==1.11\ndjango==4.0.1\n", "4.0", true},
        {"mydjango==1.0\nDJANGO_SETTINGS_MODULE=x.settings\n", "", false},
        {"django<5\n", "", false},
        {"django!=4.0.1\n", "", false},
        {"[project]\ndependencies = [\n  \"Django[argon2]>=5.0,<5.2\",\n]\n", "5.0", false},
        {"[tool.poetry.dependencies]\ndjango = { version = \"^4.2\", extras = [\"argon2\"] }\n",
         "4.2", false},
        {"[tool.poetry.dependencies]\nDjango = \"4.1.7\"\n", "4.1", true},
        {"[packages]\ndjango = \"==3.2\"\n", "3.2", true},
        {"setup(install_requires=['Django>=3.2.4', 'requests'])\n", "3.2", false},
        {"[options]\ninstall_requires =\n    Django[bcrypt] == 4.2.1\n", "4.2", true},
        {"[[package]]\nname = \"Django\"\nversion = \"5.1.2\"\n", "5.1", true},
        {"[tool.nplus1]\ndjango-version = \"4.2\"\n", "", false},
    };
    for (const Case &K : Cases) {
      CAPTURE(K.Text);
      std::optional<driver::DjangoPin> Pin = driver::djangoPin(K.Text);
      if (!*K.Version) {
        CHECK(!Pin);
        continue;
      }
      REQUIRE(Pin);
      CHECK(Pin->Version == K.Version);
      CHECK(Pin->Exact == K.Exact);
    }
  }
}
