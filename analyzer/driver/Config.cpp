#include "driver/Config.h"

#include "llvm/ADT/SmallString.h"
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

llvm::Error readTable(llvm::StringRef File, const toml::table &T, Config &C) {
  for (auto &&[KeyNode, N] : T) {
    std::string Key(KeyNode.str());
    auto Assign = [&](std::vector<std::string> &Into) -> llvm::Error {
      auto V = strings(File, Key, N);
      if (!V)
        return V.takeError();
      Into = std::move(*V);
      return llvm::Error::success();
    };
    llvm::Error E = llvm::Error::success();
    if (Key == "select") {
      E = Assign(C.Select);
    } else if (Key == "extend-select") {
      std::vector<std::string> More;
      E = Assign(More);
      C.Select.insert(C.Select.end(), More.begin(), More.end());
    } else if (Key == "ignore") {
      E = Assign(C.Ignore);
    } else if (Key == "exclude") {
      E = Assign(C.Exclude);
    } else if (Key == "extend-exclude") {
      E = Assign(C.ExtendExclude);
    } else if (Key == "template-dirs") {
      E = Assign(C.TemplateDirs);
    } else if (Key == "unsafe-fixes") {
      auto B = N.value<bool>();
      if (!B)
        return configError(File, N.source(), "'unsafe-fixes' must be true or false");
      C.UnsafeFixes = *B;
    } else if (Key == "include-tests") {
      auto B = N.value<bool>();
      if (!B)
        return configError(File, N.source(), "'include-tests' must be true or false");
      C.IncludeTests = *B;
    } else if (Key == "django-version") {
      auto S = N.value<std::string>();
      static const llvm::Regex Version("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$");
      if (!S || !Version.match(*S))
        return configError(File, N.source(), "'django-version' must be a string such as \"4.2\"");
      C.DjangoVersion = *S;
      C.DjangoVersionWhy = "django-version in " + File.str();
      C.DjangoVersionKnown = true;
    } else if (Key == "per-file-ignores") {
      const toml::table *PT = N.as_table();
      if (!PT)
        return configError(File, N.source(),
                           "'per-file-ignores' must be a table of glob = [codes]");
      for (auto &&[Glob, Codes] : *PT) {
        auto V = strings(File, "per-file-ignores", Codes);
        if (!V)
          return V.takeError();
        C.PerFileIgnores[std::string(Glob.str())] = std::move(*V);
      }
    } else {
      return configError(File, N.source(),
                         "unknown key '" + Key +
                             "' in nplus1 settings (known: select, extend-select, ignore, "
                             "exclude, extend-exclude, per-file-ignores, template-dirs, "
                             "django-version, unsafe-fixes, include-tests)");
    }
    if (E)
      return E;
  }
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

} // namespace

bool Config::enabled(llvm::StringRef Code) const {
  auto Matches = [&](const std::string &P) { return Code.starts_with(P); };
  return llvm::any_of(Select, Matches) && !llvm::any_of(Ignore, Matches);
}

bool Config::ignoredIn(llvm::StringRef RelPath, llvm::StringRef Code) const {
  for (const auto &[Glob, Codes] : PerFileIgnores) {
    auto G = llvm::GlobPattern::create(Glob);
    if (!G) {
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
  OS << "# settings from: " << (Source.empty() ? "defaults (no configuration file)" : Source)
     << "\nselect = " << List(Select) << "\nignore = " << List(Ignore)
     << "\nexclude = " << List(Exclude) << "\nextend-exclude = " << List(ExtendExclude)
     << "\ntemplate-dirs = " << List(TemplateDirs)
     << "\nunsafe-fixes = " << (UnsafeFixes.value_or(false) ? "true" : "false")
     << "\ninclude-tests = " << (IncludeTests.value_or(false) ? "true" : "false")
     << "  # findings in tests/, test/, testing/, *_tests/, test_*.py, *_tests.py, tests.py, conftest.py"
     << "\ndjango-version = \"" << DjangoVersion << "\"  # " << DjangoVersionWhy << "\n";
  for (const auto &[Glob, Codes] : PerFileIgnores)
    OS << "per-file-ignores.\"" << Glob << "\" = " << List(Codes) << "\n";
}

/// The Django version a project pins, from its lock files or requirements: the first exact
/// pin (`==`, `~=`, a lock file's version) found in the usual places.
void detectDjangoVersion(llvm::StringRef Root, Config &C) {
  static const char *Files[] = {"poetry.lock",      "uv.lock",          "Pipfile.lock",
                                "requirements.txt", "requirements.in",  "requirements/base.txt",
                                "requirements/prod.txt", "requirements/production.txt",
                                "pyproject.toml",   "setup.cfg",        "setup.py"};
  // `django==4.2.7`, `Django~=4.2`, `"django": {"version": "==4.2.7"`, and lock files'
  // `name = "django"` followed by `version = "4.2.7"`.
  static const llvm::Regex Pin("[Dd]jango[\"']?[[:space:]]*(\\[[a-z,]*\\])?[[:space:]]*"
                               "(==|~=|===)[[:space:]]*([0-9]+\\.[0-9]+)");
  static const llvm::Regex PipfileLock("\"django\": \\{[^}]*\"version\": \"==([0-9]+\\.[0-9]+)");
  static const llvm::Regex Lock("name = \"[Dd]jango\"[[:space:]]+version = \"([0-9]+\\.[0-9]+)");
  for (const char *Name : Files) {
    llvm::SmallString<256> Path(Root);
    llvm::sys::path::append(Path, Name);
    auto Buf = llvm::MemoryBuffer::getFile(Path);
    if (!Buf)
      continue;
    llvm::StringRef Text = (*Buf)->getBuffer();
    llvm::SmallVector<llvm::StringRef, 4> M;
    std::string Version;
    if (Lock.match(Text, &M))
      Version = M[1].str();
    else if (PipfileLock.match(Text, &M))
      Version = M[1].str();
    else if (Pin.match(Text, &M))
      Version = M[3].str();
    if (Version.empty())
      continue;
    C.DjangoVersion = Version;
    C.DjangoVersionWhy = "pinned in " + std::string(Path);
    C.DjangoVersionKnown = true;
    return;
  }
}

llvm::Expected<Config> loadConfig(llvm::StringRef Root) {
  Config C;
  detectDjangoVersion(Root, C);
  static const char *Names[] = {"pyproject.toml", "nplus1.toml", ".nplus1.toml"};
  for (const char *Name : Names) {
    llvm::SmallString<256> Path(Root);
    llvm::sys::path::append(Path, Name);
    if (!llvm::sys::fs::exists(Path))
      continue;
    toml::table Doc;
    if (auto Buf = llvm::MemoryBuffer::getFile(Path))
      if (std::optional<unsigned> Line = riskyNonAscii((*Buf)->getBuffer()))
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "%s:%u: a non-ASCII character where TOML expects whitespace (outside strings and "
            "comments, or after a line-ending backslash); please remove it",
            std::string(Path).c_str(), *Line);
    try {
      Doc = toml::parse_file(std::string(Path));
    } catch (const toml::parse_error &E) {
      return configError(Path, E.source(), std::string(E.description()));
    }
    const toml::table *T = &Doc;
    if (llvm::StringRef(Name) == "pyproject.toml") {
      T = Doc["tool"]["nplus1"].as_table();
      if (!T)
        continue; // a pyproject.toml without our section
    }
    C.Source = std::string(Path);
    if (llvm::Error E = readTable(Path, *T, C))
      return E;
    return C;
  }
  return C;
}

} // namespace nplus1::driver
