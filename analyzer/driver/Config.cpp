#include "driver/Config.h"

#include "rules/Rule.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

#include <toml++/toml.h>

#include <optional>

namespace nplus1::driver {

namespace {

llvm::Error configError(llvm::StringRef File, const toml::source_region &Where,
                        const llvm::Twine &Message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s:%u: %s", File.str().c_str(),
                                 unsigned(Where.begin.line), Message.str().c_str());
}

llvm::Error usageError(const llvm::Twine &Message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Message.str());
}

std::string where(llvm::StringRef File, const toml::source_region &Where) {
  return File.str() + ":" + std::to_string(Where.begin.line);
}

/// Reads a string or an array of strings.
llvm::Expected<std::vector<std::string>> strings(llvm::StringRef File, llvm::StringRef Key,
                                                 const toml::node &N) {
  std::vector<std::string> Out;
  if (auto S = N.value<std::string>()) {
    Out.push_back(*S);
    return Out;
  }
  const toml::array *A = N.as_array();
  if (!A)
    return configError(File, N.source(), "'" + Key + "' must be a list of strings");
  for (const toml::node &E : *A) {
    auto S = E.value<std::string>();
    if (!S)
      return configError(File, E.source(), "'" + Key + "' must be a list of strings");
    Out.push_back(*S);
  }
  return Out;
}

/// Reads a list of rule codes or prefixes; an unknown one is an error at its own line.
llvm::Expected<std::vector<std::string>> codes(llvm::StringRef File, llvm::StringRef Key,
                                               const toml::node &N) {
  auto V = strings(File, Key, N);
  if (!V)
    return V.takeError();
  const toml::array *A = N.as_array();
  for (size_t I = 0; I < V->size(); ++I)
    if (std::string Why = checkRuleCode((*V)[I], Key); !Why.empty())
      return configError(File, A ? (*A)[I].source() : N.source(), Why);
  return V;
}

/// Whether \p Glob is a pattern llvm::GlobPattern accepts; the reason when it is not.
std::string badGlob(llvm::StringRef Glob) {
  auto G = llvm::GlobPattern::create(Glob);
  if (G)
    return "";
  return llvm::toString(G.takeError());
}

constexpr const char *KnownKeys =
    "select, extend-select, ignore, extend-ignore, per-file-ignores, exclude, extend-exclude, "
    "template-dirs, django-version, unsafe-fixes, include-tests, include-commands";

/// Reads one `key = value` of the settings table into \p C.
llvm::Error readKey(llvm::StringRef File, const std::string &Key, const toml::node &N, Config &C) {
  auto Codes = [&](std::vector<std::string> &Into) -> llvm::Error {
    auto V = codes(File, Key, N);
    if (!V)
      return V.takeError();
    Into = std::move(*V);
    return llvm::Error::success();
  };
  auto Strings = [&](std::vector<std::string> &Into) -> llvm::Error {
    auto V = strings(File, Key, N);
    if (!V)
      return V.takeError();
    Into = std::move(*V);
    return llvm::Error::success();
  };
  auto Bool = [&](std::optional<bool> &Into) -> llvm::Error {
    auto B = N.value<bool>();
    if (!B)
      return configError(File, N.source(), "'" + Key + "' must be true or false");
    Into = *B;
    return llvm::Error::success();
  };
  C.Origin[Key] = {where(File, N.source())};
  if (Key == "select")
    return Codes(C.Select);
  if (Key == "extend-select")
    return Codes(C.ExtendSelect);
  if (Key == "ignore")
    return Codes(C.Ignore);
  if (Key == "extend-ignore")
    return Codes(C.ExtendIgnore);
  if (Key == "exclude")
    return Strings(C.Exclude);
  if (Key == "extend-exclude")
    return Strings(C.ExtendExclude);
  if (Key == "template-dirs")
    return Strings(C.TemplateDirs);
  if (Key == "unsafe-fixes")
    return Bool(C.UnsafeFixes);
  if (Key == "include-tests")
    return Bool(C.IncludeTests);
  if (Key == "include-commands")
    return Bool(C.IncludeCommands);
  if (Key == "django-version") {
    auto S = N.value<std::string>();
    static const llvm::Regex Version("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$");
    if (!S || !Version.match(*S))
      return configError(File, N.source(), "'django-version' must be a string such as \"4.2\"");
    C.DjangoVersion = *S;
    C.DjangoVersionWhy = "django-version in " + File.str();
    C.DjangoVersionKnown = true;
    return llvm::Error::success();
  }
  if (Key == "per-file-ignores") {
    const toml::table *PT = N.as_table();
    if (!PT)
      return configError(File, N.source(), "'per-file-ignores' must be a table of glob = [codes]");
    for (auto &&[Glob, List] : *PT) {
      if (std::string Why = badGlob(Glob.str()); !Why.empty())
        return configError(File, Glob.source(),
                           "invalid glob \"" + std::string(Glob.str()) +
                               "\" in per-file-ignores: " + Why);
      auto V = codes(File, "per-file-ignores", List);
      if (!V)
        return V.takeError();
      C.PerFileIgnores[std::string(Glob.str())] = std::move(*V);
    }
    return llvm::Error::success();
  }
  C.Origin.erase(Key);
  return configError(File, N.source(),
                     "unknown key '" + Key + "' in nplus1 settings (known: " + KnownKeys + ")");
}

