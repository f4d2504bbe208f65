#include "index/TemplateEngines.h"

#include "AnalysisLimits.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <optional>
#include <regex>

namespace nplus1::index {
namespace {
namespace path = llvm::sys::path;
using parse::py::Expr;
using parse::py::ExprKind;
using parse::py::Stmt;
using parse::py::StmtKind;

/// A path a settings expression evaluates to: absolute, or relative (to the working
/// directory) when it is a bare relative string.
struct PathValue {
  std::string Path;
  bool Relative = false;
};

/// Evaluates the expressions settings modules write TEMPLATES with: names (followed
/// through imports among the settings modules), literals, os.path and pathlib calls.
class SettingsReader {
public:
  explicit SettingsReader(llvm::ArrayRef<SettingsSource> Modules) : Modules(Modules) {}

  /// The value of global \p Name of module \p M: its last top-level assignment, or the
  /// name it imports.
  const Expr *global(const SettingsSource &M, llvm::StringRef Name, const SettingsSource *&Where,
                     unsigned Depth) const {
    if (Depth > limits::SettingsIndirection || !M.Ast)
      return nullptr;
    const Expr *Found = nullptr;
    const SettingsSource *FoundIn = nullptr;
    scanGlobals(M, M.Ast->Body, Name, Found, FoundIn, Depth);
    Where = FoundIn;
    return Found;
  }

  /// \p E as a path, or nothing when it is not one we can evaluate.
  std::optional<PathValue> pathOf(const SettingsSource &M, const Expr *E, unsigned Depth) const {
    if (!E || Depth > limits::SettingsIndirection)
      return std::nullopt;
    switch (E->Kind) {
    case ExprKind::String:
      if (!E->Args.empty()) // an f-string with fields
        return std::nullopt;
      return PathValue{E->Id, !path::is_absolute(E->Id)};
    case ExprKind::Name: {
      if (E->Id == "__file__")
        return PathValue{M.AbsPath, false};
      const SettingsSource *In = nullptr;
      const Expr *V = global(M, E->Id, In, Depth + 1);
      return V ? pathOf(*In, V, Depth + 1) : std::nullopt;
    }
    case ExprKind::Attribute:
      if (E->Id == "parent")
        return parentOf(pathOf(M, E->Object, Depth + 1));
      return std::nullopt;
    case ExprKind::Subscript:
      return parentsIndex(M, E, Depth);
    case ExprKind::Call:
      return callPath(M, E, Depth);
    case ExprKind::Other:
      return divided(M, E, Depth);
    default:
      return std::nullopt;
    }
  }

  /// The settings module a `from X import ...` names, relative imports resolved.
  const SettingsSource *imported(const SettingsSource &M, llvm::StringRef From) const {
    std::string Target;
    if (From.starts_with(".")) {
      size_t Dots = From.find_first_not_of('.');
      llvm::StringRef Rest = Dots == llvm::StringRef::npos ? "" : From.substr(Dots);
      size_t Up = (Dots == llvm::StringRef::npos ? From.size() : Dots) - (M.IsPackage ? 1 : 0);
      llvm::StringRef Base = M.ModuleName;
      for (size_t I = 0; I < Up; ++I)
        Base = Base.rsplit('.').first == Base ? "" : Base.rsplit('.').first;
      Target = Base.str();
      if (!Rest.empty())
        Target = Target.empty() ? Rest.str() : Target + "." + Rest.str();
    } else {
      Target = From.str();
    }
    for (const SettingsSource &S : Modules)
      if (S.ModuleName == Target)
        return &S;
    return nullptr;
  }

private:
  llvm::ArrayRef<SettingsSource> Modules;

