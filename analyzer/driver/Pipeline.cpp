#include "driver/Pipeline.h"

#include "flow/Interpreter.h"
#include "parse/Python.h"
#include "report/Report.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Parallel.h"

#include <set>

namespace nplus1::driver {

namespace {

/// Reads one file; returns null and sets \p Error when it cannot be read as text.
std::shared_ptr<parse::SourceFile> readFile(const discover::File &F, std::string &Error) {
  auto Buf = llvm::MemoryBuffer::getFile(F.AbsPath, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) {
    Error = Buf.getError().message();
    return nullptr;
  }
  llvm::StringRef Text = (*Buf)->getBuffer();
  if (Text.contains('\0')) {
    Error = "binary file (contains NUL bytes)";
    return nullptr;
  }
  if (Text.size() > 0xFFFFFFF0u) {
    Error = "file too large";
    return nullptr;
  }
  return std::make_shared<parse::SourceFile>(F.Path, Text.str());
}

/// The modules that import a target module are checked too: a change to a model re-checks
/// the views that use it (pre-commit passes only the changed files).
void addDependents(const index::Project &P, std::set<const parse::SourceFile *> &TargetFiles,
                   std::vector<std::shared_ptr<const parse::SourceFile>> &Targets) {
  std::vector<std::string> Changed;
  for (const auto &M : P.modules())
    if (!M->Builtin && TargetFiles.count(&M->Ast->file()))
      Changed.push_back(M->Name);
  auto Imports = [&](llvm::StringRef Qual) {
    for (const std::string &C : Changed)
      if (Qual == C || (Qual.starts_with(C) && Qual.substr(C.size()).starts_with(".")))
        return true;
    return false;
  };
  for (const auto &M : P.modules()) {
    const parse::SourceFile *F = &M->Ast->file();
    if (M->Builtin || TargetFiles.count(F))
      continue;
    bool Depends = llvm::any_of(M->Imports, [&](const auto &E) { return Imports(E.second); }) ||
                   llvm::any_of(M->StarImports, [&](const std::string &S) { return Imports(S); });
    if (!Depends)
      continue;
    TargetFiles.insert(F);
    Targets.push_back(M->Ast->fileRef());
  }
}

} // namespace

Analysis analyze(const discover::Options &Opts, const Config &Settings) {
  Analysis A;
  A.Files = discover::discover(Opts);
  const std::vector<discover::File> &Files = A.Files.Files;

  // Read and parse every file of the project in parallel.
  std::vector<std::unique_ptr<parse::py::Module>> Parsed(Files.size());
  std::vector<std::unique_ptr<index::TemplateFile>> Templates(Files.size());
  std::vector<std::string> Errors(Files.size());
  llvm::parallelFor(0, Files.size(), [&](size_t I) {
    std::shared_ptr<parse::SourceFile> Src = readFile(Files[I], Errors[I]);
    if (!Src)
      return;
    if (Files[I].Kind == discover::FileKind::Python) {
      Parsed[I] = parse::parsePython(std::move(Src));
      return;
    }
    auto T = std::make_unique<index::TemplateFile>();
    T->Name = Files[I].TemplateName;
    T->Tree = parse::tpl::parseTemplate(std::string_view(Src->text().data(), Src->text().size()));
    T->File = std::move(Src);
    Templates[I] = std::move(T);
  });
  A.Templates = std::make_unique<index::TemplateIndex>();
  std::set<const parse::SourceFile *> TargetFiles;
  for (size_t I = 0; I < Files.size(); ++I) {
    if (Files[I].Kind != discover::FileKind::Template)
      continue;
    if (!Templates[I]) {
      if (Files[I].IsTarget)
        A.Diagnostics.push_back(rules::unreadableFile(Files[I].Path, Errors[I]));
      continue;
    }
    if (Files[I].IsTarget) {
      A.Targets.push_back(Templates[I]->File);
      TargetFiles.insert(Templates[I]->File.get());
      if (!Templates[I]->Tree.Errors.empty()) {
        const auto &E = Templates[I]->Tree.Errors.front();
        A.Diagnostics.push_back(
            rules::syntaxError(*Templates[I]->File, {E.Where.Begin, E.Where.End}, E.Message));
      }
    }
    A.Templates->add(std::move(Templates[I]));
  }

  if (Opts.ParseOnly) {
    for (size_t I = 0; I < Files.size(); ++I)
      if (Files[I].IsTarget && Parsed[I] && !Parsed[I]->Errors.empty())
        A.Diagnostics.push_back(rules::syntaxError(
            Parsed[I]->file(), Parsed[I]->Errors.front().Where, Parsed[I]->Errors.front().Message));
    for (auto &P : Parsed)
      if (P)
        A.Targets.push_back(P->fileRef());
    report::sortDiagnostics(A.Diagnostics);
    return A;
  }
  A.Project = std::make_unique<index::Project>();
  std::vector<index::ModuleInfo *> Modules;
  for (size_t I = 0; I < Files.size(); ++I) {
    const discover::File &F = Files[I];
    if (F.Kind != discover::FileKind::Python)
      continue;
    if (!Parsed[I]) {
      if (F.IsTarget)
        A.Diagnostics.push_back(rules::unreadableFile(F.Path, Errors[I]));
      continue;
    }
    if (F.IsTarget) {
      A.Targets.push_back(Parsed[I]->fileRef());
      TargetFiles.insert(&Parsed[I]->file());
      if (!Parsed[I]->Errors.empty()) {
        const parse::py::SyntaxError &E = Parsed[I]->Errors.front();
        A.Diagnostics.push_back(rules::syntaxError(Parsed[I]->file(), E.Where, E.Message));
      }
    }
    Modules.push_back(
        &A.Project->addModule(std::move(Parsed[I]), F.ModuleName, F.IsPackage, false));
  }
  // Django's own models, unless the project itself is Django.
  for (const index::CatalogModule &C : index::builtinCatalog()) {
    if (A.Project->module(C.ModuleName))
      continue;
    auto Src =
        std::make_shared<parse::SourceFile>(std::string("<django>/") + C.ModuleName, C.Source);
    A.Project->addModule(parse::parsePython(std::move(Src)), C.ModuleName, false, true);
  }
  A.Project->freeze();
  A.Graph = index::ModelGraph::build(*A.Project);
  if (Opts.WithDependents)
    addDependents(*A.Project, TargetFiles, A.Targets);

  // Analyze every module in parallel (a view outside the targets may render a target
  // template); keep the events that happen in target files; collect in module order.
  flow::Analyzer Flow(*A.Project, *A.Graph, A.Templates.get(), Settings.djangoVersion());
  std::vector<std::vector<flow::Event>> Events(Modules.size());
  llvm::parallelFor(0, Modules.size(), [&](size_t I) {
    std::vector<flow::Event> All = Flow.analyzeModule(*Modules[I]);
    for (flow::Event &E : All)
      if (TargetFiles.count(E.File))
        Events[I].push_back(std::move(E));
  });
  for (auto &ModuleEvents : Events) {
    std::vector<rules::Diagnostic> D = rules::runRules(ModuleEvents);
    std::move(D.begin(), D.end(), std::back_inserter(A.Diagnostics));
  }
  report::sortDiagnostics(A.Diagnostics);
  // The same access reached twice through the same queryset is one finding.
  A.Diagnostics.erase(std::unique(A.Diagnostics.begin(), A.Diagnostics.end(),
                                  [](const rules::Diagnostic &X, const rules::Diagnostic &Y) {
                                    return X.File == Y.File && X.Where == Y.Where &&
                                           X.Code == Y.Code && X.Message == Y.Message &&
                                           X.QuerysetFile == Y.QuerysetFile &&
                                           X.QuerysetWhere == Y.QuerysetWhere;
                                  }),
                      A.Diagnostics.end());
  applySuppressions(A);
  // select / ignore / per-file-ignores.
  llvm::StringRef Root = A.Files.Root;
  llvm::erase_if(A.Diagnostics, [&](const rules::Diagnostic &D) {
    if (!Settings.enabled(D.Code))
      return true;
    llvm::SmallString<256> Abs(D.File ? D.File->path() : llvm::StringRef(D.Path));
    llvm::sys::fs::make_absolute(Abs);
    llvm::StringRef Rel = Abs.str();
    if (Rel.consume_front(Root))
      Rel = Rel.ltrim('/');
    return Settings.ignoredIn(Rel, D.Code);
  });
  report::sortDiagnostics(A.Diagnostics);
  return A;
}

} // namespace nplus1::driver