llvm::Error readTable(llvm::StringRef File, const toml::table &T, Config &C) {
  for (auto &&[KeyNode, N] : T)
    if (llvm::Error E = readKey(File, std::string(KeyNode.str()), N, C))
      return E;
  return llvm::Error::success();
}

/// Debian's toml++ 3.3 reaches an `unreachable` (undefined behaviour) when a non-ASCII
/// character stands where whitespace may: outside strings and comments, or at the start of
/// a line continued by `\` in a multi-line basic string (toml++ issues 190/295). Such a
/// file is refused with a clear message instead of being handed to the parser.
std::optional<unsigned> riskyNonAscii(llvm::StringRef Text) {
  enum { Out, Comment, Basic, Literal, MultiBasic, MultiLiteral } State = Out;
  bool AfterContinuation = false; // in MultiBasic, after `\` + newline: whitespace is skipped
  unsigned Line = 1;
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (C == '\n')
      ++Line;
    bool NonAscii = static_cast<unsigned char>(C) >= 0x80;
    switch (State) {
    case Out:
      if (NonAscii)
        return Line;
      if (C == '#')
        State = Comment;
      else if (Text.substr(I).starts_with("\"\"\"")) {
        State = MultiBasic;
        I += 2;
      } else if (Text.substr(I).starts_with("'''")) {
        State = MultiLiteral;
        I += 2;
      } else if (C == '"')
        State = Basic;
      else if (C == '\'')
        State = Literal;
      break;
    case Comment:
      if (C == '\n')
        State = Out;
      break;
    case Basic:
      if (C == '\\')
        ++I;
      else if (C == '"' || C == '\n')
        State = Out;
      break;
    case Literal:
      if (C == '\'' || C == '\n')
        State = Out;
      break;
    case MultiBasic:
      if (AfterContinuation && NonAscii)
        return Line;
      if (AfterContinuation && C != ' ' && C != '\t' && C != '\n' && C != '\r')
        AfterContinuation = false;
      if (C == '\\') {
        size_t J = I + 1;
        while (J < Text.size() && (Text[J] == ' ' || Text[J] == '\t' || Text[J] == '\r'))
          ++J;
        if (J < Text.size() && Text[J] == '\n')
          AfterContinuation = true;
        else
          ++I;
      } else if (Text.substr(I).starts_with("\"\"\"")) {
        State = Out;
        I += 2;
      }
      break;
    case MultiLiteral:
      if (Text.substr(I).starts_with("'''")) {
        State = Out;
        I += 2;
      }
      break;
    }
  }
  return std::nullopt;
}

/// Splits command-line values at commas (`--select NP1,NP3 --select NP9`), dropping blanks.
std::vector<std::string> splitValues(llvm::ArrayRef<std::string> Values) {
  std::vector<std::string> Out;
  for (llvm::StringRef V : Values) {
    llvm::SmallVector<llvm::StringRef, 4> Parts;
    V.split(Parts, ',');
    for (llvm::StringRef P : Parts)
      if (!P.trim().empty())
        Out.push_back(P.trim().str());
  }
  return Out;
}