  void scanGlobals(const SettingsSource &M, llvm::ArrayRef<Stmt *> Body, llvm::StringRef Name,
                   const Expr *&Found, const SettingsSource *&FoundIn, unsigned Depth) const {
    for (const Stmt *S : Body) {
      if (S->Kind == StmtKind::Assign && S->Value)
        for (const Expr *T : S->Targets)
          if (T->isName(Name)) {
            Found = S->Value;
            FoundIn = &M;
          }
      if (S->Kind == StmtKind::ImportFrom)
        for (const auto &I : S->Imports) {
          bool Star = I.Name == "*";
          bool Named = (I.AsName.empty() ? I.Name : I.AsName) == Name;
          if (!Star && !Named)
            continue;
          const SettingsSource *From = imported(M, S->Module);
          if (!From || From == &M)
            continue;
          const SettingsSource *In = nullptr;
          if (const Expr *V = global(*From, Star ? Name : llvm::StringRef(I.Name), In, Depth + 1)) {
            Found = V;
            FoundIn = In;
          }
        }
      if (S->Kind == StmtKind::If || S->Kind == StmtKind::Try) {
        scanGlobals(M, S->Body, Name, Found, FoundIn, Depth);
        scanGlobals(M, S->OrElse, Name, Found, FoundIn, Depth);
        for (const auto &H : S->Handlers)
          scanGlobals(M, H, Name, Found, FoundIn, Depth);
      }
    }
  }

  static std::optional<PathValue> parentOf(std::optional<PathValue> P) {
    if (!P || P->Relative)
      return std::nullopt;
    P->Path = path::parent_path(P->Path).str();
    return P;
  }

  /// `BASE_DIR.parents[1]`.
  std::optional<PathValue> parentsIndex(const SettingsSource &M, const Expr *E,
                                        unsigned Depth) const {
    const Expr *Obj = E->Object;
    unsigned N = 0;
    if (!Obj || Obj->Kind != ExprKind::Attribute || Obj->Id != "parents" || !E->Index ||
        E->Index->Kind != ExprKind::Number)
      return std::nullopt;
    if (llvm::StringRef(E->Index->Id).getAsInteger(10, N) || N > limits::PathParentsIndex)
      return std::nullopt;
    std::optional<PathValue> P = pathOf(M, Obj->Object, Depth + 1);
    for (unsigned I = 0; P && I <= N; ++I)
      P = parentOf(P);
    return P;
  }

  /// `a / b` on pathlib paths.
  std::optional<PathValue> divided(const SettingsSource &M, const Expr *E, unsigned Depth) const {
    if (E->Args.size() != 2 || E->Op != "/")
      return std::nullopt;
    return joined(M, E->Args, Depth);
  }

  std::optional<PathValue> joined(const SettingsSource &M, llvm::ArrayRef<Expr *> Parts,
                                  unsigned Depth) const {
    if (Parts.empty())
      return std::nullopt;
    std::optional<PathValue> P = pathOf(M, Parts[0], Depth + 1);
    for (const Expr *Part : Parts.drop_front()) {
      std::optional<PathValue> Q = pathOf(M, Part, Depth + 1);
      if (!P || !Q)
        return std::nullopt;
      if (!Q->Relative) { // os.path.join drops what comes before an absolute part
        P = Q;
        continue;
      }
      llvm::SmallString<256> S(P->Path);
      path::append(S, Q->Path);
      P->Path = std::string(S);
    }
    return P;
  }

