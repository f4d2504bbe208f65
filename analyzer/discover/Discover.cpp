#include "discover/Discover.h"

#include "AnalysisLimits.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/Path.h"

#include <algorithm>

namespace nplus1::discover {
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

llvm::ArrayRef<const char *> defaultExcludes() {
  static const char *Names[] = {
      "migrations",    ".git",  ".hg",  ".svn",  "node_modules", "__pycache__", "site-packages",
      "dist-packages", ".venv", "venv", ".tox",  ".nox",         ".mypy_cache", ".pytest_cache",
      ".ruff_cache",   "build", "dist", ".eggs", "*.egg-info",   "htmlcov",
  };
  return Names;
}

namespace {

std::string absolute(llvm::StringRef P) {
  llvm::SmallString<256> S(P);
  fs::make_absolute(S);
  path::remove_dots(S, /*remove_dot_dot=*/true);
  return std::string(S);
}

std::string displayPath(llvm::StringRef Abs) {
  llvm::SmallString<256> Cwd;
  if (!fs::current_path(Cwd)) {
    llvm::StringRef Rel = Abs;
    if (Rel.consume_front(Cwd) && (Rel.empty() || Rel.starts_with("/")))
      return Rel.empty() ? "." : Rel.drop_front().str();
  }
  return Abs.str();
}

/// Compiled exclude patterns, matched against a path's basename and against its path
/// relative to the project root.
class Excluder {
public:
  explicit Excluder(const Options &Opts) {
    if (Opts.Exclude.empty())
      for (const char *D : defaultExcludes())
        Patterns.push_back(D);
    Patterns.insert(Patterns.end(), Opts.Exclude.begin(), Opts.Exclude.end());
    Patterns.insert(Patterns.end(), Opts.ExtendExclude.begin(), Opts.ExtendExclude.end());
    // GlobPattern keeps pointers into its pattern: the strings live as long as this object.
    for (const std::string &P : Patterns) {
      llvm::StringRef Pat = llvm::StringRef(P).rtrim('/');
      if (auto G = llvm::GlobPattern::create(Pat))
        Globs.push_back(std::move(*G));
      else
        llvm::consumeError(G.takeError());
    }
  }
  bool excluded(llvm::StringRef Rel) const {
    llvm::StringRef Base = path::filename(Rel);
    for (const llvm::GlobPattern &G : Globs)
      if (G.match(Base) || G.match(Rel))
        return true;
    return false;
  }

private:
  std::vector<std::string> Patterns;
  std::vector<llvm::GlobPattern> Globs;
};

/// The template name of a file below a configured template directory (\p TemplateDirs,
/// absolute), or else below the innermost `templates` or `jinja2` directory
/// ("customers/list.html"), or "" when the file is not a template.
std::string templateName(llvm::StringRef AbsPath, llvm::ArrayRef<std::string> TemplateDirs) {
  static const llvm::StringRef Extensions[] = {".html",  ".htm",    ".txt", ".xml",  ".djhtml",
                                               ".jinja", ".jinja2", ".j2",  ".jade", ".pug"};
  if (!llvm::is_contained(Extensions, path::extension(AbsPath)))
    return "";
  for (const std::string &Dir : TemplateDirs)
    if (AbsPath.starts_with(Dir + "/"))
      return AbsPath.substr(Dir.size() + 1).str();
  size_t At = llvm::StringRef::npos, Skip = 0;
  for (llvm::StringRef Dir : {"/templates/", "/jinja2/"})
    if (size_t D = AbsPath.rfind(Dir);
        D != llvm::StringRef::npos && (At == llvm::StringRef::npos || D > At))
      At = D, Skip = Dir.size();
  if (At == llvm::StringRef::npos)
    return "";
  return AbsPath.substr(At + Skip).str();
}

bool isVirtualenv(llvm::StringRef Dir) {
  llvm::SmallString<256> Cfg(Dir);
  path::append(Cfg, "pyvenv.cfg");
  return fs::exists(Cfg);
}

void walk(llvm::StringRef Root, llvm::StringRef Dir, const Excluder &Ex,
          llvm::ArrayRef<std::string> TemplateDirs, Result &R, llvm::StringSet<> &Seen) {
  std::error_code EC;
  std::vector<std::pair<std::string, fs::file_type>> Entries;
  for (fs::directory_iterator It(Dir, EC), End; It != End && !EC; It.increment(EC))
    Entries.emplace_back(It->path(), It->type());
  if (EC) {
    R.Problems.push_back({displayPath(Dir), "cannot read directory: " + EC.message()});
    return;
  }
  std::sort(Entries.begin(), Entries.end());
  for (auto &[P, Type] : Entries) {
    llvm::StringRef Rel = llvm::StringRef(P).drop_front(std::min(P.size(), Root.size() + 1));
    if (Ex.excluded(Rel))
      continue;
    if (Type == fs::file_type::symlink_file || Type == fs::file_type::type_unknown) {
      fs::file_status St;
      if (fs::status(P, St))
        continue;
      Type = St.type();
    }
    if (Type == fs::file_type::directory_file) {
      if (isVirtualenv(P))
        continue;
      llvm::SmallString<256> Real;
      if (fs::real_path(P, Real) || !Seen.insert(Real).second)
        continue; // a symlink loop or a directory seen through another link
      walk(Root, P, Ex, TemplateDirs, R, Seen);
      continue;
    }
    if (Type != fs::file_type::regular_file)
      continue;
    if (path::extension(P) == ".py") {
      File F;
      F.AbsPath = P;
      F.Path = displayPath(P);
      F.ModuleName = moduleNameFor(P, F.IsPackage);
      R.Files.push_back(std::move(F));
      continue;
    }
    std::string Name = templateName(P, TemplateDirs);
    if (!Name.empty()) {
      File F;
      F.AbsPath = P;
      F.Path = displayPath(P);
      F.TemplateName = std::move(Name);
      F.Kind = FileKind::Template;
      R.Files.push_back(std::move(F));
    }
  }
}

} // namespace

std::string moduleNameFor(llvm::StringRef AbsPath, bool &IsPackage) {
  llvm::StringRef Stem = path::stem(AbsPath);
  IsPackage = Stem == "__init__";
  std::vector<std::string> Parts;
  if (!IsPackage)
    Parts.push_back(Stem.str());
  llvm::SmallString<256> Dir(path::parent_path(AbsPath));
  for (unsigned Guard = 0; !Dir.empty() && Guard < limits::PackageDepth; ++Guard) {
    llvm::SmallString<256> Init(Dir);
    path::append(Init, "__init__.py");
    // A module's own folder without __init__.py inside a regular package is a namespace
    // package (PEP 420): `views/workspace/member.py` under `views/__init__.py` is
    // `views.workspace.member`, and its `from .. import X` reads `views`.
    llvm::SmallString<256> ParentInit(path::parent_path(Dir));
    path::append(ParentInit, "__init__.py");
    if (!fs::exists(Init) && !(Guard == 0 && !IsPackage && fs::exists(ParentInit)))
      break;
    Parts.push_back(path::filename(Dir).str());
    std::string Parent = path::parent_path(Dir).str();
    if (Parent == Dir)
      break;
    Dir = Parent;
  }
  std::string Name;
  for (auto It = Parts.rbegin(); It != Parts.rend(); ++It) {
    if (!Name.empty())
      Name += '.';
    Name += *It;
  }
  return Name;
}

std::string findProjectRoot(llvm::ArrayRef<std::string> AbsPaths) {
  std::string Common;
  for (const std::string &P : AbsPaths) {
    std::string Dir = fs::is_directory(P) ? P : path::parent_path(P).str();
    if (Common.empty()) {
      Common = Dir;
      continue;
    }
    while (!(llvm::StringRef(Dir).starts_with(Common) &&
             (Dir.size() == Common.size() || Dir[Common.size()] == '/')) &&
           Common != "/")
      Common = path::parent_path(Common).str();
  }
  static const char *Markers[] = {"manage.py", "pyproject.toml", "setup.cfg", "setup.py", ".git"};
  for (llvm::StringRef Dir = Common; !Dir.empty(); Dir = path::parent_path(Dir)) {
    for (const char *M : Markers) {
      llvm::SmallString<256> Candidate(Dir);
      path::append(Candidate, M);
      if (fs::exists(Candidate))
        return Dir.str();
    }
    if (Dir == "/")
      break;
  }
  return Common;
}

Result discover(const Options &Opts) {
  Result R;
  std::vector<std::string> Abs;
  for (const std::string &P : Opts.Paths.empty() ? std::vector<std::string>{"."} : Opts.Paths) {
    std::string A = absolute(P);
    if (!fs::exists(A)) {
      R.Problems.push_back({P, "no such file or directory"});
      continue;
    }
    Abs.push_back(A);
  }
  if (Abs.empty())
    return R;
  R.Root = findProjectRoot(Abs);
  std::vector<std::string> TemplateDirs;
  for (const std::string &D : Opts.TemplateDirs)
    TemplateDirs.push_back(absolute(D));
  Excluder Ex(Opts);
  llvm::StringSet<> Seen;
  walk(R.Root, R.Root, Ex, TemplateDirs, R, Seen);
  // Files named explicitly are analyzed even when an exclude pattern would skip them
  // (pre-commit passes exactly the files it wants checked).
  for (const std::string &A : Abs) {
    if (fs::is_directory(A) ||
        (path::extension(A) != ".py" && templateName(A, TemplateDirs).empty()))
      continue;
    bool Known =
        std::any_of(R.Files.begin(), R.Files.end(), [&](const File &F) { return F.AbsPath == A; });
    if (Known)
      continue;
    File F;
    F.AbsPath = A;
    F.Path = displayPath(A);
    if (path::extension(A) == ".py") {
      F.ModuleName = moduleNameFor(A, F.IsPackage);
    } else {
      F.TemplateName = templateName(A, TemplateDirs);
      F.Kind = FileKind::Template;
    }
    R.Files.push_back(std::move(F));
  }
  for (File &F : R.Files)
    for (const std::string &A : Abs)
      if (F.AbsPath == A || (llvm::StringRef(F.AbsPath).starts_with(A) &&
                             F.AbsPath.size() > A.size() && F.AbsPath[A.size()] == '/'))
        F.IsTarget = true;
  std::sort(R.Files.begin(), R.Files.end(),
            [](const File &A, const File &B) { return A.AbsPath < B.AbsPath; });
  return R;
}

} // namespace nplus1::discover