/// The rule codes of a command-line option, each checked.
llvm::Expected<std::vector<std::string>> optionCodes(llvm::ArrayRef<std::string> Values,
                                                     llvm::StringRef Option) {
  std::vector<std::string> Out = splitValues(Values);
  for (const std::string &Code : Out)
    if (std::string Why = checkRuleCode(Code, Option); !Why.empty())
      return usageError(Why);
  return Out;
}

/// `--per-file-ignores GLOB:CODES` entries as a glob -> codes table.
llvm::Expected<std::map<std::string, std::vector<std::string>>>
perFileOption(llvm::ArrayRef<std::string> Values) {
  std::map<std::string, std::vector<std::string>> Out;
  for (llvm::StringRef V : Values) {
    auto [Glob, List] = V.rsplit(':');
    Glob = Glob.trim();
    if (Glob.empty() || Glob.size() == V.size() || List.trim().empty())
      return usageError(
          "--per-file-ignores wants GLOB:CODES, e.g. \"*/tests/*.py:NP1,NP3\" (got \"" + V + "\")");
    if (std::string Why = badGlob(Glob); !Why.empty())
      return usageError("invalid glob \"" + Glob + "\" in --per-file-ignores: " + Why);
    auto Codes = optionCodes(std::string(List), "--per-file-ignores");
    if (!Codes)
      return Codes.takeError();
    llvm::append_range(Out[Glob.str()], *Codes);
  }
  return Out;
}

/// The version of a `django` requirement's specifiers (`>=4.2,<5`, `==4.2.7`, `^4.2`):
/// the first exact pin, else the first lower bound.
std::optional<DjangoPin> versionOfSpecifiers(llvm::StringRef Spec) {
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  Spec.split(Parts, ',');
  std::optional<DjangoPin> Lower;
  for (llvm::StringRef P : Parts) {
    P = P.trim();
    if (P.empty())
      continue;
    // `==4.2.7`, or Poetry's bare `4.2.7`; `~=4.2`, `^4.2`, `~4.2`, `>=4.2` are ranges.
    bool Exact = P.consume_front("===") || P.consume_front("==") || llvm::isDigit(P.front());
    if (!Exact && !P.consume_front("~=") && !P.consume_front("^") && !P.consume_front("~") &&
        !P.consume_front(">=") && !P.consume_front(">"))
      continue; // <, <=, != bound nothing from below
    P = P.ltrim();
    P.consume_front("v");
    auto [Major, Rest] = P.split('.');
    llvm::StringRef Minor = Rest.take_while(llvm::isDigit);
    unsigned A, B;
    if (Major.getAsInteger(10, A) || Minor.empty() || Minor.getAsInteger(10, B))
      continue;
    DjangoPin Pin{std::to_string(A) + "." + std::to_string(B), Exact};
    if (Exact)
      return Pin;
    if (!Lower)
      Lower = Pin;
  }
  return Lower;
}

/// The Django requirement on one line of a requirements, setup.py, setup.cfg, pyproject or
/// Pipfile: `Django[argon2]==5.1`, `"django>=4.2,<5",`, `django = "^4.2"`,
/// `django = { version = "^4.2", extras = [...] }`.
std::optional<DjangoPin> pinOnLine(llvm::StringRef Line) {
  if (Line.ltrim().starts_with("#"))
    return std::nullopt;
  std::string Lower = Line.lower();
  llvm::StringRef L(Lower);
  for (size_t At = L.find("django"); At != llvm::StringRef::npos; At = L.find("django", At + 1)) {
    // A name of its own: not pytest-django, django-filter, mydjango or DJANGO_SETTINGS.
    if (At && (llvm::isAlnum(L[At - 1]) || llvm::StringRef("_-.").contains(L[At - 1])))
      continue;
    llvm::StringRef Rest = L.substr(At + 6);
    Rest = Rest.ltrim();
    if (Rest.consume_front("\"") || Rest.consume_front("'"))
      Rest = Rest.ltrim();
    if (Rest.starts_with("[")) {
      size_t Close = Rest.find(']');
      if (Close == llvm::StringRef::npos)
        continue;
      Rest = Rest.drop_front(Close + 1).ltrim();
    }
    // TOML tables (Poetry, Pipfile): `django = "..."` or `django = { version = "..." }`.
    if (Rest.starts_with("=") && !Rest.starts_with("==")) {
      Rest = Rest.drop_front().ltrim();
      if (Rest.consume_front("{")) {
        size_t V = Rest.find("version");
        if (V == llvm::StringRef::npos)
          continue;
        Rest = Rest.drop_front(V + 7).ltrim();
        if (!Rest.consume_front("="))
          continue;
        Rest = Rest.ltrim();
      }
      if (!Rest.consume_front("\"") && !Rest.consume_front("'"))
        continue;
    } else if (Rest.empty() || !llvm::StringRef("=~><!^").contains(Rest.front())) {
      continue;
    }
    llvm::StringRef Spec = Rest.take_until([](char C) {
      return C == '"' || C == '\'' || C == ';' || C == '#' || C == ']' || C == ')';
    });
    if (std::optional<DjangoPin> Pin = versionOfSpecifiers(Spec))
      return Pin;
  }
  return std::nullopt;
}

} // namespace