  std::optional<PathValue> callPath(const SettingsSource &M, const Expr *E, unsigned Depth) const {
    const Expr *Callee = E->Object;
    if (!Callee)
      return std::nullopt;
    llvm::StringRef Fn = Callee->Kind == ExprKind::Name        ? llvm::StringRef(Callee->Id)
                         : Callee->Kind == ExprKind::Attribute ? llvm::StringRef(Callee->Id)
                                                               : "";
    bool Method = Callee->Kind == ExprKind::Attribute;
    // pathlib methods on a path: p.resolve(), p.absolute(), p.joinpath("x").
    if (Method && (Fn == "resolve" || Fn == "absolute" || Fn == "expanduser") && E->Args.empty()) {
      if (std::optional<PathValue> P = pathOf(M, Callee->Object, Depth + 1))
        return P;
    }
    if (Method && Fn == "joinpath") {
      std::vector<Expr *> Parts{Callee->Object};
      Parts.insert(Parts.end(), E->Args.begin(), E->Args.end());
      return joined(M, Parts, Depth);
    }
    if (Fn == "join" || Fn == "Path" || Fn == "PurePath" || Fn == "PosixPath")
      return joined(M, E->Args, Depth);
    if (E->Args.size() != 1)
      return std::nullopt;
    if (Fn == "dirname")
      return parentOf(pathOf(M, E->Args[0], Depth + 1));
    if (Fn == "abspath" || Fn == "realpath" || Fn == "normpath" || Fn == "str" || Fn == "fspath" ||
        Fn == "expanduser") {
      std::optional<PathValue> P = pathOf(M, E->Args[0], Depth + 1);
      if (P && !P->Relative) {
        llvm::SmallString<256> S(P->Path);
        path::remove_dots(S, /*remove_dot_dot=*/true);
        P->Path = std::string(S);
      }
      return P;
    }
    return std::nullopt;
  }
};

/// Reads one TEMPLATES list into \p Out.
class TemplatesReader {
public:
  TemplatesReader(const SettingsReader &R, llvm::ArrayRef<std::string> WorkingDirs,
                  TemplateSettings &Out)
      : R(R), WorkingDirs(WorkingDirs), Out(Out) {}

  void readList(const SettingsSource &M, const Expr *E, unsigned Depth) {
    E = follow(M, E, Depth);
    if (!E || (E->Kind != ExprKind::List && E->Kind != ExprKind::Tuple)) {
      Out.Complete = false;
      return;
    }
    for (const Expr *Entry : E->Args)
      readBackend(*Current, Entry, Depth + 1);
  }

private:
  const SettingsReader &R;
  llvm::ArrayRef<std::string> WorkingDirs;
  TemplateSettings &Out;
  const SettingsSource *Current = nullptr; ///< the module the last followed value lives in

  /// \p E, or the value of the name it is, in the module it is bound in (Current).
  const Expr *follow(const SettingsSource &M, const Expr *E, unsigned Depth) {
    Current = &M;
    for (; E && E->Kind == ExprKind::Name && Depth < limits::SettingsIndirection; ++Depth) {
      const SettingsSource *In = nullptr;
      E = R.global(*Current, E->Id, In, Depth);
      if (In)
        Current = In;
    }
    return E;
  }

  /// The (key, value) pairs of a dict literal or a `dict(k=v)` call.
  static std::vector<std::pair<std::string, const Expr *>> items(const Expr *E) {
    std::vector<std::pair<std::string, const Expr *>> Out;
    if (E->Kind == ExprKind::Dict) {
      for (size_t I = 0; I < E->Args.size() && I < E->Values.size(); ++I)
        if (E->Args[I] && E->Args[I]->Kind == ExprKind::String)
          Out.emplace_back(E->Args[I]->Id, E->Values[I]);
    } else if (E->Kind == ExprKind::Call && E->Object && E->Object->isName("dict")) {
      for (const auto &K : E->Keywords)
        if (!K.Name.empty())
          Out.emplace_back(K.Name, K.Value);
    }
    return Out;
  }

  static bool isDictLike(const Expr *E) {
    return E && (E->Kind == ExprKind::Dict ||
                 (E->Kind == ExprKind::Call && E->Object && E->Object->isName("dict")));
  }