std::string checkRuleCode(llvm::StringRef Code, llvm::StringRef Where) {
  auto Known = [](llvm::StringRef C) {
    return C.starts_with("NP") && llvm::all_of(C.drop_front(2), llvm::isDigit) &&
           llvm::any_of(rules::allRules(), [&](const rules::Rule *R) {
             return llvm::StringRef(R->info().Code).starts_with(C);
           });
  };
  if (Known(Code))
    return "";
  std::string Why = "unknown rule code \"" + Code.str() + "\" in " + Where.str();
  if (std::string Upper = Code.trim().upper(); Upper != Code && Known(Upper))
    return Why + " (did you mean \"" + Upper + "\"? codes are upper-case)";
  if (Code.starts_with("NP") && llvm::all_of(Code.drop_front(2), llvm::isDigit))
    return Why + " (no rule has this code or prefix; `nplus1 rule --all` lists them)";
  return Why + " (codes are NP followed by digits, e.g. \"NP101\" or the prefix \"NP1\")";
}

llvm::Expected<bool> readConfigText(llvm::StringRef Text, llvm::StringRef File, bool Pyproject,
                                    Config &C) {
  if (std::optional<unsigned> Line = riskyNonAscii(Text))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s:%u: a non-ASCII character where TOML expects whitespace (outside strings and "
        "comments, or after a line-ending backslash); please remove it",
        File.str().c_str(), *Line);
  toml::table Doc;
  try {
    Doc = toml::parse(std::string_view(Text.data(), Text.size()), std::string_view(File));
  } catch (const toml::parse_error &E) {
    return configError(File, E.source(), std::string(E.description()));
  }
  const toml::table *T = &Doc;
  if (Pyproject) {
    toml::node_view<toml::node> Section = Doc["tool"]["nplus1"];
    if (!Section)
      return false; // a pyproject.toml without our section
    T = Section.as_table();
    if (!T)
      return configError(File, Section.node()->source(), "'tool.nplus1' must be a table");
  }
  C.Source = File.str();
  C.BaseDir = llvm::sys::path::parent_path(File).str();
  if (llvm::Error E = readTable(File, *T, C))
    return E;
  return true;
}