  void readBackend(const SettingsSource &M, const Expr *E, unsigned Depth) {
    E = follow(M, E, Depth);
    const SettingsSource &In = *Current;
    if (!isDictLike(E)) {
      Out.Complete = false;
      return;
    }
    TemplateBackend B;
    bool BackendKnown = false;
    for (const auto &[Key, Value] : items(E)) {
      if (Key == "BACKEND" && Value && Value->Kind == ExprKind::String) {
        llvm::StringRef Name = Value->Id;
        BackendKnown = true;
        B.Jinja2 = Name.contains_insensitive("jinja");
        B.DjangoJinja = Name.starts_with("django_jinja.");
        // Django's own Jinja2 backend looks in each app's jinja2/; django-jinja in
        // templates/ unless OPTIONS says otherwise.
        B.AppDirname = B.Jinja2 && !B.DjangoJinja ? "jinja2" : "templates";
        if (B.DjangoJinja)
          B.MatchExtensions = {".jinja"};
      } else if (Key == "APP_DIRS") {
        B.AppDirs = Value && Value->Kind == ExprKind::Constant && Value->Id == "True";
      } else if (Key == "DIRS") {
        readDirs(In, Value, B, Depth + 1);
      }
    }
    if (!BackendKnown) {
      Out.Complete = false;
      return;
    }
    for (const auto &[Key, Value] : items(E))
      if (Key == "OPTIONS")
        readOptions(In, Value, B, Depth + 1);
    Out.Backends.push_back(std::move(B));
  }

  void readDirs(const SettingsSource &M, const Expr *E, TemplateBackend &B, unsigned Depth) {
    E = follow(M, E, Depth);
    const SettingsSource &In = *Current;
    if (!E || (E->Kind != ExprKind::List && E->Kind != ExprKind::Tuple)) {
      Out.Complete = false;
      return;
    }
    for (const Expr *D : E->Args) {
      std::optional<PathValue> P = R.pathOf(In, D, Depth + 1);
      if (!P) {
        Out.Complete = false;
        continue;
      }
      std::vector<std::string> Candidates;
      if (!P->Relative) {
        Candidates.push_back(normalized(P->Path));
      } else {
        for (const std::string &W : WorkingDirs) {
          llvm::SmallString<256> S(W);
          path::append(S, P->Path);
          Candidates.push_back(normalized(S));
        }
      }
      B.Dirs.push_back(std::move(Candidates));
    }
  }

  void readOptions(const SettingsSource &M, const Expr *E, TemplateBackend &B, unsigned Depth) {
    E = follow(M, E, Depth);
    if (!isDictLike(E))
      return;
    for (const auto &[Key, Value] : items(E)) {
      if (Key == "loaders") {
        // Loaders other than Django's own may load templates from anywhere.
        std::vector<std::string> Names;
        strings(Value, Names);
        if (Value && (Value->Kind != ExprKind::List && Value->Kind != ExprKind::Tuple))
          Out.Complete = false;
        for (const std::string &N : Names)
          if (!llvm::StringRef(N).starts_with("django.template.loaders."))
            Out.Complete = false;
      }
      if (!B.DjangoJinja || !Value)
        continue;
      if (Key == "app_dirname" && Value->Kind == ExprKind::String) {
        B.AppDirname = Value->Id;
      } else if (Key == "match_extension") {
        B.MatchExtensions.clear();
        strings(Value, B.MatchExtensions);
        llvm::erase_if(B.MatchExtensions, [](const std::string &S) { return S.empty(); });
      } else if (Key == "match_regex") {
        B.HasMatchRegex = Value->Kind == ExprKind::String;
        B.MatchRegex = B.HasMatchRegex ? Value->Id : "";
        if (!B.HasMatchRegex && Value->Kind != ExprKind::Constant)
          Out.Complete = false;
      }
    }
  }

  static void strings(const Expr *E, std::vector<std::string> &Out) {
    if (!E)
      return;
    if (E->Kind == ExprKind::String) {
      Out.push_back(E->Id);
      return;
    }
    if (E->Kind == ExprKind::List || E->Kind == ExprKind::Tuple)
      for (const Expr *A : E->Args)
        strings(A, Out);
  }