llvm::Error applyCommandLine(const CommandLine &CL, Config &C) {
  std::vector<std::string> *Lists[] = {&C.Select, &C.ExtendSelect, &C.Ignore, &C.ExtendIgnore};
  const std::vector<std::string> *Given[] = {nullptr, &CL.ExtendSelect, &CL.Ignore,
                                             &CL.ExtendIgnore};
  const char *Keys[] = {"select", "extend-select", "ignore", "extend-ignore"};
  std::vector<std::string> Codes[4];
  if (CL.Select)
    Given[0] = &*CL.Select;
  for (size_t I = 0; I < 4; ++I) {
    if (!Given[I])
      continue;
    auto V = optionCodes(*Given[I], "--" + std::string(Keys[I]));
    if (!V)
      return V.takeError();
    Codes[I] = std::move(*V);
  }
  if (CL.Select) {
    // A selection of its own, as ruff's --select: nothing of the file's counts.
    for (size_t I = 0; I < 4; ++I) {
      *Lists[I] = Codes[I];
      C.Origin.erase(Keys[I]);
      if (I == 0 || !Codes[I].empty())
        C.Origin[Keys[I]] = {"--" + std::string(Keys[I])};
    }
  } else {
    llvm::append_range(C.LaterSelect, Codes[1]);
    llvm::append_range(C.LaterIgnore, Codes[2]);
    llvm::append_range(C.LaterIgnore, Codes[3]);
  }
  if (CL.PerFileIgnores) {
    auto Table = perFileOption(*CL.PerFileIgnores);
    if (!Table)
      return Table.takeError();
    C.PerFileIgnores = std::move(*Table);
    C.Origin["per-file-ignores"] = {"--per-file-ignores"};
  }
  if (CL.UnsafeFixes) {
    C.UnsafeFixes = CL.UnsafeFixes;
    C.Origin["unsafe-fixes"] = {"--unsafe-fixes"};
  }
  if (CL.IncludeTests) {
    C.IncludeTests = CL.IncludeTests;
    C.Origin["include-tests"] = {"--include-tests"};
  }
  if (CL.IncludeCommands) {
    C.IncludeCommands = CL.IncludeCommands;
    C.Origin["include-commands"] = {"--include-commands"};
  }
  return llvm::Error::success();
}

bool Config::enabled(llvm::StringRef Code) const {
  // The length of the longest prefix of Code in the lists, or -1.
  auto Best = [&](std::initializer_list<const std::vector<std::string> *> Lists) {
    int Len = -1;
    for (const std::vector<std::string> *L : Lists)
      for (const std::string &P : *L)
        if (Code.starts_with(P))
          Len = std::max(Len, int(P.size()));
    return Len;
  };
  int Selected = Best({&Select, &ExtendSelect});
  bool On = Selected >= 0 && Selected > Best({&Ignore, &ExtendIgnore});
  int LaterOn = Best({&LaterSelect}), LaterOff = Best({&LaterIgnore});
  if (LaterOn >= 0 || LaterOff >= 0)
    On = LaterOn > LaterOff;
  // An opt-in rule needs a selection that names it: the default `select = ["NP"]` does not.
  const rules::Rule *R = rules::findRule(Code);
  if (On && R && R->info().OptIn) {
    static const std::vector<std::string> None;
    bool Chosen = Origin.count("select") != 0;
    return Best({Chosen ? &Select : &None, &ExtendSelect, &LaterSelect}) >= 0;
  }
  return On;
}

bool Config::ignoredIn(llvm::StringRef RelPath, llvm::StringRef Code) const {
  for (const auto &[Glob, Codes] : PerFileIgnores) {
    auto G = llvm::GlobPattern::create(Glob);
    if (!G) { // checked when read: cannot happen
      llvm::consumeError(G.takeError());
      continue;
    }
    if (!G->match(RelPath) && !G->match(llvm::sys::path::filename(RelPath)))
      continue;
    for (const std::string &C : Codes)
      if (Code.starts_with(C))
        return true;
  }
  return false;
}

bool Config::isTestPath(llvm::StringRef RelPath) {
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  RelPath.split(Parts, '/', -1, /*KeepEmpty=*/false);
  if (Parts.empty())
    return false;
  // Test packages as projects name them: tests/, test/, testing/ (test support), and
  // <project>_tests/ beside the project (shuup_tests/).
  for (size_t I = 0; I + 1 < Parts.size(); ++I)
    if (Parts[I] == "tests" || Parts[I] == "test" || Parts[I] == "testing" ||
        Parts[I].ends_with("_tests"))
      return true;
  llvm::StringRef Name = Parts.back();
  return Name == "tests.py" || Name == "conftest.py" ||
         (Name.starts_with("test_") && Name.ends_with(".py")) || Name.ends_with("_tests.py");
}

bool Config::isCommandPath(llvm::StringRef RelPath) {
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  RelPath.split(Parts, '/', -1, /*KeepEmpty=*/false);
  for (size_t I = 0; I + 2 < Parts.size(); ++I)
    if (Parts[I] == "management" && Parts[I + 1] == "commands")
      return true;
  return false;
}