  static std::string normalized(llvm::StringRef P) {
    llvm::SmallString<256> S(P);
    path::remove_dots(S, /*remove_dot_dot=*/true);
    return std::string(llvm::StringRef(S).rtrim('/'));
  }
};

/// The name of \p File relative to directory \p Dir, or nothing when it is not under it.
std::optional<std::string> nameUnder(llvm::StringRef File, llvm::StringRef Dir) {
  if (Dir.empty() || !File.starts_with(Dir) || File.size() <= Dir.size() + 1 ||
      File[Dir.size()] != '/')
    return std::nullopt;
  return File.substr(Dir.size() + 1).str();
}

/// Whether a path component looks like a template itself (`{{cookiecutter.name}}/`).
bool inTemplatedPath(llvm::StringRef P) { return P.contains("{{") || P.contains("{%"); }

bool jinjaByName(const TemplatePlace &P) {
  llvm::StringRef Ext = path::extension(P.AbsPath);
  return Ext == ".jinja" || Ext == ".jinja2" || Ext == ".j2" || path::filename(P.Root) == "jinja2";
}

/// Whether \p E is TEMPLATES or a part of it (`TEMPLATES[0]["DIRS"]`); \p Keys gets the
/// string subscripts on the way.
bool isTemplatesPart(const Expr *E, std::vector<std::string> &Keys) {
  for (unsigned Depth = 0; E && Depth < limits::TemplatesSubscripts; ++Depth) {
    if (E->isName("TEMPLATES"))
      return true;
    if (E->Kind == ExprKind::Subscript && E->Index && E->Index->Kind == ExprKind::String)
      Keys.push_back(E->Index->Id);
    if (E->Kind != ExprKind::Subscript && E->Kind != ExprKind::Attribute)
      return false;
    E = E->Object;
  }
  return false;
}

/// Whether statement \p S changes what TEMPLATES says about directories, engines or
/// loaders after its assignment: `TEMPLATES[0]["DIRS"] += [...]`,
/// `TEMPLATES[0]["OPTIONS"]["loaders"] = ...`, `TEMPLATES.append(...)`. Other changes
/// (`TEMPLATES[0]["OPTIONS"]["debug"] = True`) do not matter here.
bool changesTemplates(const Stmt *S) {
  static const llvm::StringRef Relevant[] = {"BACKEND",         "DIRS",        "APP_DIRS",
                                             "loaders",         "app_dirname", "match_regex",
                                             "match_extension", "OPTIONS"};
  // The last key decides: TEMPLATES[0]["OPTIONS"]["debug"] changes only "debug"; with no
  // string key, a whole backend changes (TEMPLATES[0] = {...}, TEMPLATES += [...]).
  auto Matters = [&](const Expr *Target) {
    std::vector<std::string> Keys;
    if (!isTemplatesPart(Target, Keys))
      return false;
    return Keys.empty() || llvm::is_contained(Relevant, llvm::StringRef(Keys.front()));
  };
  if (S->Kind == StmtKind::Assign || S->Kind == StmtKind::AugAssign)
    for (const Expr *T : S->Targets)
      if ((S->Kind == StmtKind::AugAssign || !T->isName("TEMPLATES")) && Matters(T))
        return true;
  if (S->Kind == StmtKind::Expr && S->Value && S->Value->Kind == ExprKind::Call &&
      S->Value->Object && S->Value->Object->Kind == ExprKind::Attribute) {
    const Expr *Callee = S->Value->Object;
    if (Callee->Id == "append" || Callee->Id == "extend" || Callee->Id == "insert")
      return Matters(Callee->Object);
  }
  return false;
}

} // namespace

TemplateSettings readTemplateSettings(llvm::ArrayRef<SettingsSource> Modules,
                                      llvm::ArrayRef<std::string> WorkingDirs) {
  TemplateSettings Out;
  SettingsReader R(Modules);
  for (const SettingsSource &M : Modules) {
    if (!M.Ast)
      continue;
    // Only the module's own assignment: one imported by `from .base import *` is read
    // where it is written.
    const Expr *Value = nullptr;
    for (const Stmt *S : M.Ast->Body) {
      if (S->Kind == StmtKind::Assign && S->Value)
        for (const Expr *T : S->Targets)
          if (T->isName("TEMPLATES"))
            Value = S->Value;
      if (changesTemplates(S)) // changed in place: we do not follow the change
        Out.Complete = false, Out.Found = true;
    }
    if (!Value)
      continue;
    Out.Found = true;
    TemplatesReader(R, WorkingDirs, Out).readList(M, Value, 0);
  }
  return Out;
}

bool djangoJinjaMatches(const TemplateBackend &B, llvm::StringRef Name) {
  if (!B.MatchExtensions.empty() &&
      llvm::none_of(B.MatchExtensions, [&](const std::string &E) { return Name.ends_with(E); }))
    return false;
  if (!B.HasMatchRegex)
    return true;
  // re.match: anchored at the start only. ECMAScript has Python's lookaheads; what it
  // cannot compile counts as a match (never read a Jinja2 template as Django's).
  try {
    std::regex Re(B.MatchRegex, std::regex::ECMAScript);
    return std::regex_search(Name.begin(), Name.end(), Re, std::regex_constants::match_continuous);
  } catch (const std::regex_error &) {
    return true;
  }
}

void notePyjade(TemplateSettings &S, llvm::StringRef Source) {
  llvm::SmallVector<llvm::StringRef, 0> Lines;
  Source.split(Lines, '\n');
  for (llvm::StringRef Line : Lines) {
    if (Line.ltrim().starts_with("#"))
      continue;
    for (llvm::StringRef Package : {"pyjade", "pypugjs"})
      for (char Quote : {'\'', '"'}) {
        std::string Prefix = Quote + Package.str() + ".ext.";
        S.JadeDjango |= Line.contains(Prefix + "django");
        S.JadeJinja2 |= Line.contains(Prefix + "jinja");
      }
  }
}

TemplateEngineKind templateEngine(const TemplateSettings &S, const TemplatePlace &P) {
  if (inTemplatedPath(P.AbsPath))
    return TemplateEngineKind::NotTemplate;
  llvm::StringRef RootName = path::filename(P.Root);
  llvm::StringRef Ext = path::extension(P.AbsPath);
  if (Ext == ".jinja" || Ext == ".jinja2" || Ext == ".j2")
    return TemplateEngineKind::Jinja2;
  // The engines in settings order: the first that finds the template renders it.
  for (const TemplateBackend &B : S.Backends) {
    std::optional<std::string> Name;
    for (const auto &Candidates : B.Dirs)
      for (const std::string &D : Candidates)
        if (!Name)
          Name = nameUnder(P.AbsPath, D);
    if (!Name && B.AppDirs && P.RootInApp && RootName == B.AppDirname)
      Name = nameUnder(P.AbsPath, P.Root);
    if (!Name)
      continue;
    if (!B.Jinja2)
      return TemplateEngineKind::Django;
    if (!B.DjangoJinja || djangoJinjaMatches(B, *Name))
      return TemplateEngineKind::Jinja2;
  }
  if (jinjaByName(P))
    return TemplateEngineKind::Jinja2;
  if (P.Configured)
    return TemplateEngineKind::Django;
  // Not named by settings read in full: an app's templates/ may still be loaded (by an
  // app loader of a backend we matched by name only), a top-level one is not.
  if (S.Found && S.Complete)
    return P.RootInApp ? TemplateEngineKind::Django : TemplateEngineKind::NotTemplate;
  return P.InPackage || P.NextToPython ? TemplateEngineKind::Django
                                       : TemplateEngineKind::NotTemplate;
}

} // namespace nplus1::index