unsigned Config::djangoVersion() const {
  llvm::StringRef Major, Minor;
  std::tie(Major, Minor) = llvm::StringRef(DjangoVersion).split('.');
  unsigned A = 0, B = 0;
  Major.getAsInteger(10, A);
  Minor.split('.').first.getAsInteger(10, B);
  return A * 100 + B;
}

void Config::print(llvm::raw_ostream &OS) const {
  auto List = [&](const std::vector<std::string> &V) {
    std::string S = "[";
    for (size_t I = 0; I < V.size(); ++I)
      S += (I ? ", \"" : "\"") + V[I] + "\"";
    return S + "]";
  };
  auto From = [&](llvm::StringRef Key) {
    auto It = Origin.find(Key.str());
    return "  # " + (It == Origin.end() ? std::string("default") : llvm::join(It->second, ", "));
  };
  auto Bool = [](const std::optional<bool> &B) { return B.value_or(false) ? "true" : "false"; };
  auto OptInOff = [&] {
    std::vector<std::string> Off;
    for (const rules::Rule *R : rules::allRules())
      if (R->info().OptIn && !enabled(R->info().Code))
        Off.push_back(R->info().Code);
    return Off.empty() ? std::string()
                       : "\n# off until selected by name: " + llvm::join(Off, ", ") +
                             " (extend-select turns them on)";
  };
  OS << "# settings from: "
     << (Isolated         ? "defaults (--isolated: configuration files ignored)"
         : Source.empty() ? "defaults (no configuration file)"
                          : Source)
     << "\nselect = " << List(Select) << From("select") << OptInOff()
     << "\nextend-select = " << List(ExtendSelect) << From("extend-select")
     << "\nignore = " << List(Ignore) << From("ignore")
     << "\nextend-ignore = " << List(ExtendIgnore) << From("extend-ignore")
     << "\nexclude = " << List(Exclude) << From("exclude")
     << "\nextend-exclude = " << List(ExtendExclude) << From("extend-exclude")
     << "\ntemplate-dirs = " << List(TemplateDirs) << From("template-dirs")
     << "\nunsafe-fixes = " << Bool(UnsafeFixes) << From("unsafe-fixes")
     << "\ninclude-tests = " << Bool(IncludeTests) << From("include-tests")
     << "\ninclude-commands = " << Bool(IncludeCommands) << From("include-commands")
     << "; reported from tests/, test/, testing/, *_tests/, test_*.py, *_tests.py, tests.py, "
        "conftest.py"
     << "\ndjango-version = \"" << DjangoVersion << "\"  # " << DjangoVersionWhy << "\n";
  if (!LaterSelect.empty() || !LaterIgnore.empty())
    OS << "# then the command line, which wins over the lines above:"
       << (LaterSelect.empty() ? "" : " --extend-select " + llvm::join(LaterSelect, ","))
       << (LaterIgnore.empty() ? "" : " --ignore " + llvm::join(LaterIgnore, ",")) << "\n";
  for (const auto &[Glob, Codes] : PerFileIgnores)
    OS << "per-file-ignores.\"" << Glob << "\" = " << List(Codes) << From("per-file-ignores")
       << "\n";
  std::vector<std::string> On;
  for (const rules::Rule *R : rules::allRules())
    if (enabled(R->info().Code))
      On.push_back(R->info().Code);
  OS << "# rules reported: " << (On.empty() ? "none" : llvm::join(On, ", ")) << "\n";
}

namespace {

/// The Django version the project pins, from its lock files or requirements: the first
/// pin found in the usual places (lock files first).
void detectDjangoVersion(llvm::StringRef Root, Config &C) {
  std::vector<std::string> Files = {"poetry.lock",
                                    "uv.lock",
                                    "Pipfile.lock",
                                    "Pipfile",
                                    "requirements.txt",
                                    "requirements.in",
                                    "requirements/base.txt",
                                    "requirements/prod.txt",
                                    "requirements/production.txt"};
  // Then every other requirements*.txt at the root and requirements/*.txt, in name order.
  for (llvm::StringRef Dir : {"", "requirements"}) {
    llvm::SmallString<256> Path(Root);
    llvm::sys::path::append(Path, Dir);
    std::vector<std::string> More;
    std::error_code EC;
    for (llvm::sys::fs::directory_iterator It(Path, EC), End; !EC && It != End; It.increment(EC)) {
      llvm::StringRef Name = llvm::sys::path::filename(It->path());
      if (Name.ends_with(".txt") && (!Dir.empty() || Name.starts_with("requirements")))
        More.push_back(Dir.empty() ? Name.str() : (Dir + "/" + Name).str());
    }
    llvm::sort(More);
    for (std::string &M : More)
      if (!llvm::is_contained(Files, M))
        Files.push_back(std::move(M));
  }
  llvm::append_range(Files, std::vector<std::string>{"pyproject.toml", "setup.cfg", "setup.py"});
  for (const std::string &Name : Files) {
    llvm::SmallString<256> Path(Root);
    llvm::sys::path::append(Path, Name);
    auto Buf = llvm::MemoryBuffer::getFile(Path);
    if (!Buf)
      continue;
    std::optional<DjangoPin> Pin = djangoPin((*Buf)->getBuffer());
    if (!Pin)
      continue;
    C.DjangoVersion = Pin->Version;
    C.DjangoVersionWhy =
        (Pin->Exact ? "pinned in " : "lowest version allowed by ") + std::string(Path);
    C.DjangoVersionKnown = true;
    return;
  }
}

llvm::Expected<bool> readConfigFile(llvm::StringRef Path, bool Pyproject, Config &C) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return usageError("cannot read " + Path + ": " + Buf.getError().message());
  return readConfigText((*Buf)->getBuffer(), Path, Pyproject, C);
}

} // namespace

std::optional<DjangoPin> djangoPin(llvm::StringRef Text) {
  // Lock files: `name = "django"` followed by `version = "4.2.7"` (Poetry, uv), and
  // Pipfile.lock's `"django": {... "version": "==4.2.7"`.
  static const llvm::Regex Lock("name = \"django\"[[:space:]]+version = \"([0-9]+\\.[0-9]+)",
                                llvm::Regex::IgnoreCase);
  static const llvm::Regex PipfileLock("\"django\": \\{[^}]*\"version\": \"==([0-9]+\\.[0-9]+)",
                                       llvm::Regex::IgnoreCase);
  llvm::SmallVector<llvm::StringRef, 4> M;
  if (Lock.match(Text, &M) || PipfileLock.match(Text, &M))
    return DjangoPin{M[1].str(), true};
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  Text.split(Lines, '\n');
  for (llvm::StringRef Line : Lines)
    if (std::optional<DjangoPin> Pin = pinOnLine(Line))
      return Pin;
  return std::nullopt;
}

llvm::Expected<Config> loadConfig(llvm::StringRef Root, const ConfigRequest &Req) {
  Config C;
  detectDjangoVersion(Root, C);
  if (Req.Isolated) {
    C.Isolated = true;
    return C;
  }
  if (!Req.File.empty()) {
    llvm::SmallString<256> Path(Req.File);
    llvm::sys::fs::make_absolute(Path);
    llvm::sys::path::remove_dots(Path, true);
    if (!llvm::sys::fs::is_regular_file(Path))
      return usageError("--config " + Req.File + ": no such file");
    bool Pyproject = llvm::sys::path::filename(Path) == "pyproject.toml";
    llvm::Expected<bool> Found = readConfigFile(Path, Pyproject, C);
    if (!Found)
      return Found.takeError();
    if (!*Found)
      return usageError("--config " + Req.File + ": no [tool.nplus1] table in this pyproject.toml");
    return C;
  }
  static const char *Names[] = {"pyproject.toml", "nplus1.toml", ".nplus1.toml"};
  for (const char *Name : Names) {
    llvm::SmallString<256> Path(Root);
    llvm::sys::path::append(Path, Name);
    if (!llvm::sys::fs::exists(Path))
      continue;
    llvm::Expected<bool> Found = readConfigFile(Path, llvm::StringRef(Name) == "pyproject.toml", C);
    if (!Found)
      return Found.takeError();
    if (*Found)
      return C;
  }
  return C;
}

} // namespace nplus1::driver
